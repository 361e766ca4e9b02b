import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { migratedDatabase } from '../test/setup/migrated-database.ts';

/** `npm run users`, run as an operator runs it, against a database of this file's own. */
const CLI = fileURLToPath(new URL('./users-cli.ts', import.meta.url));
let url: string;

function users(args: string[], env: Record<string, string | undefined> = { DATABASE_URL: url }) {
  const run = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 });
  return { code: run.status, out: run.stdout.trim(), err: run.stderr.trim() };
}

async function roleOf(email: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ role: string }>('SELECT role FROM users WHERE email = $1', [email])).rows[0]?.role;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  url = await migratedDatabase(inject('databaseUrl'), 'users_cli_test');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("INSERT INTO users (email, password_hash) VALUES ('ops@example.test', 'pbkdf2-sha256$100000$x$y')");
  await client.end();
});

describe('npm run users', () => {
  it('promotes a registered user to admin and demotes them again, finding the address as the edge stores it', async () => {
    const promoted = users(['promote', ' Ops@Example.TEST ']);
    expect(promoted).toMatchObject({ code: 0, out: expect.stringContaining('promoted ops@example.test to admin') });
    expect(await roleOf('ops@example.test')).toBe('admin');
    expect(users(['promote', 'ops@example.test'])).toMatchObject({ code: 0, out: 'ops@example.test is already an admin' });

    expect(users(['demote', 'ops@example.test'])).toMatchObject({ code: 0, out: expect.stringContaining('demoted ops@example.test to user') });
    expect(await roleOf('ops@example.test')).toBe('user');
  });

  it('fails with exit code 1 for an address nobody registered', () => {
    expect(users(['promote', 'nobody@example.test'])).toMatchObject({ code: 1, err: expect.stringContaining('no user has the e-mail nobody@example.test') });
  });

  it('explains its usage with exit code 2 for a wrong command or a missing or malformed address', () => {
    expect(users(['crown', 'ops@example.test'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('usage: npm run users -- promote <email> | demote <email>'),
    });
    expect(users(['promote'])).toMatchObject({ code: 2, err: expect.stringContaining('an e-mail address is needed') });
    expect(users(['promote', 'not-an-address'])).toMatchObject({ code: 2, err: 'is not an e-mail address' });
    expect(users(['promote', 'a@example.test', 'b@example.test'])).toMatchObject({ code: 2, err: expect.stringContaining('one e-mail address at a time') });
  });

  it('names DATABASE_URL when it is missing', () => {
    expect(users(['promote', 'ops@example.test'], {})).toMatchObject({
      code: 1,
      err: expect.stringContaining('DATABASE_URL: must be set to a postgres:// URL'),
    });
  });
});
