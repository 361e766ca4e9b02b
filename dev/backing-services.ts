import pg from 'pg';
import { partLog } from '../contracts/part-log.ts';
import { applyMigrations } from '../ops/migrate.ts';
import type { LocalConfig } from './config.ts';
import { startNeonRelay } from './neon-relay.ts';
import { importantPostgresLine } from './postgres-log.ts';
import { startPostgresService } from './postgres-service.ts';
import { ensureRedisServer, startRedisServer, waitForPing } from './redis-server.ts';
import { inProcess, type Service } from './service.ts';
import { startUpstashBridge } from './upstash-bridge.ts';

/** What the worker needs to reach the backing services, and how to describe them. */
export type BackingServices = {
  database: { url: string; wsProxy: string | undefined; httpEndpoint: string | undefined; summary: string[] };
  redis: { url: string; token: string; summary: string[] } | { missing: string };
};

/**
 * Brings up Postgres (embedded unless DATABASE_URL), applies migrations,
 * starts the Neon relay, and Redis behind the Upstash bridge (unless Upstash
 * itself is configured). Each service is handed to `adopt` as soon as it
 * runs, so an interrupted start still stops everything it started.
 */
/** Takes a started service into the platform; `startAgain`, for one the platform can stop and start again on purpose. */
export type Adopt = (service: Service, startAgain?: () => Promise<Service>) => void;

export async function startBackingServices(config: LocalConfig, adopt: Adopt): Promise<BackingServices> {
  const database = await startDatabase(config, adopt);
  const redis = await startRedis(config, adopt);
  return { database, redis };
}

async function startDatabase(config: LocalConfig, adopt: Adopt): Promise<BackingServices['database']> {
  const log = partLog('postgres');
  let url: string;
  const summary: string[] = [];
  if (config.databaseUrl) {
    url = config.databaseUrl;
    await assertReachable(url);
    summary.push(`Postgres (DATABASE_URL)  ${redactPassword(url)}`);
  } else {
    const start = () => startPostgresService({ ...config.postgres, onLine: (line) => importantPostgresLine(line) && log(line) });
    const postgres = await start();
    adopt(postgres, start);
    url = postgres.url;
    summary.push(`Postgres (embedded)      ${url}   data: ${config.postgres.dir}`);
  }

  const applied = await applyMigrations(url, partLog('migrate'));
  partLog('migrate')(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date');

  const target = new URL(url);
  // Neon's own proxy fronts Neon; every other Postgres is reached through our relay.
  if (target.hostname.endsWith('.neon.tech')) return { url, wsProxy: undefined, httpEndpoint: undefined, summary };
  const relay = await startNeonRelay({
    port: config.relayPort,
    postgres: { host: target.hostname, port: Number(target.port || 5432) },
    log: partLog('relay'),
  });
  adopt(inProcess('relay', relay.close));
  const wsProxy = `127.0.0.1:${relay.port}/v2`;
  const httpEndpoint = `http://127.0.0.1:${relay.port}/sql`;
  summary.push(`Neon relay               ws://${wsProxy} and ${httpEndpoint} → ${target.hostname}:${target.port || 5432}`);
  return { url, wsProxy, httpEndpoint, summary };
}

async function startRedis(config: LocalConfig, adopt: Adopt): Promise<BackingServices['redis']> {
  if (config.upstash) {
    return { ...config.upstash, summary: [`Upstash Redis            ${config.upstash.url}`] };
  }
  const log = partLog('redis');
  let redisUrl = config.redisUrl;
  const summary: string[] = [];
  if (redisUrl) {
    const target = new URL(redisUrl);
    if (!(await waitForPing(Number(target.port || 6379), 3000, target.hostname))) {
      return { missing: `REDIS_URL ${redisUrl} does not answer PING` };
    }
    summary.push(`Redis (REDIS_URL)        ${redisUrl}`);
  } else {
    const binary = ensureRedisServer(log);
    if ('missing' in binary) return binary;
    const start = () => startRedisServer({ binary: binary.path, port: config.redis.port, dir: config.redis.dir, onLine: () => {} });
    const redis = await start();
    adopt(redis, start);
    redisUrl = redis.url;
    summary.push(`Redis (private server)   ${redisUrl}`);
  }
  const bridge = await startUpstashBridge({ port: config.bridge.port, token: config.bridge.token, redisUrl, log: partLog('bridge') });
  adopt(inProcess('bridge', bridge.close));
  summary.push(`Upstash REST bridge      ${bridge.url}   token: ${config.bridge.token}`);
  return { url: bridge.url, token: config.bridge.token, summary };
}

async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`DATABASE_URL ${redactPassword(url)} is not reachable: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '****';
  return parsed.toString();
}
