/**
 * What a hub holds for one session between flushes: the latest packet of
 * each instrument due (a newer tick replaces an unsent older one, so a
 * session that cannot keep up gets merged state, never a growing queue),
 * snapshots due (sent first), and whether the socket is keeping up.
 *
 * Bounded by construction: at most one packet per subscribed instrument in
 * each map, so a session costs at most 2 × its instrument limit × 184 bytes
 * here, however slow it reads.
 */
export type OutboxVerdict = 'send' | 'hold' | 'close';

export type SlowBound = {
  /** Unsent bytes on the socket above which ticks are held and merged. */
  bytes: number;
  /** How long a session may stay above the bound before it is closed. */
  closeAfterMs: number;
};

export class SessionOutbox {
  readonly pending = new Map<number, Uint8Array>();
  readonly snapshot = new Map<number, Uint8Array>();
  #slowSince: number | null = null;

  /** When the socket went over the bound, or null while it keeps up. */
  get slowSince(): number | null {
    return this.#slowSince;
  }

  get size(): number {
    return this.pending.size + this.snapshot.size;
  }

  /** Whether to write now, given the socket's unsent bytes (WebSocket.bufferedAmount). */
  verdict(buffered: number, now: number, bound: SlowBound): OutboxVerdict {
    if (buffered <= bound.bytes) {
      this.#slowSince = null;
      return 'send';
    }
    this.#slowSince ??= now;
    return now - this.#slowSince > bound.closeAfterMs ? 'close' : 'hold';
  }

  forget(token: number): void {
    this.pending.delete(token);
    this.snapshot.delete(token);
  }

  clear(): void {
    this.pending.clear();
    this.snapshot.clear();
  }
}
