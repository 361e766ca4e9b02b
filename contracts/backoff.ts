/**
 * Capped exponential backoff, the one schedule every retry loop of the
 * platform uses: the origin's Kite sockets and its links to the edge, a
 * hub's links to its groups, the typed client's reconnects, and webhook
 * retries. Pure: randomness comes in as a function, so tests pin it.
 *
 *   ceiling(n) = min(maxMs, baseMs × factor^(n − 1))      n = 1 for the first retry
 *
 * and the delay is drawn under that ceiling according to `jitter`, with r
 * uniform in [0, 1):
 *
 *   'none'    ceiling
 *   'full'    r × ceiling                   anywhere from 0: many clients cut off at once spread out the most
 *   'equal'   ceiling / 2 + r × ceiling / 2  never sooner than half the schedule
 *   f (0–1)   ceiling × (1 − f × r)          up to the fraction f taken off the ceiling (0: none, 1: like 'full');
 *                                           r = 0 gives the ceiling (the typed client's `reconnect.jitter`)
 *
 * Delays are whole milliseconds.
 */
export type Jitter = 'none' | 'full' | 'equal' | number;

export type BackoffPolicy = {
  /** The ceiling of the first delay. */
  baseMs: number;
  /** No ceiling grows past this. */
  maxMs: number;
  /** Growth of the ceiling per attempt; default 2. */
  factor?: number;
  jitter: Jitter;
};

/** The delay before retry `attempt` (1 for the first retry after a failure); `random` returns values in [0, 1). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(attempt, policy);
  const { jitter } = policy;
  if (jitter === 'none') return ceiling;
  if (jitter === 'full') return Math.round(random() * ceiling);
  if (jitter === 'equal') return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.round(ceiling * (1 - Math.min(1, Math.max(0, jitter)) * random()));
}

/** The most that retry `attempt` waits: the exponential, capped. */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy): number {
  if (policy.baseMs <= 0) return 0;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // A long outage counts many attempts: past the cap the exponential no longer matters (and factor^exponent may be Infinity).
  return Math.round(Math.min(policy.maxMs, policy.baseMs * (policy.factor ?? 2) ** exponent));
}

/**
 * The schedule of one retry loop: each `next()` counts a failure and gives
 * the wait before the next try; a success `reset()`s it, so the next
 * failure waits the base again.
 */
export class Backoff {
  readonly policy: BackoffPolicy;
  readonly #random: () => number;
  #failures = 0;

  constructor(policy: BackoffPolicy, random: () => number = Math.random) {
    this.policy = policy;
    this.#random = random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    this.#failures++;
    return backoffDelayMs(this.#failures, this.policy, this.#random);
  }

  /** A connection (or delivery) that worked starts the sequence over. */
  reset(): void {
    this.#failures = 0;
  }

  /** Failures counted since the last reset. */
  get attempts(): number {
    return this.#failures;
  }
}
