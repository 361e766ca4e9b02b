import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { HealthResponse } from '../contracts/health.ts';
import { freeStackPorts, type StackPorts } from '../dev/dev-stack.ts';
import { freePort, portIsFree } from '../dev/ports.ts';
import { startPostgresService } from '../dev/postgres-service.ts';
import { findRedisServer, startRedisServer } from '../dev/redis-server.ts';
import type { Service } from '../dev/service.ts';

/**
 * `npm run dev` end to end, as a developer uses it: a real process started
 * with the repository's own command, watched through its output and its
 * /health, stopped with signals, and its ports checked afterwards. It boots
 * platforms of its own (it stops their parts), so it runs in the node
 * project, beside the end-to-end project's shared platform.
 */
type Dev = { child: ChildProcess; output: () => string; exited: Promise<number | null>; ports: StackPorts };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dev-platform-'));
  chmodSync(dir, 0o755); // embedded Postgres runs as the postgres user when we are root
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startDev(env: Record<string, string>): Promise<Dev> {
  const { ports, env: portEnv } = await freeStackPorts();
  const child = spawn(process.execPath, ['dev/dev.ts'], {
    env: { ...process.env, ...portEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  return { child, output: () => output, exited, ports };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function health(dev: Dev): Promise<{ status: number; body: HealthResponse }> {
  const response = await fetch(`http://127.0.0.1:${dev.ports.EDGE_PORT}/health`);
  return { status: response.status, body: HealthResponse.parse(await response.json()) };
}

async function assertAllPortsFree(dev: Dev, which: (keyof StackPorts)[]): Promise<void> {
  for (const name of which) expect({ [name]: await portIsFree(dev.ports[name]) }).toEqual({ [name]: true });
}

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
    });
    await waitFor('the platform to come up', () => dev.output().includes('platform is up'));
    expect(dev.output()).toContain(`Edge worker (wrangler)   http://127.0.0.1:${dev.ports.EDGE_PORT}`);
    expect(dev.output()).toContain(`Client WebSockets        ws://127.0.0.1:${dev.ports.EDGE_PORT}/v2/ws`);
    expect(dev.output()).toContain(`applied ${inject('migrations').join(', ')}`);
    expect(dev.output()).toMatch(/\[sync\] +dataset version 1: \d{5,} instruments/);
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
    await assertAllPortsFree(dev, ['EDGE_PORT', 'EDGE_INSPECTOR_PORT', 'ORIGIN_PORT', 'NEON_RELAY_PORT', 'REDIS_BRIDGE_PORT', 'SIM_PORT']);
  }, 180_000);

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
