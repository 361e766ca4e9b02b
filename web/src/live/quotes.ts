import type { ClientMode, KiteEdgeClient, Tick } from '@kite-edge/client';

/**
 * The latest tick of each instrument a view shows, and the subscriptions
 * behind them. Views `want` an instrument in a mode and release it when
 * they stop showing it; the session holds each instrument once, in the
 * richest mode any view wants, and drops it when no view wants it. Changes
 * made within one turn of the event loop go out as one message each way.
 */
const MODE_RANK: Record<ClientMode, number> = { ltp: 0, quote: 1, full: 2 };

export class LiveQuotes {
  readonly #client: KiteEdgeClient;
  readonly #ticks = new Map<number, Tick>();
  readonly #watchers = new Map<number, Set<(tick: Tick) => void>>();
  /** Each instrument's wants: one entry per holder, its mode. */
  readonly #wants = new Map<number, ClientMode[]>();
  /** What the session was last asked to hold, token → mode. */
  readonly #held = new Map<number, ClientMode>();
  #flushQueued = false;

  constructor(client: KiteEdgeClient) {
    this.#client = client;
    const take = (ticks: Tick[]) => {
      for (const tick of ticks) {
        this.#ticks.set(tick.instrument_token, tick);
        for (const watcher of this.#watchers.get(tick.instrument_token) ?? []) watcher(tick);
      }
    };
    client.on('snapshot', take);
    client.on('ticks', take);
  }

  latest(token: number): Tick | undefined {
    return this.#ticks.get(token);
  }

  /** Calls `watcher` with each new tick of `token`; returns the function that stops it. */
  watch(token: number, watcher: (tick: Tick) => void): () => void {
    const set = this.#watchers.get(token) ?? new Set();
    this.#watchers.set(token, set);
    set.add(watcher);
    return () => set.delete(watcher);
  }

  /** Holds `token` in at least `mode` until the returned function is called. */
  want(token: number, mode: ClientMode): () => void {
    const wants = this.#wants.get(token) ?? [];
    wants.push(mode);
    this.#wants.set(token, wants);
    this.#queueFlush();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      wants.splice(wants.indexOf(mode), 1);
      if (wants.length === 0) this.#wants.delete(token);
      this.#queueFlush();
    };
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #flush(): void {
    const byMode = new Map<ClientMode, number[]>();
    for (const [token, wants] of this.#wants) {
      const mode = wants.reduce((best, m) => (MODE_RANK[m] > MODE_RANK[best] ? m : best), 'ltp' as ClientMode);
      if (this.#held.get(token) === mode) continue;
      this.#held.set(token, mode);
      byMode.set(mode, [...(byMode.get(mode) ?? []), token]);
    }
    const dropped = [...this.#held.keys()].filter((token) => !this.#wants.has(token));
    for (const token of dropped) {
      this.#held.delete(token);
      this.#ticks.delete(token);
    }
    // Failures surface in the feed badge (a closed session) or are asked again by the client (`unavailable`).
    for (const [mode, tokens] of byMode) this.#client.subscribe(tokens, mode).catch(() => {});
    if (dropped.length > 0) this.#client.unsubscribe(dropped).catch(() => {});
  }
}
