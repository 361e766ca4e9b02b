/**
 * The streams a group pushes to its hubs, as the hubs name them
 * (contracts/hub-link.ts): a hub names its whole set at once, replacing the
 * set it named before, and a stream lives while some hub names it. The
 * chain and the candle streams (chain-streams.ts, candles/candle-streams.ts)
 * keep what is theirs in `S`; a hub's new link drops what its old one named.
 */
export type HubStream = { readonly hubs: Set<string> };

export class HubStreams<S extends HubStream> {
  readonly #streams = new Map<string, S>();
  /** hub → the keys it named. */
  readonly #byHub = new Map<string, Set<string>>();
  readonly #ended: (stream: S) => void;

  /** `ended` hears each stream that no hub names any more, as it goes. */
  constructor(ended: (stream: S) => void) {
    this.#ended = ended;
  }

  get size(): number {
    return this.#streams.size;
  }

  values(): IterableIterator<S> {
    return this.#streams.values();
  }

  get(key: string): S | undefined {
    return this.#streams.get(key);
  }

  /** Whether `hub` names any stream. */
  streamsTo(hub: string): boolean {
    return this.#byHub.has(hub);
  }

  /**
   * `hub`'s whole set, each key with how to make its stream should no hub
   * stream it yet. The streams it no longer names are left; `joined` hears
   * each one it names now and did not before (`created`: nobody did).
   */
  name(hub: string, named: ReadonlyMap<string, () => S>, joined: (stream: S, created: boolean) => void): void {
    for (const key of this.#byHub.get(hub) ?? []) if (!named.has(key)) this.#leave(hub, key);
    const held = this.#byHub.get(hub) ?? new Set<string>();
    for (const [key, make] of named) {
      if (held.has(key)) continue;
      held.add(key);
      const existing = this.#streams.get(key);
      const stream = existing ?? make();
      if (!existing) this.#streams.set(key, stream);
      stream.hubs.add(hub);
      joined(stream, !existing);
    }
    if (held.size > 0) this.#byHub.set(hub, held);
    else this.#byHub.delete(hub);
  }

  /** A hub's link closed or was replaced: its streams go with it. Returns whether it named any. */
  drop(hub: string): boolean {
    const held = this.#byHub.get(hub);
    if (!held) return false;
    for (const key of [...held]) this.#leave(hub, key);
    return true;
  }

  #leave(hub: string, key: string): void {
    const held = this.#byHub.get(hub);
    held?.delete(key);
    if (held?.size === 0) this.#byHub.delete(hub);
    const stream = this.#streams.get(key);
    if (!stream) return;
    stream.hubs.delete(hub);
    if (stream.hubs.size > 0) return;
    this.#streams.delete(key);
    this.#ended(stream);
  }
}
