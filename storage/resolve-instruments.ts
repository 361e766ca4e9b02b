import { type GroupedInstrument, type GroupKey, instrumentGroup } from '../contracts/instrument-group.ts';
import type { Database } from './database.ts';

/**
 * Names to instruments: a client's refs (Kite's instrument_token, or
 * `EXCHANGE:TRADINGSYMBOL`) resolved against the ACTIVE registry, each with
 * its group key, so a caller knows which InstrumentGroup Durable Object
 * holds its ticks. Used by every subscribe of the hub Durable Objects and by
 * GET /quote.
 *
 * One query for the whole list: the tokens by the primary key, the symbols
 * by the (exchange, tradingsymbol) index, both as index scans from one ref
 * to a subscribe's 1000 (EXPLAIN checked in resolve.test.ts).
 *
 * In front of it, a per-isolate LRU of resolutions (RESOLUTION_CACHE_MAX
 * entries, least recently used out first). Why a TTL and not the dataset
 * version in the key, as the instruments API's caches do: the version costs a
 * lookup of its own, and a hub would pay it on every subscribe to protect
 * something that barely moves; what a ref resolves to changes only when a
 * sync lists or expires an instrument (once a day), and the group key of a
 * token never changes. So entries live RESOLVED_TTL_MS (a contract that
 * expired still resolves for at most that long: it just gets no ticks), and
 * refs found unknown only UNKNOWN_TTL_MS (a new listing is visible soon,
 * while a client repeating a bad name does not hit Postgres every time). And
 * every query also reads the dataset version: when a miss shows that a sync
 * happened, the whole cache is dropped at once instead of aging out.
 *
 * The cache is module state: one per isolate, shared by every request and
 * Durable Object in it. An isolate serves one deployment, hence one
 * registry, so the cache is not keyed by database.
 */
export type ResolvedInstrument = {
  instrument_token: number;
  exchange: string;
  tradingsymbol: string;
  /** Kite's `name`: the underlying of a derivative, the company of a stock. */
  name: string;
  segment: string;
  instrument_type: string;
  group: GroupKey;
  /** Kite's tick size and lot size (the previous close is not in the registry: it comes with the ticks). */
  tick_size: number;
  lot_size: number;
};

export type Resolution = {
  /** Keyed by `String(ref)` exactly as given (a token by its decimal string). */
  resolved: Map<string, ResolvedInstrument>;
  /** `String(ref)` of each ref no active instrument has, in the order given, once each. */
  unknown: string[];
};

export const RESOLUTION_CACHE_MAX = 50_000;
export const RESOLVED_TTL_MS = 5 * 60_000;
export const UNKNOWN_TTL_MS = 30_000;

type Entry = { instrument: ResolvedInstrument | null; expiresAt: number };

// A Map iterates in insertion order: re-inserting on each hit keeps the least recently used first.
const cache = new Map<string, Entry>();
let cachedVersion = 0;

export async function resolveInstruments(db: Database, refs: readonly (number | string)[]): Promise<Resolution> {
  const now = Date.now();
  const found = new Map<string, ResolvedInstrument | null>();
  const missing = new Set<string>();
  for (const ref of refs) {
    const key = String(ref);
    if (found.has(key) || missing.has(key)) continue;
    const entry = lookup(key, now);
    if (entry === undefined) missing.add(key);
    else found.set(key, entry.instrument);
  }
  if (missing.size > 0) {
    const answered = await query(db, [...missing]);
    const stored = Date.now();
    for (const key of missing) {
      const instrument = answered.get(key) ?? null;
      remember(key, instrument, stored);
      found.set(key, instrument);
    }
  }
  // In the order given, whichever came from the cache and whichever from Postgres.
  const resolved = new Map<string, ResolvedInstrument>();
  const unknown = new Set<string>();
  for (const ref of refs) {
    const key = String(ref);
    const instrument = found.get(key);
    if (instrument) resolved.set(key, instrument);
    else unknown.add(key);
  }
  return { resolved, unknown: [...unknown] };
}

function lookup(key: string, now: number): Entry | undefined {
  const entry = cache.get(key);
  if (!entry) return undefined;
  cache.delete(key);
  if (entry.expiresAt <= now) return undefined;
  cache.set(key, entry);
  return entry;
}

