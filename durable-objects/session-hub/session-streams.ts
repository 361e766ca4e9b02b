import type { GroupKey } from '../../contracts/instrument-group.ts';

/**
 * The streams a hub's sessions hold, one per key however many sessions
 * hold it, and each session's keys: the bookkeeping the option chains
 * (hub-chains.ts) and the candles (hub-candles.ts) share. A stream is its
 * kind's own record with the group it comes from and its sessions.
 */
export type SessionStream = { group: GroupKey; sessions: Set<string> };

export class SessionStreams<S extends SessionStream> {
  readonly #streams = new Map<string, S>();
  /** session id → the keys of its streams. */
  readonly #bySession = new Map<string, Set<string>>();

  /** How many streams a session holds. */
  countOf(session: string): number {
    return this.#bySession.get(session)?.size ?? 0;
  }

  /** The keys of a session's streams. */
  keysOf(session: string): ReadonlySet<string> {
    return this.#bySession.get(session) ?? new Set();
  }

  get(key: string): S | undefined {
    return this.#streams.get(key);
  }

  values(): IterableIterator<S> {
    return this.#streams.values();
  }

  /** A session joins the stream `key` (made by `make` when the hub does not hold it yet: then `isNew`). */
  join(session: string, key: string, make: () => S): { stream: S; isNew: boolean } {
    let stream = this.#streams.get(key);
    const isNew = stream === undefined;
    if (!stream) {
      stream = make();
      this.#streams.set(key, stream);
    }
    stream.sessions.add(session);
    const held = this.#bySession.get(session) ?? new Set<string>();
    held.add(key);
    this.#bySession.set(session, held);
    return { stream, isNew };
  }

  /** A session leaves the stream `key`; the group whose streams changed (the last session left), if any. */
  leave(session: string, key: string): GroupKey | undefined {
    const held = this.#bySession.get(session);
    if (!held?.delete(key)) return undefined;
    if (held.size === 0) this.#bySession.delete(session);
    const stream = this.#streams.get(key);
    if (!stream) return undefined;
    stream.sessions.delete(session);
    if (stream.sessions.size > 0) return undefined;
    this.#streams.delete(key);
    return stream.group;
  }

  /** A session ended: the groups whose streams changed. */
  dropSession(session: string): Set<GroupKey> {
    const changed = new Set<GroupKey>();
    for (const key of [...this.keysOf(session)]) {
      const group = this.leave(session, key);
      if (group !== undefined) changed.add(group);
    }
    return changed;
  }
}
