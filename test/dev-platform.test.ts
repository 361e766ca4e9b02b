import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { PLATFORM_UP_LAST_LINE } from '../dev/dev-stack.ts';
import { freePort } from '../dev/ports.ts';
import { startPostgresService } from '../dev/postgres-service.ts';
import { findRedisServer, startRedisServer } from '../dev/redis-server.ts';
import type { Service } from '../dev/service.ts';
import { assertAllPortsFree, cleanups, health, startDev, tempDir, waitFor } from './dev-platform.ts';

/**
 * `npm run dev` end to end, as a developer uses it (test/dev-platform.ts):
 * on external Postgres and Redis, and refusing bad settings. It boots a
 * platform of its own, since it stops its parts. The shared platform of the
 * end-to-end suites runs the other way (embedded Postgres, private Redis:
 * test/e2e/platform-health.suite.ts), and checks when the run ends that the
 * platform stops whole when a part of its own dies.
 */
describe('npm run dev', () => {
  it('runs on external Postgres and Redis, reports each one failing and recovering, and Ctrl-C frees every port', async () => {
    const dir = tempDir();
    const redisBinary = findRedisServer();
    if (!redisBinary) throw new Error('this test needs redis-server (apt-get install redis-server)');
    const redisPort = await freePort();
    let redis: Service = await startRedisServer({ binary: redisBinary, port: redisPort, dir: join(dir, 'redis') });
    cleanups.push(() => redis.stop());
    const postgres = await startPostgresService({ dir: join(dir, 'pg'), port: await freePort(), database: 'external' });
    cleanups.push(() => postgres.stop());

    const dev = await startDev({
      DATABASE_URL: postgres.url,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      LOCAL_STATE_DIR: join(dir, 'state'),
      // Every exchange but NFO (about 12,000 instruments of 100,000): the sync at start is the one the shared platform
      // makes in full, and its size is not what this test is about.
      SIM_EXCHANGES: 'NSE,BSE,BFO,MCX,CDS,BCD',
    });
    await waitFor('the platform to come up', () => dev.output().includes(PLATFORM_UP_LAST_LINE));
    expect(dev.output()).toContain(`Edge worker (wrangler)   http://127.0.0.1:${dev.ports.EDGE_PORT}`);
    expect(dev.output()).toContain(`Client WebSockets        ws://127.0.0.1:${dev.ports.EDGE_PORT}/v2/ws`);
    expect(dev.output()).toContain(`applied ${inject('migrations').join(', ')}`);
    expect(dev.output()).toMatch(/\[sync\] +dataset version 1: \d{5,} instruments/);
    expect(dev.output()).toMatch(new RegExp(`Standby origin +http://127.0.0.1:${dev.ports.ORIGIN_STANDBY_PORT} +standby`));
    expect(dev.output()).toMatch(new RegExp(`Kite simulator +REST http://127.0.0.1:${dev.ports.SIM_PORT} +ticker ws://127.0.0.1:${dev.ports.SIM_PORT}/ws`));

    const up = await health(dev);
    expect(up.status).toBe(200);
    expect(up.body.database).toMatchObject({ status: 'healthy', schema: inject('migrations').at(-1) });
    expect(up.body.redis.status).toBe('healthy');

    await redis.stop();
    const noRedis = await health(dev);
    expect(noRedis.status).toBe(200);
    expect(noRedis.body.redis.status).toBe('unhealthy');
    expect(noRedis.body.redis.reason).toContain('unavailable');
    expect(noRedis.body.database.status).toBe('healthy');

    redis = await startRedisServer({ binary: redisBinary, port: redisPort, dir: join(dir, 'redis') });
    await waitFor('Redis to be healthy again', async () => (await health(dev)).body.redis.status === 'healthy', 15_000);

    await postgres.stop();
    const noDatabase = await health(dev);
    expect(noDatabase.status).toBe(200);
    expect(noDatabase.body.database.status).toBe('unhealthy');
    expect(noDatabase.body.redis.status).toBe('healthy');

    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(dev.output()).toContain('stopped edge');
    await assertAllPortsFree(dev, [
      'EDGE_PORT',
      'EDGE_INSPECTOR_PORT',
      'ORIGIN_PORT',
      'ORIGIN_STANDBY_PORT',
      'NEON_RELAY_PORT',
      'REDIS_BRIDGE_PORT',
      'SIM_PORT',
    ]);
  }, 180_000);

  it('refuses to start on a taken port, naming the port and the variable that moves it', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const dev = await startDev({ EDGE_PORT: String(port), LOCAL_STATE_DIR: join(tempDir(), 'state') });
    expect(await dev.exited).toBe(1);
    expect(dev.output()).toContain(`${port} (edge worker)`);
    expect(dev.output()).toContain('set EDGE_PORT');
  });

  it('refuses a malformed variable, naming it', async () => {
    const dev = await startDev({ EDGE_PORT: 'eighty-eighty' });
    expect(await dev.exited).toBe(1);
    expect(dev.output()).toContain('EDGE_PORT: must be a port number');
  });
});
