import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { BackfillAsk } from '../../contracts/candle-backfill.ts';
import { kiteCandleRow, minuteStart } from '../../contracts/candles.ts';
import { HistoryParams, HistoryQuery, HistoryResponse, KiteErrorBody } from '../../contracts/history-api.ts';
import type { KiteExchange } from '../../contracts/kite-instrument.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { feedControl, instrumentGroup } from '../../durable-objects/stubs.ts';
import { type Database, openDatabase } from '../../storage/database.ts';
import { resolveInstruments } from '../../storage/resolve-instruments.ts';
import { type AuthEnv, requires } from '../auth/policy.ts';
import { scope } from '../auth/principal.ts';
import { cachedJson } from '../cache/cached-json.ts';
import { json, route } from '../openapi/describe.ts';
import { planFill } from './fill-gaps.ts';
import { HistoryInputError, type HistoryRequest, parseHistoryQuery } from './query.ts';
import { readHistory, type Unwritten } from './read-candles.ts';

/**
 * Kite's historical candle API at Kite's path and in Kite's shape
 * (docs/candles.md), so `kiteconnect`'s getHistoricalData works with its
 * `root` at the edge and a platform API key:
 *
 *   GET /instruments/historical/{token}/{interval}?from=…&to=…&continuous=0|1&oi=0|1
 *
 * route → query (Kite's limits) → instrument → fill what was neither
 * recorded nor fetched (through the origin, fill-gaps.ts) → Postgres plus
 * the group's unwritten minutes → `{"status":"success","data":{"candles":[…]}}`.
 * Errors in Kite's envelope. A range that ended before the current minute
 * is final and cached (the cache tiers of cached-json.ts, a day); one that
 * reaches the forming minute is not cached.
 */
const CLOSED_RANGE_TTL_S = 86_400;

export const history = new OpenAPIHono<AuthEnv>();

const kiteProblem = (description: string, message: string) =>
  json(KiteErrorBody, description, { status: 'error', message, data: null, error_type: 'InputException' } satisfies KiteErrorBody);

route(
  history,
  createRoute({
    method: 'get',
    path: '/{token}/{interval}',
    tags: ['historical (Kite)'],
    summary: 'Candles of an instrument, as Kite’s historical API',
    description:
      "Kite Connect's historical candle API (docs/candles.md): minute candles built from the platform's ticks, filled from Kite's own where the platform recorded nothing; intraday intervals aligned from the exchange's open; the forming minute included. Kite's range limit per interval applies. A range that ended before the current minute is cached.",
    request: { params: HistoryParams, query: HistoryQuery },
    responses: {
      200: json(HistoryResponse, 'the candles, oldest first', {
        status: 'success',
        data: { candles: [['2026-12-04T09:15:00+0530', 1520.5, 1524, 1519.8, 1523.1, 18250]] },
      } satisfies HistoryResponse),
      400: kiteProblem("a parameter Kite would refuse, in Kite's envelope", 'interval exceeds max limit: 60 days'),
    },
  }),
  // Market data is what an API key's `read` scope is for; budgeted per key or user.
  requires(scope('read'), { limit: 'api' }),
  async (c) => {
    let query: HistoryRequest;
    try {
      query = parseHistoryQuery(c.req.param('token') ?? '', c.req.param('interval') ?? '', new URL(c.req.url).searchParams);
    } catch (error) {
      if (error instanceof HistoryInputError) return kiteError(c, 400, 'InputException', error.message);
      throw error;
    }
    const now = Date.now();
    const config = edgeConfig(c.env);
    const db = openDatabase(config.database, config.queryTimeoutMs);
    const instrument = (await resolveInstruments(db, [query.token])).resolved.get(String(query.token));
    if (!instrument) return kiteError(c, 400, 'InputException', `invalid token: no instrument has token ${query.token}`);
    if (query.continuous && !(instrument.instrument_type === 'FUT' && query.interval === 'day')) {
      return kiteError(c, 400, 'InputException', 'continuous data is available only for day candles of futures');
    }
    const answer = () => candles(c, db, query, instrument.exchange as KiteExchange, instrument.group, now);
    if (query.to >= minuteStart(now)) {
      const result = await answer();
      if (!(result instanceof Response)) c.header('Cache-Control', 'no-store');
      return result instanceof Response ? result : c.json(result);
    }
    return cachedJson(c, CLOSED_RANGE_TTL_S, answer);
  },
);

type KiteCandles = HistoryResponse;

async function candles(
  c: Context<AuthEnv>,
  db: Database,
  q: HistoryRequest,
  exchange: KiteExchange,
  group: string,
  now: number,
): Promise<KiteCandles | Response> {
  // Only a range that reaches today can have minutes the group has not written yet.
  const unwritten: Unwritten = q.to >= now - 86_400_000 ? await instrumentGroup(c.env, group).unwrittenCandles(q.token) : { minutes: [], day: null };
  const kind = q.interval === 'day' ? 'day' : 'minute';
  const plan = await planFill(db, { token: q.token, exchange, interval: kind, from: q.from, to: q.to }, now, unwritten.minutes[0]?.time);
  const incomplete = await fill(c, plan);
  const rows = (await readHistory(db, { ...q, exchange }, unwritten)).map((candle) => kiteCandleRow(candle, q.oi));
  const body: KiteCandles = { status: 'success', data: { candles: rows } };
  if (incomplete === undefined) return body;
  // What is stored is still served, marked, and never cached: the next request tries the backfill again.
  const response = c.json(body);
  response.headers.set('Cache-Control', 'no-store');
  response.headers.set('X-History-Incomplete', incomplete.slice(0, 300));
  return response;
}

/** Runs the backfill asks one after another (the origin paces Kite anyway); the first failure's reason, or undefined. */
async function fill(c: Context<AuthEnv>, plan: readonly BackfillAsk[]): Promise<string | undefined> {
  for (const ask of plan) {
    try {
      await feedControl(c.env).backfill(ask);
    } catch (error) {
      const reason = (error as Error).message.replace(/^\w*Error: /, '');
      console.warn(`history: backfill of ${ask.token} ${ask.interval} not done: ${reason}`);
      return reason;
    }
  }
  return undefined;
}

function kiteError(c: Context, status: 400, type: KiteErrorBody['error_type'], message: string): Response {
  return c.json({ status: 'error', message, data: null, error_type: type } satisfies KiteErrorBody, status);
}
