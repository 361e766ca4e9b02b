/**
 * The rounds the Kite simulator actually sent: each round's second (every
 * packet of its frames carries it as `exchange_timestamp`), the Kite
 * connections it sent a frame on, and when its first frame left, from the
 * simulator's send log (`GET /_sim/send-times`, SIM_SEND_TIMES=1), polled
 * during the soak.
 *
 * Why not count on one round a second on every connection: the
 * simulator's rounds run on a timer that drifts, so now and then a second
 * has no round (the soak must not call that a lost tick); while Kite is
 * silent, cut or refusing connections there are no rounds at all; and a
 * connection still dialling misses the rounds of the others. What the
 * send log lists was sent; what the soak counts as expected is only that.
 */
export type Round = { second: number; sentAt: number; connections: readonly number[] };

export class RoundLog {
  /** Ascending by second. */
  readonly #rounds: { second: number; sentAt: number; connections: number[] }[] = [];

  /** Frames as the send log gives them, [connection, second, sent_at_ms], oldest first; those already known are skipped. */
  add(frames: readonly (readonly [number, number, number])[]): void {
    for (const [connection, second, sentAt] of frames) {
      const last = this.#rounds.at(-1);
      if (last && second < last.second) continue; // an older poll's round
      if (last && second === last.second) {
        last.sentAt = Math.min(last.sentAt, sentAt);
        if (!last.connections.includes(connection)) last.connections.push(connection);
        continue;
      }
      this.#rounds.push({ second, sentAt, connections: [connection] });
    }
  }

  get size(): number {
    return this.#rounds.length;
  }

  /**
   * When the round of `second` was sent: from the log, or, for a round
   * newer than the last poll (or one the log does not have), from the
   * latest round before it, as rounds come about a second apart.
   */
  sentAt(second: number): number {
    const i = this.#indexAtOrBefore(second);
    const known = this.#rounds[i];
    if (!known) return second * 1000;
    return known.sentAt + (second - known.second) * 1000;
  }

  /** The rounds sent with fromSecond < second < toSecond and, if given, sent before `sentBefore`. */
  between(fromSecond: number, toSecond: number, sentBefore = Number.POSITIVE_INFINITY): Round[] {
    const rounds: Round[] = [];
    for (let i = this.#indexAtOrBefore(fromSecond) + 1; i < this.#rounds.length; i++) {
      const round = this.#rounds[i] as Round;
      if (round.second >= toSecond || round.sentAt >= sentBefore) break;
      rounds.push(round);
    }
    return rounds;
  }

  /** The last index whose second is at or before `second`, or -1. */
  #indexAtOrBefore(second: number): number {
    let low = 0;
    let high = this.#rounds.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((this.#rounds[mid] as Round).second <= second) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }
}
