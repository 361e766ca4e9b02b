import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { HealthResponse } from '../../contracts/health.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { type AuthEnv, requires } from '../auth/policy.ts';
import { PUBLIC } from '../auth/principal.ts';
import { json, route } from '../openapi/describe.ts';
import { checkDatabase, checkFeed, checkRedis } from './checks.ts';

export const health = new OpenAPIHono<AuthEnv>();

/**
 * Always 200 while the worker can serve: a failed dependency is reported in
 * the body and makes `status` "degraded". A misconfigured worker cannot
 * serve at all and answers 503 through onError (config_invalid).
 */
route(
  health,
  createRoute({
    method: 'get',
    path: '/',
    tags: ['platform'],
    summary: 'Whether the platform can serve, and how its dependencies are',
    responses: {
      200: json(HealthResponse, 'always while the worker can serve: a failed dependency makes `status` degraded', {
        status: 'ok',
        version: '0.1.0',
        time: '2026-01-05T09:45:12.000Z',
        database: { status: 'healthy', latency_ms: 3, schema: '0012_alerts' },
        redis: { status: 'healthy', latency_ms: 1 },
        feed: { status: 'live', last_tick_age_ms: 180 },
      }),
    },
  }),
  requires(PUBLIC),
  async (c) => {
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
  },
);
