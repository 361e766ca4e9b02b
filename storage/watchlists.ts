import type { InstrumentRow } from '../contracts/instruments-api.ts';
import type { Watchlist } from '../contracts/watchlists.ts';
import type { Database } from './database.ts';
import { ROW_COLUMNS } from './instrument-row-columns.ts';

/**
 * Every SQL statement on `watchlists` (migration 0009), for the REST API
 * (edge/watchlists/routes.ts). Each write is one statement that answers
 * the watchlist as the API shows it, instruments resolved from the
 * registry in the list's order, so a change costs one round trip. A write
 * that changed nothing is followed by a read that says why (no such list
 * of the caller's, a limit, an unknown instrument), as the alerts' store
 * does. Every statement is scoped to the caller (`user_id`): another
 * user's watchlist is simply not found.
 */

export type WatchlistLimits = { perUser: number; instruments: number };

/** Why a write changed nothing. */
export type Refusal =
  | { refused: 'not_found' }
  | { refused: 'name_taken' }
  | { refused: 'limit'; limit: 'watchlists' | 'instruments'; max: number }
  /** Tokens the registry has no active instrument for (and, for a replacement, not already in the list). */
  | { refused: 'unknown_instruments'; tokens: number[] };

type Row = { id: string; name: string; created_at: Date | string; updated_at: Date | string; instruments: InstrumentRow[] };

/**
 * The watchlist `w` as the API answers it. Its tokens join the registry in
 * the list's order; an expired instrument keeps its row (is_active false),
 * since the registry never deletes one.
 */
const VIEW = `w.id, w.name, w.created_at, w.updated_at,
  COALESCE((SELECT json_agg(i ORDER BY t.ord)
            FROM unnest(w.instrument_tokens) WITH ORDINALITY AS t(token, ord)
            CROSS JOIN LATERAL (SELECT ${ROW_COLUMNS} FROM instruments WHERE instrument_token = t.token) AS i), '[]'::json) AS instruments`;

const SCOPED = 'id = $1 AND user_id = $2';

export async function listWatchlists(db: Database, userId: string): Promise<Watchlist[]> {
  const { rows } = await db.query<Row>(`SELECT ${VIEW} FROM watchlists w WHERE w.user_id = $1 ORDER BY w.created_at, w.id`, [userId]);
  return rows.map(watchlistOf);
}

