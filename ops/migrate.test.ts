import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS_TABLE } from '../contracts/database.ts';
import { applyMigrations } from './migrate.ts';

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
  await query(inject('databaseUrl'), `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
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
