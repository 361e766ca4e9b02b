import { beforeAll, describe, expect, inject, it } from 'vitest';
import { HealthResponse } from '../../contracts/health.ts';
import { type Platform, platform } from './platform.ts';

/**
 * `npm run dev` on a Postgres and a Redis of the developer's own
 * (DATABASE_URL, REDIS_URL): the faults' platform runs so
 * (test/e2e/external-services.ts), the shared one on its own
 * (platform-health.suite.ts). The fault matrix after it stops and hangs
 * both; the file's end stops the platform with Ctrl-C (platform.ts).
 */
let stack: Platform;

beforeAll(async () => {
  stack = await platform();
}, 200_000);

describe('npm run dev on external Postgres and Redis', () => {
  it('says where each part is, migrates and syncs the external database, and is healthy on the latest schema', async () => {
    const output = stack.output();
    const { EDGE_PORT, ORIGIN_STANDBY_PORT, SIM_PORT } = stack.ports;
    expect(output).toMatch(/Postgres \(DATABASE_URL\) +postgres:\/\/postgres:\*+@127\.0\.0\.1:\d+\/external/);
    expect(output).toMatch(/Redis \(REDIS_URL\) +redis:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain(`applied ${inject('migrations').join(', ')}`);
    expect(output).toMatch(/\[sync\] +dataset version 1: \d{5,} instruments/);
    expect(output).toContain(`Edge worker (wrangler)   http://127.0.0.1:${EDGE_PORT}`);
    expect(output).toContain(`Client WebSockets        ws://127.0.0.1:${EDGE_PORT}/v2/ws`);
    expect(output).toMatch(new RegExp(`Standby origin +http://127.0.0.1:${ORIGIN_STANDBY_PORT} +standby`));
    expect(output).toMatch(new RegExp(`Kite simulator +REST http://127.0.0.1:${SIM_PORT} +ticker ws://127.0.0.1:${SIM_PORT}/ws`));
    const response = await fetch(`${stack.edgeUrl}/health`);
    expect(response.status).toBe(200);
    const health = HealthResponse.parse(await response.json());
    expect(health.database).toMatchObject({ status: 'healthy', schema: inject('migrations').at(-1) });
    expect(health.redis.status).toBe('healthy');
  });
});
