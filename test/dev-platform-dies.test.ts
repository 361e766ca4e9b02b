import { createConnection } from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { assertAllPortsFree, health, startDev, tempDir, waitFor } from './dev-platform.ts';

/** `npm run dev` on its own embedded Postgres and private Redis: up and healthy, then stopped whole when a part dies. */
describe('npm run dev', () => {
  it('starts embedded Postgres and a private Redis, and stops everything when one of them dies', async () => {
    const dir = tempDir();
    const dev = await startDev({ LOCAL_STATE_DIR: join(dir, 'state') });
    await waitFor('the platform to come up', () => dev.output().includes('platform is up'));
    const up = await health(dev);
    expect(up.body.database).toMatchObject({ status: 'healthy', schema: inject('migrations').at(-1) });
    expect(up.body.redis.status).toBe('healthy');

    // Kill the private redis-server behind the platform's back.
    createConnection(dev.ports.REDIS_PORT, '127.0.0.1').end('SHUTDOWN NOSAVE\r\n');

    expect(await dev.exited).toBe(1);
    expect(dev.output()).toMatch(/redis exited on its own .*: stopping the platform/);
    await assertAllPortsFree(dev, [
      'EDGE_PORT',
      'EDGE_INSPECTOR_PORT',
      'ORIGIN_PORT',
      'PG_PORT',
      'NEON_RELAY_PORT',
      'REDIS_PORT',
      'REDIS_BRIDGE_PORT',
      'SIM_PORT',
    ]);
  }, 180_000);
});
