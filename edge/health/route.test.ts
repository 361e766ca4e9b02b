import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, inject, it, vi } from 'vitest';
import { ErrorBody } from '../../contracts/errors.ts';
import { HealthResponse } from '../../contracts/health.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { openDatabase } from '../../storage/database.ts';
import { fetchEdge, fetchEdgeWith } from '../../test/workers/documented.ts';
import { TestOrigin } from '../../test/workers/test-origin.ts';

/** Calls the worker with some bindings replaced, as a differently configured deployment would. */
async function healthWith(overrides: Record<string, string | undefined>): Promise<Response> {
  return fetchEdgeWith(overrides, 'http://edge.test/health');
}

describe('GET /health', () => {
  it('reports Postgres and Redis healthy from real checks, with latency, schema and version', async () => {
    const response = await fetchEdge('http://edge.test/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = HealthResponse.parse(await response.json());
    expect(body.database).toMatchObject({ status: 'healthy', schema: inject('migrations').at(-1) });
    expect(body.database.latency_ms).toBeGreaterThanOrEqual(0);
    expect(body.redis.status).toBe('healthy');
    expect(body.redis.latency_ms).toBeGreaterThanOrEqual(0);
    expect(body.version).toBe(packageJson.version);
    // No origin has linked to this file's FeedControl yet, so the feed is down and the whole is degraded.
    expect(body.feed).toEqual({ status: 'down', last_tick_age_ms: null, reason: 'no origin ticker has connected to the edge' });
    expect(body.status).toBe('degraded');
  });

  it('reports the feed live with the last tick age while the origin is linked and reporting, and down once it drops', async () => {
    const origin = await TestOrigin.connect('/origin/feed');
    await origin.next();
    const at = Date.now();
    origin.sendJson({ type: 'status', state: 'live', last_tick_at: at - 2_000, instruments: 3, token_expires_at: null, at });
    const live = async () => HealthResponse.parse(await (await fetchEdge('http://edge.test/health')).json());
    await vi.waitFor(async () => expect((await live()).feed.status).toBe('live'), { timeout: 5_000, interval: 20 });
    const body = await live();
    expect(body.feed).toEqual({ status: 'live', last_tick_age_ms: expect.any(Number) });
    expect(body.feed.last_tick_age_ms).toBeGreaterThanOrEqual(2_000);
    // Everything healthy and the feed live: the one case that is "ok".
    expect(body.status).toBe('ok');

    origin.close();
    await vi.waitFor(async () => expect((await live()).feed.status).toBe('down'), { timeout: 5_000, interval: 20 });
    expect((await live()).feed).toMatchObject({ reason: expect.stringContaining("the origin's feed link is down"), last_tick_age_ms: expect.any(Number) });
  });

  it('gives up on a FeedControl that does not answer, within the check timeout', async () => {
    // Hold the object's input gate for 2 s: every call to it meanwhile waits.
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const stuck = runInDurableObject(env.FEED_CONTROL.getByName('feed'), (_instance, state) =>
      state.blockConcurrencyWhile(async () => {
        held();
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }),
    );
    await holding;
    const started = Date.now();
    const body = HealthResponse.parse(await (await healthWith({ HEALTH_CHECK_TIMEOUT_MS: '300' })).json());
    expect(body.feed).toEqual({ status: 'down', last_tick_age_ms: null, reason: 'FeedControl: FeedControl did not answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(1_500);
    await stuck;
  });

  it('reports the feed down, and why, when ORIGIN_LINK_SECRET is not set', async () => {
    const response = await healthWith({ ORIGIN_LINK_SECRET: undefined });
    expect(response.status).toBe(200);
    const body = HealthResponse.parse(await response.json());
    expect(body.feed).toEqual({ status: 'down', last_tick_age_ms: null, reason: 'ORIGIN_LINK_SECRET is not set: no origin can link to the edge' });
  });

  it('says Redis is unhealthy, and still answers, when nothing listens at the Redis URL', async () => {
    const response = await healthWith({ UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${inject('deadPort')}` });
    expect(response.status).toBe(200);
    const body = HealthResponse.parse(await response.json());
    expect(body.redis.status).toBe('unhealthy');
    expect(body.redis.reason).toMatch(/^Redis: /);
    expect(body.database.status).toBe('healthy');
    expect(body.status).toBe('degraded');
  });

  it('says Redis is unhealthy when the token is wrong', async () => {
    const body = HealthResponse.parse(await (await healthWith({ UPSTASH_REDIS_REST_TOKEN: 'wrong-token' })).json());
    expect(body.redis.status).toBe('unhealthy');
    expect(body.redis.reason).toContain('Unauthorized');
  });

  it('gives up on a Redis that accepts and never answers, within the check timeout', async () => {
    const started = Date.now();
    const response = await healthWith({
      UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${inject('blackHolePort')}`,
      HEALTH_CHECK_TIMEOUT_MS: '300',
    });
    const body = HealthResponse.parse(await response.json());
    expect(body.redis).toEqual({ status: 'unhealthy', reason: 'Redis: Redis did not answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports Redis disabled, running uncached, when no Redis is configured', async () => {
    const body = HealthResponse.parse(await (await healthWith({ UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined })).json());
    expect(body.redis).toEqual({ status: 'disabled', reason: expect.stringContaining('uncached') });
    expect(body.status).toBe('degraded');
  });

  it('says the database is unhealthy, and still answers, when Postgres cannot be reached', async () => {
    const response = await healthWith({ NEON_HTTP_ENDPOINT: `http://127.0.0.1:${inject('deadPort')}/sql` });
    expect(response.status).toBe(200);
    const body = HealthResponse.parse(await response.json());
    expect(body.database.status).toBe('unhealthy');
    expect(body.database.reason).toMatch(/^Postgres: /);
    expect(body.redis.status).toBe('healthy');
  });

  it('gives up on a database that accepts and never answers, within the check timeout', async () => {
    const body = HealthResponse.parse(
      await (await healthWith({ NEON_HTTP_ENDPOINT: `http://127.0.0.1:${inject('blackHolePort')}/sql`, HEALTH_CHECK_TIMEOUT_MS: '300' })).json(),
    );
    expect(body.database).toEqual({ status: 'unhealthy', reason: 'Postgres: Postgres did not answer within 300 ms' });
  });

  it('reports wrong database credentials as unhealthy with Postgres’s reason', async () => {
    const url = new URL(inject('databaseUrl'));
    url.password = 'not-the-password';
    const body = HealthResponse.parse(await (await healthWith({ DATABASE_URL: url.toString() })).json());
    expect(body.database.status).toBe('unhealthy');
    expect(body.database.reason).toMatch(/password authentication failed/);
  });

  it('says a reachable database without migrations is unhealthy, and why', async () => {
    const admin = openDatabase(edgeConfig(env).database, 10_000);
    await admin.query('DROP DATABASE IF EXISTS health_no_schema');
    await admin.query('CREATE DATABASE health_no_schema');
    const url = new URL(inject('databaseUrl'));
    url.pathname = '/health_no_schema';
    const body = HealthResponse.parse(await (await healthWith({ DATABASE_URL: url.toString() })).json());
    expect(body.database).toMatchObject({ status: 'unhealthy', schema: null, reason: expect.stringContaining('no migrations are applied') });
  });

  it('answers 503 naming each misconfigured variable', async () => {
    const response = await healthWith({ DATABASE_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined });
    expect(response.status).toBe(503);
    const body = ErrorBody.parse(await response.json());
    expect(body.error.code).toBe('config_invalid');
    expect(body.error.problems?.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'UPSTASH_REDIS_REST_TOKEN']);
  });

  it('rejects a DATABASE_URL that is not a postgres URL, saying what it must be', async () => {
    const body = ErrorBody.parse(await (await healthWith({ DATABASE_URL: 'mysql://x@y/z' })).json());
    expect(body.error.problems).toEqual([{ variable: 'DATABASE_URL', problem: expect.stringContaining('postgres://') }]);
  });
});

describe('unknown routes', () => {
  it('answer 404 with the JSON error body naming the method and path', async () => {
    const response = await fetchEdge('http://edge.test/no/such/route', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(ErrorBody.parse(await response.json())).toEqual({
      error: { code: 'not_found', message: 'no route for POST /no/such/route' },
    });
  });
});
