import { Ratelimit } from '@upstash/ratelimit';
import type { EdgeConfig } from '../../contracts/worker-config.ts';
import { describe } from '../../storage/database.ts';
import { openRedis } from '../storage/redis.ts';
import { BlockList } from './block-list.ts';

/**
 * Request budgets, counted in Redis with `@upstash/ratelimit` (a sliding
 * window per identity, shared by every isolate and region):
 *
 * - `api`: per API key, or per user for a session, on the REST API;
 * - `ip`: per client address, on the REST API without credentials and for
 *   requests whose credentials were refused;
 * - `auth`: per client address, on the credential routes of /auth.
 *
 * `api` and `ip` are counted off the request's path: the count goes to
 * Redis after the answer (the caller's `waitUntil`), and an identity Redis
 * finds over budget is refused by this isolate, with no I/O, until its
 * window resets. A cached answer so costs no round trip to Upstash, which
 * may be a region away; the price is that each isolate serves at most the
 * requests in flight when the verdict lands beyond the budget. `auth`
 * (logins, where a round trip is small beside PBKDF2) waits for Redis and
 * holds exactly.
 *
 * Fail-open, by decision: with Redis unset, down or slower than
 * RATE_LIMIT_TIMEOUT_MS (1 s by default), requests pass (and the worker logs it, once a minute).
 * Market data staying up matters more than a budget, /health already says
 * Redis is down, and what must not fail open, the brute-force protection
 * of logins, is the lock-out in Postgres (login-throttle.ts), not this.
 */
export type Bucket = 'api' | 'ip' | 'auth';
export type Verdict = { allowed: true } | { allowed: false; limit: number; retryAfterS: number };

const MAX_BLOCKED = 10_000;

const limiters = new Map<string, Ratelimit>();
/** Identities Redis found over budget, by bucket and identity: until when, and the limit they hit. */
const blocked = new BlockList(MAX_BLOCKED);

export async function rateLimit(config: EdgeConfig, bucket: Bucket, identity: string, defer: (count: Promise<unknown>) => void): Promise<Verdict> {
  const key = `${bucket}:${identity}`;
  const block = blocked.get(key);
  if (block && block.until > Date.now()) return refusal(block);
  if (block) blocked.delete(key);
  const counted = count(config, bucket, identity, key);
  if (bucket !== 'auth') {
    defer(counted);
    return { allowed: true };
  }
  return counted;
}

/** The client's address as Cloudflare saw it (it sets this header on every request it forwards). */
export function clientIp(request: Request): string {
  return request.headers.get('CF-Connecting-IP') ?? 'unknown';
}

async function count(config: EdgeConfig, bucket: Bucket, identity: string, key: string): Promise<Verdict> {
  const limiter = limiterFor(config, bucket);
  if (!limiter) {
    warnOnce('rate limits are off: UPSTASH_REDIS_REST_URL is not set');
    return { allowed: true };
  }
  try {
    const verdict = await limiter.limit(identity);
    if (verdict.reason === 'timeout') warnOnce(`rate limits passed a request: Redis did not answer within ${config.rateLimits.timeoutMs} ms`);
    if (verdict.success) return { allowed: true };
    const block = { until: verdict.reset, limit: verdict.limit };
    blocked.set(key, block);
    return refusal(block);
  } catch (error) {
    warnOnce(`rate limits passed a request: Redis failed (${describe(error)})`);
    return { allowed: true };
  }
}

function refusal(block: { until: number; limit: number }): Verdict {
  return { allowed: false, limit: block.limit, retryAfterS: Math.max(1, Math.ceil((block.until - Date.now()) / 1000)) };
}

function limiterFor(config: EdgeConfig, bucket: Bucket): Ratelimit | undefined {
  if (!config.redis) return undefined;
  const tokens = config.rateLimits[bucket];
  const { windowS, timeoutMs } = config.rateLimits;
  const key = `${config.redis.url}|${bucket}|${tokens}|${windowS}|${timeoutMs}`;
  const known = limiters.get(key);
  if (known) return known;
  const redis = openRedis(config.redis);
  if (!redis) return undefined;
  const limiter = new Ratelimit({
    redis,
    limiter: Ratelimit.slidingWindow(tokens, `${windowS} s`),
    prefix: `ratelimit:${bucket}`,
    timeout: timeoutMs,
    analytics: false,
    // This module keeps the blocked identities itself: it must consult them before deciding to wait.
    ephemeralCache: false,
  });
  limiters.set(key, limiter);
  return limiter;
}

let lastWarning = 0;

function warnOnce(message: string): void {
  if (Date.now() - lastWarning < 60_000) return;
  lastWarning = Date.now();
  console.warn(message);
}
