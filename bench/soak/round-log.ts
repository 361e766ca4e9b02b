/**
 * The rounds the Kite simulator actually sent: each round's second (every
 * packet of its frames carries it as `exchange_timestamp`) and when its
 * first frame left, from the simulator's send log (`GET /_sim/send-times`,
 * SIM_SEND_TIMES=1), polled during the soak.
 *
 * Why not count on one round a second: the simulator's rounds run on a
 * timer that drifts, so now and then a second has no round (the soak must
 * not call that a lost tick), and while Kite is silent, cut or refusing
 * connections there are no rounds at all. What the send log lists was
 * sent; what the soak counts as expected is only that.
 */
export class RoundLog {
  /** Seconds of the rounds, ascending, and the send time of each one's first frame. */
  readonly #seconds: number[] = [];
  readonly #sentAt: number[] = [];

  /** Frames as the send log gives them, [connection, second, sent_at_ms], oldest first; those already known are skipped. */
  add(frames: readonly (readonly [number, number, number])[]): void {
    for (const [, second, sentAt] of frames) {
      const last = this.#seconds.at(-1);
      if (last !== undefined && second < last) continue; // an older poll's round
      if (second === last) {
        const i = this.#sentAt.length - 1;
        this.#sentAt[i] = Math.min(this.#sentAt[i] as number, sentAt);
        continue;
      }
      this.#seconds.push(second);
      this.#sentAt.push(sentAt);
    }
  }

  get size(): number {
    return this.#seconds.length;
  }

  /**
   * When the round of `second` was sent: from the log, or, for a round
   * newer than the last poll (or one the log does not have), from the
   * latest round before it, as rounds come about a second apart.
   */
  sentAt(second: number): number {
    const i = this.#indexAtOrBefore(second);
    if (i < 0) return second * 1000;
    const known = this.#seconds[i] as number;
    return (this.#sentAt[i] as number) + (second - known) * 1000;
  }

  /** The rounds sent with fromSecond < second < toSecond and, if given, sent before `sentBefore`, with their send times. */
  between(fromSecond: number, toSecond: number, sentBefore = Number.POSITIVE_INFINITY): { second: number; sentAt: number }[] {
    const rounds: { second: number; sentAt: number }[] = [];
    for (let i = this.#indexAtOrBefore(fromSecond) + 1; i < this.#seconds.length; i++) {
      const second = this.#seconds[i] as number;
      const sentAt = this.#sentAt[i] as number;
      if (second >= toSecond || sentAt >= sentBefore) break;
      rounds.push({ second, sentAt });
    }
    return rounds;
  }

  /** The last index whose second is at or before `second`, or -1. */
  #indexAtOrBefore(second: number): number {
    let low = 0;
    let high = this.#seconds.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((this.#seconds[mid] as number) <= second) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }
}
