import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startBackingServices } from '../../dev/backing-services.ts';
import { localConfig } from '../../dev/config.ts';
import { freePort } from '../../dev/ports.ts';
import type { Service } from '../../dev/service.ts';
import { buildUniverse } from '../../kite-sim/universe.ts';
import { MIGRATIONS_DIR } from '../../ops/migrate.ts';
import { syncInstruments } from '../../origin-ticker/registry/sync.ts';
import { copyOf, createMigratedDatabase } from './migrated-database.ts';
import { MIGRATED_TEMPLATE, REGISTRY_TEMPLATE } from './template-names.ts';

/**
 * Vitest global setup: the same backing services `npm run dev` starts (the
 * embedded Postgres with migrations, the Neon relay, a private redis-server
 * behind the Upstash bridge) on free ports in a temporary directory, plus a
 * "black hole" that accepts connections and never answers, for the
 * tests of timeouts. Their addresses reach the tests through `inject`
 * (typed in test/provided-context.d.ts).
 */

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = mkdtempSync(join(tmpdir(), 'kite-edge-test-'));
  // As root, Postgres runs as the `postgres` user, which must be able to enter the directory.
  chmodSync(stateDir, 0o755);
  const services: Service[] = [];
  const teardown = async () => {
    for (const service of services.reverse()) await service.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const config = localConfig({
      LOCAL_STATE_DIR: stateDir,
      PG_PORT: String(await freePort()),
      NEON_RELAY_PORT: String(await freePort()),
      REDIS_PORT: String(await freePort()),
      REDIS_BRIDGE_PORT: String(await freePort()),
      REDIS_BRIDGE_TOKEN: 'test-bridge-token',
    });
    const backing = await startBackingServices(config, (service) => services.push(service));
    if ('missing' in backing.redis) throw new Error(`tests need Redis: ${backing.redis.missing}`);
    if (!backing.database.wsProxy) throw new Error('tests need the Neon relay');

    // Templates each test file copies its own database from (test/setup/migrated-database.ts), and the shared
    // database itself: the registry holds the simulator's universe, as after npm run dev, synced once here.
    await createMigratedDatabase(backing.database.url, MIGRATED_TEMPLATE);
    const registryUrl = await copyOf(backing.database.url, MIGRATED_TEMPLATE, REGISTRY_TEMPLATE);
    const registry = new pg.Client({ connectionString: registryUrl });
    await registry.connect();
    try {
      await syncInstruments(registry, buildUniverse({ seed: 1, today: new Date() }).instruments, { source: 'test setup' });
    } finally {
      await registry.end();
    }
    await replaceWithCopy(backing.database.url, REGISTRY_TEMPLATE);

    const blackHole = await startBlackHole();
    services.push({ name: 'black hole', stop: blackHole.close, crashed: new Promise(() => {}) });

    project.provide('databaseUrl', backing.database.url);
    project.provide('neonWsProxy', backing.database.wsProxy);
    project.provide('neonHttpEndpoint', backing.database.httpEndpoint ?? '');
    project.provide('redisRestUrl', backing.redis.url);
    project.provide('redisRestToken', backing.redis.token);
    project.provide('redisUrl', `redis://127.0.0.1:${config.redis.port}`);
    project.provide('blackHolePort', blackHole.port);
    // A port nothing listens on, for the tests of a dependency that is down. Not a free port picked now: the
    // platforms the tests boot pick free ports too, and one took it (a CI run saw "Connection terminated", not
    // ECONNREFUSED). Port 1 (tcpmux) is privileged and served by nothing here.
    project.provide('deadPort', DEAD_PORT);
    project.provide(
      'migrations',
      readdirSync(MIGRATIONS_DIR)
        .filter((f) => f.endsWith('.sql'))
        .sort()
        .map((f) => f.replace(/\.sql$/, '')),
    );
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

/** A port no process on this machine listens on. */
const DEAD_PORT = 1;

/** The database `url` names, dropped and made again as a copy of `template` (nobody is connected to it yet). */
async function replaceWithCopy(url: string, template: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const server = new URL(url);
  server.pathname = '/postgres';
  await copyOf(server.toString(), template, name);
}

/** Accepts TCP connections and never sends a byte: a dependency that hangs. */
async function startBlackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
