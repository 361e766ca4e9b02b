import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlledPart } from '../../dev/controlled-part.ts';
import { freePort } from '../../dev/ports.ts';
import { startPostgresService } from '../../dev/postgres-service.ts';
import { findRedisServer, startRedisServer } from '../../dev/redis-server.ts';

/**
 * A Postgres and a Redis outside the platform, for the faults' platform:
 * `npm run dev` on DATABASE_URL and REDIS_URL, as a developer runs it on
 * services of their own. The platform controls only what it started, so
 * each is a part of the tests' own (dev/controlled-part.ts) that the fault
 * matrix stops, starts, hangs and lets go. `crashes` lists any that died on
 * its own.
 */
export type ExternalServices = {
  postgres: ControlledPart;
  redis: ControlledPart;
  env: { DATABASE_URL: string; REDIS_URL: string };
  crashes: string[];
  stop(): Promise<void>;
};

export async function startExternalServices(): Promise<ExternalServices> {
  const binary = findRedisServer();
  if (!binary) throw new Error('the faults platform needs redis-server (apt-get install redis-server)');
  const dir = mkdtempSync(join(tmpdir(), 'external-services-'));
  chmodSync(dir, 0o755); // Postgres runs as the postgres user when we are root
  const [postgresPort, redisPort] = [await freePort(), await freePort()];
  const startPostgres = () => startPostgresService({ dir: join(dir, 'postgres'), port: postgresPort, database: 'external' });
  const startRedis = () => startRedisServer({ binary, port: redisPort, dir: join(dir, 'redis') });
  const crashes: string[] = [];
  const firstPostgres = await startPostgres();
  const postgres = new ControlledPart(firstPostgres, startPostgres, (how) => crashes.push(how));
  const redis = new ControlledPart(await startRedis(), startRedis, (how) => crashes.push(how));
  return {
    postgres,
    redis,
    env: { DATABASE_URL: firstPostgres.url, REDIS_URL: `redis://127.0.0.1:${redisPort}` },
    crashes,
    async stop() {
      await Promise.all([postgres.stop(), redis.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
