import pg from 'pg';
import { applyMigrations } from '../../ops/migrate.ts';

/**
 * A database of a test file's own on the shared test Postgres, dropped and
 * created afresh and migrated: the file can change it freely without
 * touching what other files read. Returns its connection string.
 */
export async function migratedDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  return url.toString();
}
