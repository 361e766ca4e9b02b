import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  type ChainStrike,
  ExchangeParam,
  ExpiriesQuery,
  ExpiriesResponse,
  InstrumentRow,
  ListQuery,
  ListResponse,
  NoQuery,
  OptionChainQuery,
  OptionChainResponse,
  SearchQuery,
  SearchResponse,
  StatsResponse,
  TokenParam,
  TradingsymbolParam,
} from '../../contracts/instruments-api.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { type Database, openDatabase } from '../../storage/database.ts';
import { ROW_COLUMNS } from '../../storage/instrument-row-columns.ts';
import { type AuthEnv, requires } from '../auth/policy.ts';
import { PUBLIC } from '../auth/principal.ts';
import { cachedJson } from '../cache/cached-json.ts';
import { errorResponse } from '../errors.ts';
import { invalidParameter, json, problem, route } from '../openapi/describe.ts';
import { parsePathParam, parseQuery } from '../validate.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { countQuery, pageQuery } from './filter.ts';
import { searchQuery } from './search.ts';

/**
 * The instruments API: route → schema → cache → query → response.
 * Cache lifetimes per route; keys carry the dataset version, so these only
 * bound memory, never freshness.
 */
const TTL = { list: 300, search: 300, stats: 60, instrument: 3600, expiries: 600, chain: 600 } as const;

export const instruments = new OpenAPIHono<AuthEnv>();
// Public reference data, as Kite's own instrument dump is; budgeted per address (per key when one is sent). Stated per route, not
// for `*`: /instruments/historical (edge/history/) shares the prefix and needs a key.
const publicData = requires(PUBLIC, { limit: 'api' });

// Every answer carries an ETag (cached-json.ts): a client revalidating with it gets a 304 while the data is the same.
const NOT_MODIFIED = { description: 'not modified: the `If-None-Match` ETag is still current' };

const EXAMPLE_ROW: InstrumentRow = {
  instrument_token: 408065,
  exchange_token: 1594,
  tradingsymbol: 'INFY',
  name: 'INFOSYS',
  last_price: 0,
  expiry: null,
  strike: 0,
  tick_size: 0.05,
  lot_size: 1,
  instrument_type: 'EQ',
  segment: 'NSE',
  exchange: 'NSE',
  is_active: true,
};

function database<T>(c: Context<AuthEnv>, work: (db: Database) => Promise<T>): Promise<T> {
  const config = edgeConfig(c.env);
  return work(openDatabase(config.database, config.queryTimeoutMs));
}

route(
  instruments,
  createRoute({
    method: 'get',
    path: '/list',
    tags: ['instruments'],
    summary: 'A page of instruments, filtered and sorted',
    description: 'Walk past offset 200000 with `next_cursor` (docs/instruments-api.md).',
    request: { query: ListQuery },
    responses: {
      200: json(ListResponse, 'the page, with the total matching the filters', {
        rows: [EXAMPLE_ROW],
        total: 1,
        limit: 100,
        offset: 0,
        next_cursor: null,
        dataset_version: 42,
      }),
      304: NOT_MODIFIED,
      400: invalidParameter('limit', 'must be at most 1000'),
    },
  }),
  publicData,
  async (c) => {
    const query = parseQuery(c, ListQuery);
    const after = decodeCursor(query);
    return cachedJson(c, TTL.list, () =>
      database(c, async (db) => {
        const page = pageQuery(query, after);
        const count = countQuery(query);
        const [rows, totals] = await Promise.all([
          db.query<InstrumentRow & { sort_value: string }>(page.text, page.values),
          db.query<{ total: number; dataset_version: number }>(count.text, count.values),
        ]);
        const more = rows.rows.length > query.limit;
        const pageRows = rows.rows.slice(0, query.limit);
        const last = pageRows.at(-1);
        const response: ListResponse = {
          rows: pageRows.map(({ sort_value: _sortValue, ...row }) => row),
          total: totals.rows[0]?.total ?? 0,
          limit: query.limit,
          offset: after ? null : (query.offset ?? 0),
          next_cursor: more && last ? encodeCursor(query, { value: last.sort_value, token: last.instrument_token }) : null,
          dataset_version: totals.rows[0]?.dataset_version ?? 0,
        };
        return response;
      }),
    );
  },
);

