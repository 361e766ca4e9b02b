import { MIGRATIONS_TABLE } from '../../contracts/database.ts';
import type { DatabaseHealth, DependencyHealth, FeedHealth } from '../../contracts/health.ts';
import type { EdgeConfig } from '../../contracts/worker-config.ts';
import { feedControl } from '../../durable-objects/stubs.ts';
import { describe, openDatabase } from '../../storage/database.ts';
import { withDeadline } from '../../storage/deadline.ts';
import { openRedis } from '../storage/redis.ts';

/**
 * A real round trip to Postgres, through the same HTTP path the API's
 * queries take (so healthy means the API can read), which also reads the
 * newest applied migration to say whether the schema is in place.
 */
export async function checkDatabase(config: EdgeConfig): Promise<DatabaseHealth> {
  const started = Date.now();
  const db = openDatabase(config.database, config.healthCheckTimeoutMs);
  let schema: string | undefined;
  try {
    schema = (await db.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id DESC LIMIT 1`)).rows[0]?.name;
  } catch (error) {
    // A missing migrations table is a database that answers but has no schema yet.
    if ((error as { code?: string }).code !== UNDEFINED_TABLE) return { status: 'unhealthy', reason: `Postgres: ${describe(error)}` };
  }
  const latency_ms = Date.now() - started;
  return schema
    ? { status: 'healthy', latency_ms, schema }
    : { status: 'unhealthy', latency_ms, schema: null, reason: 'connected, but no migrations are applied (run npm run migrate)' };
}

/** SQLSTATE of a missing table: a database the migrations never reached. */
const UNDEFINED_TABLE = '42P01';

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
 * The tick feed, as FeedControl sees it (the origin's feed link and its last
 * status: durable-objects/feed-control/feed-control.ts), bounded like the other checks so
 * a stuck object shows as down with the reason instead of hanging /health.
 */
export async function checkFeed(env: Cloudflare.Env, config: EdgeConfig): Promise<FeedHealth> {
  if (config.originLinkSecret === undefined) {
    return { status: 'down', last_tick_age_ms: null, reason: 'ORIGIN_LINK_SECRET is not set: no origin can link to the edge' };
  }
  try {
    const view = await withDeadline(Promise.resolve(feedControl(env).feedHealth()), config.healthCheckTimeoutMs, 'FeedControl');
    return view.health;
  } catch (error) {
    return { status: 'down', last_tick_age_ms: null, reason: `FeedControl: ${describe(error)}` };
  }
}
