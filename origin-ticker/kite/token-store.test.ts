import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { keyFingerprint as fingerprintOf, KITE_TOKEN_SEALING, SealedBlobError, Sealer } from '../../contracts/sealed-blob.ts';
import { dropDatabase, migratedDatabase } from '../../test/setup/migrated-database.ts';
import { type KiteSession, TokenStore } from './token-store.ts';

/** A database of its own, migrated from scratch: the store as the origin uses it. */
const DATABASE = 'kite_token_store_test';
const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const DAY = 86_400_000;
let url: string;
let pool: pg.Pool;
let clock = Date.parse('2026-11-23T04:00:00Z'); // 09:30 IST
let logged: string[] = [];
let sealer: Sealer;
let otherSealer: Sealer;
const store = (cipher = sealer) => new TokenStore(pool, { cipher, now: () => clock, log: (line) => logged.push(line) });
const keyFingerprint = (key: Uint8Array) => fingerprintOf(KITE_TOKEN_SEALING, key);

function session(apiKey: string, overrides: Partial<KiteSession> = {}): KiteSession {
  return {
    apiKey,
    userId: 'SM0001',
    accessToken: randomBytes(16).toString('hex'),
    loginAt: new Date('2026-11-23T03:45:00Z'),
    expiresAt: new Date('2026-11-24T00:30:00Z'),
    ...overrides,
  };
}

beforeAll(async () => {
  url = await migratedDatabase(inject('databaseUrl'), DATABASE);
  pool = new pg.Pool({ connectionString: url, max: 3 });
  sealer = await Sealer.create(KITE_TOKEN_SEALING, KEY);
  otherSealer = await Sealer.create(KITE_TOKEN_SEALING, OTHER_KEY);
});

beforeEach(async () => {
  await pool.query('DELETE FROM kite_sessions');
  clock = Date.parse('2026-11-23T04:00:00Z');
  logged = [];
});

afterAll(async () => {
  await pool?.end();
  await dropDatabase(inject('databaseUrl'), DATABASE);
});