route(
  instruments,
  createRoute({
    method: 'get',
    path: '/search',
    tags: ['instruments'],
    summary: 'Instruments whose symbol or name matches `q`, best first',
    request: { query: SearchQuery },
    responses: {
      200: json(SearchResponse, 'the matches', { q: 'infy', rows: [EXAMPLE_ROW] }),
      304: NOT_MODIFIED,
      400: invalidParameter('q', 'must not be empty'),
    },
  }),
  publicData,
  async (c) => {
    const query = parseQuery(c, SearchQuery);
    return cachedJson(c, TTL.search, () =>
      database(c, async (db) => {
        const sql = searchQuery(query);
        return { q: query.q, rows: (await db.query<InstrumentRow>(sql.text, sql.values)).rows };
      }),
    );
  },
);

const NEVER_SYNCED = { total: 0, active: 0, inactive: 0, by_exchange: {}, by_segment: {}, by_instrument_type: {}, expiries_per_underlying: {} };

route(
  instruments,
  createRoute({
    method: 'get',
    path: '/stats',
    tags: ['instruments'],
    summary: 'Counts of the registry as of its latest sync',
    request: { query: NoQuery },
    responses: {
      200: json(StatsResponse, 'the counts (all zero, last_sync null, before the first sync)', {
        total: 2,
        active: 1,
        inactive: 1,
        by_exchange: { NSE: { active: 1, inactive: 1 } },
        by_segment: { NSE: { active: 1, inactive: 1 } },
        by_instrument_type: { EQ: { active: 1, inactive: 1 } },
        expiries_per_underlying: {},
        dataset_version: 42,
        last_sync: '2026-01-05T02:30:00.000Z',
      }),
      304: NOT_MODIFIED,
      400: invalidParameter('x', 'unknown parameter; this route takes none'),
    },
  }),
  publicData,
  async (c) => {
    parseQuery(c, NoQuery);
    return cachedJson(c, TTL.stats, () =>
      database(c, async (db) => {
        // Computed by the sync that made the version (registry_stats() in migrations/0003).
        const {
          rows: [latest],
        } = await db.query<{ id: number; synced_at: string; stats: Record<string, unknown> }>(
          'SELECT id::float8 AS id, synced_at, stats FROM dataset_versions WHERE stats IS NOT NULL ORDER BY id DESC LIMIT 1',
        );
        if (!latest) return { ...NEVER_SYNCED, dataset_version: 0, last_sync: null };
        return { ...latest.stats, dataset_version: latest.id, last_sync: new Date(latest.synced_at).toISOString() };
      }),
    );
  },
);

route(
  instruments,
  createRoute({
    method: 'get',
    path: '/expiries',
    tags: ['instruments'],
    summary: 'The expiry dates of an underlying’s active contracts, sorted',
    request: { query: ExpiriesQuery },
    responses: {
      200: json(ExpiriesResponse, 'the expiries (empty for an unknown name)', { name: 'NIFTY', expiries: ['2026-01-29', '2026-02-26'] }),
      304: NOT_MODIFIED,
      400: invalidParameter('name', 'must not be empty'),
    },
  }),
  publicData,
  async (c) => {
    const query = parseQuery(c, ExpiriesQuery);
    return cachedJson(c, TTL.expiries, () =>
      database(c, async (db) => {
        const { rows } = await db.query<{ expiry: string }>(
          `SELECT DISTINCT expiry::text AS expiry FROM instruments
       WHERE is_active AND name = $1 AND expiry IS NOT NULL AND ($2::text IS NULL OR exchange = $2) ORDER BY 1`,
          [query.name, query.exchange ?? null],
        );
        return { name: query.name, expiries: rows.map((r) => r.expiry) };
      }),
    );
  },
);

