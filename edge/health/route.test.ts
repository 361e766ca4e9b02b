import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { ErrorBody } from '../../contracts/errors.ts';
import { HealthResponse } from '../../contracts/health.ts';
import { edgeConfig } from '../config.ts';
import worker from '../index.ts';
import { openDatabase } from '../storage/database.ts';

/** Calls the worker with some bindings replaced, as a differently configured deployment would. */
async function healthWith(overrides: Record<string, string | undefined>): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request('http://edge.test/health'), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('GET /health', () => {
  it('reports Postgres and Redis healthy from real checks, with latency, schema and version', async () => {
    const response = await exports.default.fetch('http://edge.test/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = HealthResponse.parse(await response.json());
    expect(body.database).toMatchObject({ status: 'healthy', schema: inject('migrations').at(-1) });
    expect(body.database.latency_ms).toBeGreaterThanOrEqual(0);
    expect(body.redis.status).toBe('healthy');
    expect(body.redis.latency_ms).toBeGreaterThanOrEqual(0);
    expect(body.version).toBe(packageJson.version);
    // No origin ticker exists yet, so the feed is down and the whole is degraded.
    expect(body.feed).toEqual({ status: 'down', last_tick_age_ms: null, reason: expect.stringContaining('origin') });
    expect(body.status).toBe('degraded');
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
    const body = HealthResponse.parse(
      await (await healthWith({ UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined })).json(),
    );
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
      await (
        await healthWith({ NEON_HTTP_ENDPOINT: `http://127.0.0.1:${inject('blackHolePort')}/sql`, HEALTH_CHECK_TIMEOUT_MS: '300' })
      ).json(),
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
    const response = await exports.default.fetch('http://edge.test/no/such/route', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(ErrorBody.parse(await response.json())).toEqual({
      error: { code: 'not_found', message: 'no route for POST /no/such/route' },
    });
  });
});