export async function findWatchlist(db: Database, userId: string, id: string): Promise<Watchlist | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${VIEW} FROM watchlists w WHERE w.id = $1 AND w.user_id = $2`, [id, userId]);
  return rows[0] && watchlistOf(rows[0]);
}

/**
 * A new, empty watchlist, if the user holds fewer than the limit. The count
 * is taken in the statement that writes, so no separate read goes stale
 * before it; two creates racing from one user may pass the limit by one
 * (it bounds scale, it is not a quota to the unit).
 */
export async function createWatchlist(db: Database, limits: WatchlistLimits, userId: string, name: string): Promise<Watchlist | Refusal> {
  const written = await nameTakenAs(() =>
    db.query<Row>(
      `WITH w AS (
         INSERT INTO watchlists (user_id, name)
         SELECT $1, $2 WHERE (SELECT count(*) FROM watchlists WHERE user_id = $1) < $3
         RETURNING *)
       SELECT ${VIEW} FROM w`,
      [userId, name, limits.perUser],
    ),
  );
  if ('refused' in written) return written;
  const [row] = written.rows;
  return row ? watchlistOf(row) : { refused: 'limit', limit: 'watchlists', max: limits.perUser };
}

export async function renameWatchlist(db: Database, userId: string, id: string, name: string): Promise<Watchlist | Refusal> {
  const written = await nameTakenAs(() =>
    db.query<Row>(`WITH w AS (UPDATE watchlists SET name = $3, updated_at = clock_timestamp() WHERE ${SCOPED} RETURNING *) SELECT ${VIEW} FROM w`, [
      id,
      userId,
      name,
    ]),
  );
  if ('refused' in written) return written;
  return written.rows[0] ? watchlistOf(written.rows[0]) : { refused: 'not_found' };
}

/** Whether the user had it. */
export async function deleteWatchlist(db: Database, userId: string, id: string): Promise<boolean> {
  const { rows } = await db.query(`DELETE FROM watchlists WHERE ${SCOPED} RETURNING id`, [id, userId]);
  return rows.length > 0;
}

/**
 * Appends `token` unless the list holds it already (then nothing changes,
 * `updated_at` included). `active`: whether the registry lists it as active;
 * an inactive one is refused unless already listed (adding it again is
 * still the no-op it always was).
 */
export async function addInstrument(
  db: Database,
  limits: WatchlistLimits,
  userId: string,
  id: string,
  token: number,
  active: boolean,
): Promise<Watchlist | Refusal> {
  const { rows } = await db.query<Row>(
    `WITH w AS (
       UPDATE watchlists SET instrument_tokens = array_append(instrument_tokens, $3::bigint), updated_at = clock_timestamp()
       WHERE ${SCOPED} AND $4::boolean AND NOT ($3::bigint = ANY (instrument_tokens)) AND cardinality(instrument_tokens) < $5
       RETURNING *)
     SELECT ${VIEW} FROM w`,
    [id, userId, token, active, limits.instruments],
  );
  if (rows[0]) return watchlistOf(rows[0]);
  const { rows: why } = await db.query<Row & { listed: boolean }>(
    `SELECT ${VIEW}, $3::bigint = ANY (w.instrument_tokens) AS listed FROM watchlists w WHERE w.id = $1 AND w.user_id = $2`,
    [id, userId, token],
  );
  const current = why[0];
  if (!current) return { refused: 'not_found' };
  if (current.listed) return watchlistOf(current);
  if (!active) return { refused: 'unknown_instruments', tokens: [token] };
  return { refused: 'limit', limit: 'instruments', max: limits.instruments };
}

/** Removes `token`; removing one the list does not hold changes nothing (`updated_at` included). */
export async function removeInstrument(db: Database, userId: string, id: string, token: number): Promise<Watchlist | Refusal> {
  const { rows } = await db.query<Row>(
    `WITH w AS (
       UPDATE watchlists SET instrument_tokens = array_remove(instrument_tokens, $3::bigint),
         updated_at = CASE WHEN $3::bigint = ANY (instrument_tokens) THEN clock_timestamp() ELSE updated_at END
       WHERE ${SCOPED}
       RETURNING *)
     SELECT ${VIEW} FROM w`,
    [id, userId, token],
  );
  return rows[0] ? watchlistOf(rows[0]) : { refused: 'not_found' };
}

/**
 * Replaces the list with `tokens` (distinct, at most the limit: the caller
 * checks both). `inactive`: those of them the registry does not list as
 * active; they are taken only if the list already holds them, so a list
 * with an expired instrument can still be reordered.
 */
export async function setInstruments(db: Database, userId: string, id: string, tokens: number[], inactive: number[]): Promise<Watchlist | Refusal> {
  const { rows } = await db.query<Row>(
    `WITH w AS (
       UPDATE watchlists SET instrument_tokens = $3::bigint[], updated_at = clock_timestamp()
       WHERE ${SCOPED} AND $4::bigint[] <@ instrument_tokens
       RETURNING *)
     SELECT ${VIEW} FROM w`,
    [id, userId, tokens, inactive],
  );
  if (rows[0]) return watchlistOf(rows[0]);
  const { rows: why } = await db.query<{ listed: string[] }>(`SELECT instrument_tokens::text[] AS listed FROM watchlists WHERE ${SCOPED}`, [id, userId]);
  const current = why[0];
  if (!current) return { refused: 'not_found' };
  const listed = new Set(current.listed.map(Number));
  return { refused: 'unknown_instruments', tokens: inactive.filter((token) => !listed.has(token)) };
}

/** A statement's rows, or `name_taken` when it ran into the per-user unique name (migration 0009's watchlists_user_name). */
async function nameTakenAs<T>(statement: () => Promise<T>): Promise<T | Refusal> {
  try {
    return await statement();
  } catch (error) {
    const { code, constraint } = error as { code?: unknown; constraint?: unknown };
    if (code === '23505' && constraint === 'watchlists_user_name') return { refused: 'name_taken' };
    throw error;
  }
}

function watchlistOf(row: Row): Watchlist {
  return {
    id: row.id,
    name: row.name,
    instruments: row.instruments,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