function remember(key: string, instrument: ResolvedInstrument | null, now: number): void {
  cache.delete(key);
  cache.set(key, { instrument, expiresAt: now + (instrument ? RESOLVED_TTL_MS : UNKNOWN_TTL_MS) });
  while (cache.size > RESOLUTION_CACHE_MAX) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
}

/** The registry's CHECK constraints (migrations/0002) keep instrument_type to Kite's four, as the group key expects. */
type Row = GroupedInstrument & {
  ref: string;
  tradingsymbol: string;
  tick_size: number;
  lot_size: number;
  dataset_version: number;
};

const COLUMNS = `i.instrument_token::float8 AS instrument_token, i.exchange, i.tradingsymbol, i.name, i.segment,
  i.instrument_type, i.tick_size::float8 AS tick_size, i.lot_size`;

/**
 * Tokens join the primary key; symbols join (exchange, tradingsymbol). A
 * symbol can in principle be listed twice at once (a reused symbol before
 * the old contract's expiry is synced): the most recently seen listing wins,
 * then the lowest token, so the answer is always the same. The version rides
 * along on the same round trip (a left join: an empty answer still has it).
 */
export const RESOLVE_SQL = `
  WITH found AS (
    SELECT t.token::text AS ref, ${COLUMNS}
    FROM unnest($1::bigint[]) AS t(token)
    JOIN instruments i ON i.instrument_token = t.token
    WHERE i.is_active
    UNION ALL
    (SELECT DISTINCT ON (s.exchange, s.tradingsymbol) s.exchange || ':' || s.tradingsymbol AS ref, ${COLUMNS}
     FROM unnest($2::text[], $3::text[]) AS s(exchange, tradingsymbol)
     JOIN instruments i ON i.exchange = s.exchange AND i.tradingsymbol = s.tradingsymbol
     WHERE i.is_active
     ORDER BY s.exchange, s.tradingsymbol, i.last_seen_version DESC, i.instrument_token)
  )
  SELECT found.*, v.id::float8 AS dataset_version
  FROM (SELECT COALESCE(max(id), 0) AS id FROM dataset_versions) AS v
  LEFT JOIN found ON true`;

async function query(db: Database, keys: string[]): Promise<Map<string, ResolvedInstrument>> {
  const tokens: string[] = [];
  const exchanges: string[] = [];
  const symbols: string[] = [];
  // Postgres names a token by its canonical decimal; a key written otherwise ("007") maps back through this.
  const tokenKeys = new Map<string, string>();
  for (const key of keys) {
    if (/^\d{1,10}$/.test(key)) {
      const canonical = String(Number(key));
      tokenKeys.set(canonical, key);
      tokens.push(canonical);
      continue;
    }
    const colon = key.indexOf(':');
    // Anything else cannot name an instrument; it stays unknown without troubling Postgres.
    if (colon > 0 && colon < key.length - 1) {
      exchanges.push(key.slice(0, colon));
      symbols.push(key.slice(colon + 1));
    }
  }
  const found = new Map<string, ResolvedInstrument>();
  if (tokens.length === 0 && symbols.length === 0) return found;
  const { rows } = await db.query<Row | (Partial<Row> & { dataset_version: number })>(RESOLVE_SQL, [tokens, exchanges, symbols]);
  const version = rows[0]?.dataset_version ?? 0;
  // Only forward: an answer from before a sync that arrives after one must not flush again.
  if (version > cachedVersion) {
    // A sync happened since the cache was filled: what it holds may be stale.
    cache.clear();
    cachedVersion = version;
  }
  for (const row of rows) {
    if (row.ref === undefined || row.ref === null) continue;
    const r = row as Row;
    // Frozen: one object is handed to every caller that resolves this ref while it is cached.
    const instrument: ResolvedInstrument = Object.freeze({
      instrument_token: r.instrument_token,
      exchange: r.exchange,
      tradingsymbol: r.tradingsymbol,
      name: r.name,
      segment: r.segment,
      instrument_type: r.instrument_type,
      group: instrumentGroup(r),
      tick_size: r.tick_size,
      lot_size: r.lot_size,
    });
    found.set(tokenKeys.get(r.ref) ?? r.ref, instrument);
  }
  return found;
}
