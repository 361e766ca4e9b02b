import pg from 'pg';
import { applyMigrations } from '../../ops/migrate.ts';
import { MIGRATED_TEMPLATE, REGISTRY_TEMPLATE } from './template-names.ts';

/**
 * Databases of a test file's own on the shared test Postgres, copied from
 * templates the global setup made once (test/setup/backing-services.ts):
 * the file can change its copy freely without touching what other files
 * read, and nobody waits for migrations or a 100,000-instrument sync again.
 */

/** A fresh database with every migration applied and no rows. Returns its connection string. */
export function migratedDatabase(serverUrl: string, name: string): Promise<string> {
  return copyOf(serverUrl, MIGRATED_TEMPLATE, name);
}

/** A fresh database holding the simulator's universe (seed 1, the day of the test run) as synced. */
export function registryDatabase(serverUrl: string, name: string): Promise<string> {
  return copyOf(serverUrl, REGISTRY_TEMPLATE, name);
}

/** Makes `name` an empty, migrated database on `serverUrl` (the global setup's templates start so). */
export async function createMigratedDatabase(serverUrl: string, name: string): Promise<string> {
  await admin(serverUrl, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`]);
  const url = urlOf(serverUrl, name);
  await applyMigrations(url);
  return url;
}

/** A copy of `template` as `name`, file by file (FILE_COPY: quicker than WAL_LOG for a database this size). */
export async function copyOf(serverUrl: string, template: string, name: string): Promise<string> {
  await admin(serverUrl, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`]);
  return urlOf(serverUrl, name);
}

/**
 * Drops `name` once its last connection has gone. A pg pool's `end()`
 * resolves before its connections' backends have exited; FORCE would then
 * end one mid-goodbye, which its client reports as an uncaught error.
 */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const until = Date.now() + 5_000;
    const connected = async () =>
      (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])).rows[0]?.n ?? 0;
    while ((await connected()) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function admin(serverUrl: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

function urlOf(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