route(
  instruments,
  createRoute({
    method: 'get',
    path: '/option-chain',
    tags: ['instruments'],
    summary: 'An expiry’s listed contracts by strike (no prices: /fno/chain has the live chain)',
    request: { query: OptionChainQuery },
    responses: {
      200: json(OptionChainResponse, 'the static chain', {
        name: 'NIFTY',
        expiry: '2026-01-29',
        exchange: 'NFO',
        lot_size: 75,
        future: { instrument_token: 13238786, tradingsymbol: 'NIFTY26JANFUT' },
        strikes: [
          {
            strike: 24000,
            CE: { instrument_token: 13240578, tradingsymbol: 'NIFTY26JAN24000CE' },
            PE: { instrument_token: 13240834, tradingsymbol: 'NIFTY26JAN24000PE' },
          },
        ],
      }),
      304: NOT_MODIFIED,
      400: invalidParameter('expiry', 'must be a date YYYY-MM-DD'),
      404: problem(
        'no active contract of the name expires that day',
        'not_found',
        'no active contracts of NIFTY expire on 2026-01-30; see /instruments/expiries?name=NIFTY',
      ),
    },
  }),
  publicData,
  async (c) => {
    const query = parseQuery(c, OptionChainQuery);
    return cachedJson(c, TTL.chain, async () => {
      const chain = await database(c, async (db) => {
        const { rows } = await db.query<InstrumentRow>(
          `SELECT ${ROW_COLUMNS} FROM instruments
         WHERE is_active AND name = $1 AND expiry = $2::date AND ($3::text IS NULL OR exchange = $3)
           AND instrument_type IN ('FUT', 'CE', 'PE')
         ORDER BY strike, instrument_type`,
          [query.name, query.expiry, query.exchange ?? null],
        );
        return rows;
      });
      if (chain.length === 0) {
        return errorResponse(
          c,
          404,
          'not_found',
          `no active contracts of ${query.name} expire on ${query.expiry}; see /instruments/expiries?name=${encodeURIComponent(query.name)}`,
        );
      }
      const strikes = new Map<number, ChainStrike>();
      for (const row of chain) {
        if (row.instrument_type !== 'CE' && row.instrument_type !== 'PE') continue;
        const entry = strikes.get(row.strike) ?? { strike: row.strike, CE: null, PE: null };
        entry[row.instrument_type] = { instrument_token: row.instrument_token, tradingsymbol: row.tradingsymbol };
        strikes.set(row.strike, entry);
      }
      const future = chain.find((r) => r.instrument_type === 'FUT');
      return {
        name: query.name,
        expiry: query.expiry,
        exchange: chain[0]?.exchange,
        lot_size: chain[0]?.lot_size,
        future: future ? { instrument_token: future.instrument_token, tradingsymbol: future.tradingsymbol } : null,
        strikes: [...strikes.values()],
      };
    });
  },
);

route(
  instruments,
  createRoute({
    method: 'get',
    path: '/by-symbol/{exchange}/{tradingsymbol}',
    tags: ['instruments'],
    summary: 'One instrument by exchange and trading symbol (the active listing first)',
    request: { params: z.object({ exchange: ExchangeParam, tradingsymbol: TradingsymbolParam }), query: NoQuery },
    responses: {
      200: json(InstrumentRow, 'the instrument', EXAMPLE_ROW),
      304: NOT_MODIFIED,
      400: invalidParameter('exchange', 'must be an exchange such as NSE or NFO'),
      404: problem('no instrument has that symbol', 'not_found', 'no instrument NSE:NOSUCH'),
    },
  }),
  publicData,
  async (c) => {
    const exchange = parsePathParam(c, 'exchange', ExchangeParam);
    const tradingsymbol = parsePathParam(c, 'tradingsymbol', TradingsymbolParam);
    parseQuery(c, NoQuery);
    return cachedJson(c, TTL.instrument, async () => {
      // The active listing first: a symbol can be reused after an old contract expired.
      const row = await database(c, async (db) => {
        const { rows } = await db.query<InstrumentRow>(
          `SELECT ${ROW_COLUMNS} FROM instruments WHERE exchange = $1 AND tradingsymbol = $2 ORDER BY is_active DESC, last_seen_version DESC LIMIT 1`,
          [exchange, tradingsymbol],
        );
        return rows[0];
      });
      return row ?? errorResponse(c, 404, 'not_found', `no instrument ${exchange}:${tradingsymbol}`);
    });
  },
);

route(
  instruments,
  createRoute({
    method: 'get',
    path: '/{token}',
    tags: ['instruments'],
    summary: 'One instrument by its instrument_token',
    request: { params: z.object({ token: TokenParam }), query: NoQuery },
    responses: {
      200: json(InstrumentRow, 'the instrument', EXAMPLE_ROW),
      304: NOT_MODIFIED,
      400: invalidParameter('token', 'must be an instrument_token: a whole number from 0 to 4294967295'),
      404: problem('no instrument has that token', 'not_found', 'no instrument with token 1'),
    },
  }),
  publicData,
  async (c) => {
    const token = parsePathParam(c, 'token', TokenParam);
    parseQuery(c, NoQuery);
    return cachedJson(c, TTL.instrument, async () => {
      const row = await database(c, async (db) => {
        const { rows } = await db.query<InstrumentRow>(`SELECT ${ROW_COLUMNS} FROM instruments WHERE instrument_token = $1`, [token]);
        return rows[0];
      });
      return row ?? errorResponse(c, 404, 'not_found', `no instrument with token ${token}`);
    });
  },
);
