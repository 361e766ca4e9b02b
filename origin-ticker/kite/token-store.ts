import pg from 'pg';
import { SealedBlobError, type Sealer } from '../../contracts/sealed-blob.ts';

/**
 * The origin's Kite sessions in Postgres (`kite_sessions`, migration 0004):
 * one row per api_key, the access token sealed (contracts/sealed-blob.ts,
 * KITE_TOKEN_SEALING), so only ciphertext ever reaches the database. A login overwrites its account's
 * row; a start reads them back (`loadAll`) so a restart keeps streaming
 * until the token's daily expiry without anyone logging in again.
 *
 * A session past its `expiresAt` reads as missing. A row that cannot be
 * opened (wrong KITE_TOKEN_KEY, altered, copied from another account) is an
 * error from `load` and is skipped with a log line by `loadAll`, so one bad
 * row does not hide the others. A row sealed with a previous key (during a
 * key rotation) is sealed again with the current key when read.
 */
export type KiteSession = {
  apiKey: string;
  userId: string;
  accessToken: string;
  loginAt: Date;
  expiresAt: Date;
};

export type TokenStoreOptions = {
  /** Made with KITE_TOKEN_SEALING: its fingerprints and messages are the Kite tokens'. */
  cipher: Sealer;
  /** The clock expiry is judged by (tests move it). */
  now?: () => number;
  log?: (line: string) => void;
};

type Row = { api_key: string; user_id: string; access_token_enc: Buffer; login_at: Date; expires_at: Date };

const COLUMNS = 'api_key, user_id, access_token_enc, login_at, expires_at';

export class TokenStore {
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #cipher: Sealer;
  readonly #now: () => number;
  readonly #log: (line: string) => void;

  /** Over an existing pool (left open by `close`), or a connection string (a small pool of its own). */
  constructor(database: pg.Pool | string, options: TokenStoreOptions) {
    this.#cipher = options.cipher;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => {});
    if (typeof database === 'string') {
      this.#pool = new pg.Pool({ connectionString: database, max: 2, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
      // An idle client losing its connection must not take the origin down; the next query reconnects.
      this.#pool.on('error', (error) => this.#log(`token store: idle database connection failed: ${error.message}`));
      this.#ownsPool = true;
    } else {
      this.#pool = database;
      this.#ownsPool = false;
    }
  }

  /** Stores (or replaces) the session of `session.apiKey`, sealed. */
  async save(session: KiteSession): Promise<void> {
    if (!session.apiKey) throw new TypeError('a Kite session needs its api_key');
    if (!session.userId) throw new TypeError('a Kite session needs its user_id');
    if (!session.accessToken) throw new TypeError('a Kite session needs its access token');
    const loginAt = session.loginAt.getTime();
    const expiresAt = session.expiresAt.getTime();
    if (!Number.isFinite(loginAt) || !Number.isFinite(expiresAt)) throw new RangeError('a Kite session needs valid login and expiry times');
    if (expiresAt <= loginAt) throw new RangeError('a Kite session must expire after its login');
    await this.#pool.query(
      `INSERT INTO kite_sessions (${COLUMNS}, updated_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (api_key) DO UPDATE SET user_id = EXCLUDED.user_id, access_token_enc = EXCLUDED.access_token_enc,
         login_at = EXCLUDED.login_at, expires_at = EXCLUDED.expires_at, updated_at = now()`,
      [session.apiKey, session.userId, await this.#cipher.seal(session.accessToken, session.apiKey), session.loginAt, session.expiresAt],
    );
  }

  /**
   * The live session of `apiKey`; undefined when there is none or it has
   * expired. Throws SealedBlobError when the row cannot be opened.
   */
  async load(apiKey: string): Promise<KiteSession | undefined> {
    const { rows } = await this.#pool.query<Row>(`SELECT ${COLUMNS} FROM kite_sessions WHERE api_key = $1 AND expires_at > $2`, [
      apiKey,
      new Date(this.#now()),
    ]);
    const row = rows[0];
    return row && (await this.#open(row));
  }

  /** Every live session, by api_key; rows that cannot be opened are logged and left out. */
  async loadAll(): Promise<KiteSession[]> {
    const { rows } = await this.#pool.query<Row>(`SELECT ${COLUMNS} FROM kite_sessions WHERE expires_at > $1 ORDER BY api_key`, [new Date(this.#now())]);
    const sessions: KiteSession[] = [];
    for (const row of rows) {
      try {
        sessions.push(await this.#open(row));
      } catch (error) {
        if (!(error instanceof SealedBlobError)) throw error;
        this.#log(`token store: ${error.message}; skipped until the next login (/login?api_key=${row.api_key})`);
      }
    }
    return sessions;
  }

  /** Ends the pool if the store made it. */
  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }

  async #open(row: Row): Promise<KiteSession> {
    const accessToken = await this.#cipher.open(row.access_token_enc, row.api_key);
    if (this.#cipher.sealedWithPreviousKey(row.access_token_enc)) {
      // Key rotation: seal it again under the current key, unless a login replaced it meanwhile.
      await this.#pool.query('UPDATE kite_sessions SET access_token_enc = $3, updated_at = now() WHERE api_key = $1 AND access_token_enc = $2', [
        row.api_key,
        row.access_token_enc,
        await this.#cipher.seal(accessToken, row.api_key),
      ]);
      this.#log(`token store: api_key ${row.api_key}: token sealed again under key ${this.#cipher.fingerprint}`);
    }
    return { apiKey: row.api_key, userId: row.user_id, accessToken, loginAt: row.login_at, expiresAt: row.expires_at };
  }
}
