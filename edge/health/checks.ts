import { MIGRATIONS_TABLE } from '../../contracts/database.ts';
import type { DatabaseHealth, DependencyHealth, FeedHealth } from '../../contracts/health.ts';
import type { EdgeConfig } from '../config.ts';
import { describe, openDatabase } from '../storage/database.ts';
import { openRedis } from '../storage/redis.ts';
import { withDeadline } from '../deadline.ts';


/**
 * A real round trip to Postgres: connect, then read the newest applied
 * migration so the answer also says whether the schema is in place.
 */
export async function checkDatabase(config: EdgeConfig): Promise<DatabaseHealth> {
  const started = Date.now();
  try {
    // The same path the API's queries take, so healthy means the API can read.
    const db = openDatabase(config.database, config.healthCheckTimeoutMs);
    const { rows } = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`public.${MIGRATIONS_TABLE}`]);
    const schema = rows[0]?.present
      ? ((await db.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id DESC LIMIT 1`)).rows[0]?.name ?? null)
      : null;
    const latency_ms = Date.now() - started;
    return schema === null
      ? { status: 'unhealthy', latency_ms, schema, reason: 'connected, but no migrations are applied (run npm run migrate)' }
      : { status: 'healthy', latency_ms, schema };
  } catch (error) {
    return { status: 'unhealthy', reason: `Postgres: ${describe(error)}` };
  }
}

/** PING through the same Upstash client the cache uses. */
export async function checkRedis(config: EdgeConfig): Promise<DependencyHealth> {
  const redis = openRedis(config.redis);
  if (!redis) {
    return {
      status: 'disabled',
      reason: 'UPSTASH_REDIS_REST_URL is not set: serving uncached',
    };
  }
  const started = Date.now();
  try {
    const answer = await withDeadline(redis.ping(), config.healthCheckTimeoutMs, 'Redis');
    if (answer !== 'PONG') {
      return { status: 'unhealthy', reason: `Redis answered PING with ${JSON.stringify(answer)}` };
    }
    return { status: 'healthy', latency_ms: Date.now() - started };
  } catch (error) {
    return { status: 'unhealthy', reason: `Redis: ${describe(error)}` };
  }
}

/**
 * The tick feed. No origin ticker links to the edge yet (it arrives with the
 * origin issue), so the honest answer is "down" with the reason.
 */
export function checkFeed(): FeedHealth {
  return { status: 'down', last_tick_age_ms: null, reason: 'no origin ticker has connected to the edge' };
}