describe('TokenStore', () => {
  it('saves a session and loads it back whole', async () => {
    const saved = session('kitesim');
    await store().save(saved);
    expect(await store().load('kitesim')).toEqual(saved);
    expect(await store().load('nosuchkey')).toBeUndefined();
  });

  it('keeps only ciphertext: the plain token appears nowhere in the table', async () => {
    const saved = session('kitesim');
    await store().save(saved);
    const { rows } = await pool.query<{ row: string; enc: Buffer; hex: string }>(
      "SELECT s::text AS row, access_token_enc AS enc, encode(access_token_enc, 'hex') AS hex FROM kite_sessions s",
    );
    expect(rows).toHaveLength(1);
    const row = rows[0] as { row: string; enc: Buffer; hex: string };
    expect(row.row).toContain('kitesim');
    expect(row.row).not.toContain(saved.accessToken);
    expect(row.enc.includes(Buffer.from(saved.accessToken))).toBe(false);
    expect(row.hex).not.toContain(Buffer.from(saved.accessToken).toString('hex'));
    expect(row.enc.subarray(1, 5).toString('hex')).toBe(await keyFingerprint(KEY));
    const columns = await pool.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'kite_sessions' ORDER BY ordinal_position",
    );
    expect(columns.rows).toEqual([
      { column_name: 'api_key', data_type: 'text' },
      { column_name: 'user_id', data_type: 'text' },
      { column_name: 'access_token_enc', data_type: 'bytea' },
      { column_name: 'login_at', data_type: 'timestamp with time zone' },
      { column_name: 'expires_at', data_type: 'timestamp with time zone' },
      { column_name: 'updated_at', data_type: 'timestamp with time zone' },
    ]);
  });

  it('replaces an account’s session on the next login, one row per api_key', async () => {
    await store().save(session('kitesim'));
    const tomorrow = session('kitesim', { userId: 'SM0009', loginAt: new Date('2026-11-24T03:45:00Z'), expiresAt: new Date('2026-11-25T00:30:00Z') });
    await store().save(tomorrow);
    expect(await store().load('kitesim')).toEqual(tomorrow);
    expect((await pool.query('SELECT count(*)::int AS n FROM kite_sessions')).rows).toEqual([{ n: 1 }]);
  });

  it('reads an expired session as missing, from the moment of expiry', async () => {
    const saved = session('kitesim');
    await store().save(saved);
    clock = saved.expiresAt.getTime() - 1;
    expect(await store().load('kitesim')).toEqual(saved);
    expect(await store().loadAll()).toEqual([saved]);
    clock = saved.expiresAt.getTime();
    expect(await store().load('kitesim')).toBeUndefined();
    expect(await store().loadAll()).toEqual([]);
  });

  it('loadAll returns every live session by api_key', async () => {
    const a = session('kitesim');
    const b = session('kitesim2', { userId: 'SM0002' });
    const expired = session('kitesim3', { loginAt: new Date(clock - 2 * DAY), expiresAt: new Date(clock - DAY) });
    for (const s of [b, expired, a]) await store().save(s);
    expect(await store().loadAll()).toEqual([a, b]);
  });

  it('fails clearly under the wrong key: load throws, loadAll logs and skips only that row', async () => {
    const good = session('kitesim2');
    await store(otherSealer).save(session('kitesim'));
    await store().save(good);
    const error = await store()
      .load('kitesim')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SealedBlobError);
    expect(error).toMatchObject({ reason: 'unknown_key' });
    expect((error as Error).message).toContain(`fingerprint ${await keyFingerprint(OTHER_KEY)}); KITE_TOKEN_KEY is ${await keyFingerprint(KEY)}`);
    expect(await store().loadAll()).toEqual([good]);
    expect(logged).toEqual([
      expect.stringMatching(/api_key kitesim was encrypted with another key.*skipped until the next login \(\/login\?api_key=kitesim\)/),
    ]);
  });

  it('refuses a row copied to another api_key', async () => {
    await store().save(session('kitesim'));
    await pool.query(
      "INSERT INTO kite_sessions SELECT 'kitesim2', user_id, access_token_enc, login_at, expires_at, updated_at FROM kite_sessions WHERE api_key = 'kitesim'",
    );
    await expect(store().load('kitesim2')).rejects.toMatchObject({ name: 'SealedBlobError', reason: 'not_authentic' });
    expect(await store().load('kitesim')).toBeDefined();
  });

  it('re-seals a row of the previous key under the current one when it is read (key rotation)', async () => {
    const saved = session('kitesim');
    await store(otherSealer).save(saved);
    const rotated = await Sealer.create(KITE_TOKEN_SEALING, KEY, [OTHER_KEY]);
    expect(await store(rotated).load('kitesim')).toEqual(saved);
    expect(logged).toEqual([`token store: api_key kitesim: token sealed again under key ${await keyFingerprint(KEY)}`]);
    // The old key is no longer needed: the row opens with the new key alone.
    expect(await store(sealer).load('kitesim')).toEqual(saved);
    await expect(store(otherSealer).load('kitesim')).rejects.toMatchObject({ reason: 'unknown_key' });
  });

  it('refuses sessions that are incomplete or expire before they begin', async () => {
    await expect(store().save(session('kitesim', { accessToken: '' }))).rejects.toThrow(/access token/);
    await expect(store().save(session('', {}))).rejects.toThrow(/api_key/);
    await expect(store().save(session('kitesim', { userId: '' }))).rejects.toThrow(/user_id/);
    await expect(store().save(session('kitesim', { expiresAt: new Date('2026-11-23T03:45:00Z') }))).rejects.toThrow(/expire after its login/);
    await expect(store().save(session('kitesim', { loginAt: new Date('nope') }))).rejects.toThrow(/valid login and expiry/);
    expect((await pool.query('SELECT count(*)::int AS n FROM kite_sessions')).rows).toEqual([{ n: 0 }]);
  });

  it('makes and ends a pool of its own from a connection string', async () => {
    const own = new TokenStore(url, { cipher: sealer, now: () => clock });
    const saved = session('kitesim');
    await own.save(saved);
    expect(await own.load('kitesim')).toEqual(saved);
    await own.close();
    await expect(own.load('kitesim')).rejects.toThrow(/pool/i);
    // A store over the caller's pool leaves it open.
    await store().close();
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('the migration is recorded, and the table refuses a blob too short to be a sealed token', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id');
      expect(rows.map((r) => r.name)).toContain('0004_kite_sessions');
      await expect(
        client.query(
          "INSERT INTO kite_sessions (api_key, user_id, access_token_enc, login_at, expires_at) VALUES ('k', 'u', '\\x00', now(), now() + interval '1 hour')",
        ),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await client.end();
    }
  });
});
