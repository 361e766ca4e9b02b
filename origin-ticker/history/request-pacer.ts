/**
 * Starts calls no faster than `perSecond` a second, in the order asked
 * (Kite allows about 3 historical requests a second per key: more are
 * answered 429). Each call waits its turn; a failed call does not stop
 * the ones behind it.
 */
export class RequestPacer {
  readonly #gapMs: number;
  #nextAt = 0;
  #waiting = 0;

  constructor(perSecond: number) {
    this.#gapMs = Math.ceil(1000 / perSecond);
  }

  /** Calls queued and not started yet. */
  get waiting(): number {
    return this.#waiting;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const at = Math.max(now, this.#nextAt);
    this.#nextAt = at + this.#gapMs;
    if (at > now) {
      this.#waiting++;
      await new Promise((resolve) => setTimeout(resolve, at - now));
      this.#waiting--;
    }
    return call();
  }
}
