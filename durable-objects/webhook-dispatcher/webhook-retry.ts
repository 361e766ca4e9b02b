import { type DeliveryStatus, WEBHOOK_RETRY_BASE_MS } from '../../contracts/alerts.ts';
import { type BackoffPolicy, backoffDelayMs } from '../../contracts/backoff.ts';
import type { DeliveryOutcome } from '../../storage/alerts/alert-sql.ts';

/**
 * The life of one webhook delivery, as a pure state machine: each attempt's
 * outcome decides whether the delivery is done (delivered), given up on
 * (failed: the receiver refused it for good), tried again later (pending,
 * with the time of the next attempt), or, after `maxAttempts`, dead. failed
 * and dead are the user's dead letters (alert_deliveries, status column).
 * Time and randomness come in as arguments, so schedules are exact in tests.
 *
 * Outcomes:
 *   2xx                              delivered
 *   408, 429, 5xx, timeout, network  retry (Retry-After is honoured, within the cap)
 *   other 4xx, 3xx, a refused URL     failed: retrying would get the same answer.
 *                                    Redirects are not followed (a redirect could
 *                                    lead into a private network; the URL is the
 *                                    one the user gave).
 *
 * Backoff (contracts/backoff.ts): before attempt n+1 the deliverer waits
 * min(cap, base × 2^(n−1)), half of it fixed and half random ("equal
 * jitter"), so receivers that failed together are not all retried in the
 * same second, and no retry comes sooner than half the schedule. The base
 * is the worker's ALERT_WEBHOOK_RETRY_BASE_MS (5 s unless set).
 */
/** A delivery as the dispatcher holds it between attempts: the row's state, times in ms since epoch. */
export type Delivery = DeliveryOutcome;
export type { DeliveryStatus };

export type AttemptOutcome =
  | { kind: 'response'; status: number /** Seconds from a Retry-After header, if any. */; retryAfterS?: number }
  | { kind: 'timeout' }
  | { kind: 'network'; error: string }
  /** Not sent: the URL is no longer allowed (contracts/webhook-url.ts, checked again before each attempt). */
  | { kind: 'refused'; reason: string };

/** The backoff between attempts, and how many attempts a delivery gets before it is dead. */
export type RetryPolicy = BackoffPolicy & { maxAttempts: number };

/** Ten attempts over about 40 minutes at most (5 s, 10 s, 20 s, … 21 min between them, before jitter). */
export const WEBHOOK_RETRY: RetryPolicy = { maxAttempts: 10, baseMs: WEBHOOK_RETRY_BASE_MS, maxMs: 30 * 60_000, jitter: 'equal' };

/** WEBHOOK_RETRY with the first retry's delay ceiling at `baseMs` (ALERT_WEBHOOK_RETRY_BASE_MS); the cap stays. */
export function webhookRetryPolicy(baseMs: number): RetryPolicy {
  return { ...WEBHOOK_RETRY, baseMs };
}

/** How long one attempt may take before it counts as a timeout. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_ERROR_CHARS = 500;

/** A delivery about to be tried for the first time, at `now`. */
export function newDelivery(now: number): Delivery {
  return { status: 'pending', attempts: 0, next_attempt_at: now, last_attempt_at: null, response_code: null, last_error: null, delivered_at: null };
}

export function classify(outcome: AttemptOutcome): 'success' | 'permanent' | 'retry' {
  if (outcome.kind === 'refused') return 'permanent';
  if (outcome.kind !== 'response') return 'retry';
  const { status } = outcome;
  if (status >= 200 && status < 300) return 'success';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'permanent';
}

/** The delivery after an attempt made at `now` ended with `outcome`; `random` in [0, 1) draws the retry's jitter. */
export function afterAttempt(delivery: Delivery, outcome: AttemptOutcome, options: { now: number; random: number; policy?: RetryPolicy }): Delivery {
  if (delivery.status !== 'pending') throw new RangeError(`a ${delivery.status} delivery is not attempted again`);
  const policy = options.policy ?? WEBHOOK_RETRY;
  const attempts = delivery.attempts + 1;
  const base = { ...delivery, attempts, last_attempt_at: options.now, response_code: outcome.kind === 'response' ? outcome.status : null };
  const verdict = classify(outcome);
  if (verdict === 'success') return { ...base, status: 'delivered', next_attempt_at: null, last_error: null, delivered_at: options.now };
  const error = describe(outcome);
  if (verdict === 'permanent') return { ...base, status: 'failed', next_attempt_at: null, last_error: error };
  if (attempts >= policy.maxAttempts) return { ...base, status: 'dead', next_attempt_at: null, last_error: `${error}; gave up after ${attempts} attempts` };
  const asked = outcome.kind === 'response' && outcome.retryAfterS !== undefined ? Math.min(policy.maxMs, outcome.retryAfterS * 1000) : 0;
  const wait = Math.max(
    backoffDelayMs(attempts, policy, () => options.random),
    asked,
  );
  return { ...base, status: 'pending', next_attempt_at: options.now + wait, last_error: error };
}

function describe(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'response':
      return `HTTP ${outcome.status}`;
    case 'timeout':
      return `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`;
    case 'network':
      return outcome.error.slice(0, MAX_ERROR_CHARS);
    case 'refused':
      return `not sent: the URL ${outcome.reason}`;
  }
}
