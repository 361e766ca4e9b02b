import { beforeAll, describe, expect, inject, it } from 'vitest';
import { HealthResponse } from '../../contracts/health.ts';
import { type Platform, platform } from './platform.ts';

/**
 * `npm run dev` as most developers run it, on its own embedded Postgres and
 * private Redis: the shared platform itself. (What it does when one of those
 * dies is checked when the run ends: test/setup/shared-platform.ts.)
 */
let stack: Platform;

beforeAll(async () => {
  stack = await platform();
}, 200_000);

describe('npm run dev on its own Postgres and Redis', () => {
  it('says where each part is, and is healthy on the latest schema', async () => {
    expect(stack.output()).toMatch(/Postgres \(embedded\) +postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/kite_edge/);
    expect(stack.output()).toMatch(/Redis \(private server\) +redis:\/\/127\.0\.0\.1:\d+/);
    const response = await fetch(`${stack.edgeUrl}/health`);
    expect(response.status).toBe(200);
    const health = HealthResponse.parse(await response.json());
    expect(health.database).toMatchObject({ status: 'healthy', schema: inject('migrations').at(-1) });
    expect(health.redis.status).toBe('healthy');
  });
});
