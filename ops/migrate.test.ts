import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS_TABLE } from '../contracts/database.ts';
import { dropDatabase } from '../test/setup/migrated-database.ts';
import { applyMigrations, revertMigrations } from './migrate.ts';

/** A database of its own, so this test sees migrations from scratch. */
const DATABASE = 'migrate_test';
let url: string;

async function query<T extends pg.QueryResultRow>(connectionString: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const admin = inject('databaseUrl');
  await query(admin, `DROP DATABASE IF EXISTS ${DATABASE}`);
  await query(admin, `CREATE DATABASE ${DATABASE}`);
  const target = new URL(admin);
  target.pathname = `/${DATABASE}`;
  url = target.toString();
});

afterAll(async () => {
  await dropDatabase(inject('databaseUrl'), DATABASE);
});

describe('applyMigrations', () => {
  it('applies every migration to an empty database and records it', async () => {
    expect(await applyMigrations(url)).toEqual(inject('migrations'));
    expect(await query(url, `SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)).toEqual(inject('migrations').map((name) => ({ name })));
    expect(await query(url, "SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")).toEqual([{ extname: 'pg_trgm' }]);
  });

  it('applies nothing the second time', async () => {
    expect(await applyMigrations(url)).toEqual([]);
  });

  it('fails with the reason when the database cannot be reached', async () => {
    const dead = new URL(url);
    dead.port = '1';
    await expect(applyMigrations(dead.toString())).rejects.toThrow(/ECONNREFUSED/);
  });
});

/** The schema's shape: columns, constraints, indexes and functions, without rows. */
async function schema(connectionString: string): Promise<unknown[]> {
  return [
    await query(
      connectionString,
      "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
    ),
    await query(
      connectionString,
      "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    ),
    await query(connectionString, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"),
    await query(
      connectionString,
      "SELECT proname, pg_get_function_identity_arguments(oid) AS args FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1, 2",
    ),
  ];
}

const applied = async () => (await query<{ name: string }>(url, `SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)).map((row) => row.name);

describe('revertMigrations', () => {
  it('reverts the newest migration, then the ones before it, and applying them again restores the same schema', async () => {
    const all = inject('migrations');
    await applyMigrations(url);
    const current = await schema(url);
    expect(await revertMigrations(url, 1)).toEqual(all.slice(-1));
    expect(await applied()).toEqual(all.slice(0, -1));
    expect(await revertMigrations(url, 2)).toEqual(all.slice(-3, -1).reverse());
    // Every down section runs: down to an empty schema, then up again.
    expect(await revertMigrations(url, all.length)).toEqual(all.slice(0, -3).reverse());
    expect(await applied()).toEqual([]);
    expect(await query(url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '${MIGRATIONS_TABLE}'`)).toEqual([]);
    expect(await applyMigrations(url)).toEqual(all);
    expect(await schema(url)).toEqual(current);
  });

  it('reverts nothing when no migration is applied', async () => {
    const all = inject('migrations');
    await revertMigrations(url, all.length);
    expect(await revertMigrations(url, 1)).toEqual([]);
    await applyMigrations(url);
  });
});

describe('npm run migrate', () => {
  const CLI = fileURLToPath(new URL('./migrate-cli.ts', import.meta.url));
  const migrate = (args: string[], env: Record<string, string | undefined> = { DATABASE_URL: url }) => {
    const run = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 30_000 });
    return { code: run.status, out: run.stdout.trim(), err: run.stderr.trim() };
  };

  it('-- down reverts one migration by default, --count N that many; up applies them again', () => {
    const all = inject('migrations');
    expect(migrate(['down'])).toMatchObject({ code: 0, out: `reverted 1 migration(s): ${all.at(-1)}` });
    expect(migrate(['down', '--count', '2'])).toMatchObject({ code: 0, out: `reverted 2 migration(s): ${all.at(-2)}, ${all.at(-3)}` });
    expect(migrate([])).toMatchObject({ code: 0, out: `applied 3 migration(s): ${all.slice(-3).join(', ')}` });
  });

  it('refuses bad arguments and a missing DATABASE_URL, saying what is expected', () => {
    expect(migrate(['down', '--count', '0'])).toMatchObject({
      code: 1,
      err: expect.stringContaining('--count must be a whole number of migrations, at least 1 (got "0")'),
    });
    expect(migrate(['sideways'])).toMatchObject({ code: 1, err: expect.stringContaining('unknown command "sideways": up or down') });
    expect(migrate(['up', '--count', '2'])).toMatchObject({ code: 1, err: expect.stringContaining('--count goes with down only') });
    expect(migrate(['down', '--all'])).toMatchObject({ code: 1, err: expect.stringContaining("Unknown option '--all'") });
    expect(migrate(['down'], {})).toMatchObject({ code: 1, err: expect.stringContaining('DATABASE_URL') });
  });
});
