import type { EdgeConfig } from '../../contracts/worker-config.ts';
import { withDeadline } from '../../storage/deadline.ts';
import { openRedis } from '../storage/redis.ts';
import { CircuitBreaker } from './circuit-breaker.ts';

/**
 * The shared tier (Upstash Redis). Every call is bounded and guarded by a
 * circuit breaker: Redis failing makes the API answer from Postgres without
 * waiting on Redis again for a while. Failures never reach the caller: a
 * cache that cannot answer is a miss.
 */
const REDIS_TIMEOUT_MS = 250;
const REDIS_COOLDOWN_MS = 10_000;
const breakers = new Map<string, CircuitBreaker>();

function breakerFor(url: string): CircuitBreaker {
  let breaker = breakers.get(url);
  if (!breaker) {
    breaker = new CircuitBreaker(REDIS_COOLDOWN_MS);
    breakers.set(url, breaker);
  }
  return breaker;
}

async function guarded<T>(config: EdgeConfig, run: (redis: NonNullable<ReturnType<typeof openRedis>>) => Promise<T>): Promise<T | undefined> {
  const redis = openRedis(config.redis);
  if (!redis || !config.redis) return undefined;
  const breaker = breakerFor(config.redis.url);
  if (!breaker.allow()) return undefined;
  try {
    const result = await withDeadline(run(redis), REDIS_TIMEOUT_MS, 'Redis');
    breaker.success();
    return result;
  } catch (error) {
    breaker.failure();
    console.warn(`Redis cache skipped for ${REDIS_COOLDOWN_MS / 1000} s: ${(error as Error).message}`);
    return undefined;
  }
}

export function sharedGet(config: EdgeConfig, key: string): Promise<string | undefined> {
  return guarded(config, async (redis) => (await redis.get<string>(key)) ?? undefined);
}

export async function sharedSet(config: EdgeConfig, key: string, value: string, ttlSeconds: number): Promise<void> {
  await guarded(config, (redis) => redis.set(key, value, { ex: ttlSeconds }));
}
