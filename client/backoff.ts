/**
 * How long the client waits before its next reconnect attempt: capped
 * exponential backoff with jitter, so that thousands of clients cut off by
 * one server restart do not all come back in the same instant.
 *
 *   base(n)  = min(maxDelayMs, initialDelayMs × factor^(n − 1))     n = 1, 2, …
 *   delay(n) = base(n) × (1 − jitter × r)                            r uniform in [0, 1)
 *
 * With the defaults: about 0.25–0.5 s, 0.5–1 s, 1–2 s, … up to 15–30 s.
 */
export type BackoffOptions = {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Fraction of each delay that is random (0: none, 1: anywhere from 0 to the full delay). */
  jitter: number;
  /** Attempts before the client gives up (Infinity: never). */
  maxAttempts: number;
};

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5, maxAttempts: Infinity };

/** The delay before attempt `attempt` (1 for the first reconnect); `random` is injectable for tests. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - options.jitter * random()));
}
