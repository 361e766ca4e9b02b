/**
 * Kite's per-API-key request rate limits: a token bucket per key that holds
 * at most `perSecond` requests and refills at `perSecond` a second, so a
 * burst of `perSecond` passes and the sustained rate is `perSecond`.
 * `perSecond` 0 lets everything through.
 */
export class RequestRate {
  readonly #perSecond: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(perSecond: number, now: () => number = Date.now) {
    this.#perSecond = perSecond;
    this.#now = now;
  }

  /** Whether `key` may make one more request now (and if so, counts it). */
  take(key: string): boolean {
    if (this.#perSecond === 0) return true;
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#perSecond, atMs: now };
    bucket.tokens = Math.min(this.#perSecond, bucket.tokens + ((now - bucket.atMs) / 1000) * this.#perSecond);
    bucket.atMs = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
