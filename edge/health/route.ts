import { Hono } from 'hono';
import type { HealthResponse } from '../../contracts/health.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { requires } from '../auth/policy.ts';
import { PUBLIC } from '../auth/principal.ts';
import { checkDatabase, checkFeed, checkRedis } from './checks.ts';

export const health = new Hono<{ Bindings: Cloudflare.Env }>();

/**
 * Always 200 while the worker can serve: a failed dependency is reported in
 * the body and makes `status` "degraded". A misconfigured worker cannot
 * serve at all and answers 503 through onError (config_invalid).
 */
health.get('/', requires(PUBLIC), async (c) => {
  const config = edgeConfig(c.env);
  const [database, redis, feed] = await Promise.all([checkDatabase(config), checkRedis(config), checkFeed(c.env, config)]);
  const allWell = database.status === 'healthy' && redis.status === 'healthy' && feed.status === 'live';
  const body: HealthResponse = {
    status: allWell ? 'ok' : 'degraded',
    version: packageJson.version,
    time: new Date().toISOString(),
    database,
    redis,
    feed,
  };
  c.header('Cache-Control', 'no-store');
  return c.json(body);
});
