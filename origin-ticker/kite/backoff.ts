/**
 * Capped exponential backoff with full jitter (a random delay between 0 and
 * the capped exponential): after Kite drops many sockets at once, the
 * reconnects spread out instead of arriving together.
 */
export type BackoffOptions = { baseMs: number; maxMs: number; random?: () => number };

export class Backoff {
  #attempt = 0;
  readonly #options: BackoffOptions;

  constructor(options: BackoffOptions) {
    this.#options = options;
  }

  /** The delay before the next attempt; each call counts as one more failure. */
  next(): number {
    const ceiling = Math.min(this.#options.maxMs, this.#options.baseMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return Math.round((this.#options.random ?? Math.random)() * ceiling);
  }

  /** A connection that worked starts the sequence over. */
  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}
