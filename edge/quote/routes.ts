import { type Context, Hono } from 'hono';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { type AuthEnv, requires } from '../auth/policy.ts';
import { scope } from '../auth/principal.ts';
import { kiteLtpQuote, kiteOhlcQuote, kiteQuote } from './kite-quote.ts';
import { latestTicks, type MissingReason } from './latest-ticks.ts';
import { MAX_INSTRUMENTS, parseQuoteQuery } from './query.ts';

/**
 * Kite Connect's market quotes from our feed (docs/quote.md): route →
 * query (`i`, repeated) → resolve → each group's latest ticks → Kite's
 * shape. Live data, so never cached; the names are (storage/resolve-instruments.ts).
 *
 *   GET /quote?i=…        full quote (≤ 500 instruments)
 *   GET /quote/ohlc?i=…   last price and OHLC (≤ 1000)
 *   GET /quote/ltp?i=…    last price (≤ 1000)
 *
 * The body is Kite's `{"status": "success", "data": {...}}`, keyed by `i` as
 * given; an instrument without a tick is left out of `data`, as Kite leaves
 * out what it does not know, and named in `missing` with the reason.
 */
export type QuoteResponse<T> = { status: 'success'; data: Record<string, T>; missing: Record<string, MissingReason> };

export const quote = new Hono<AuthEnv>();
// Market data is what an API key's `read` scope is for; budgeted per key or user.
quote.use('*', requires(scope('read'), { limit: 'api' }));

quote.get('/', (c) => answer(c, MAX_INSTRUMENTS.quote, (tick, receivedAt) => kiteQuote(tick, receivedAt)));
quote.get('/ohlc', (c) => answer(c, MAX_INSTRUMENTS.ohlc, kiteOhlcQuote));
quote.get('/ltp', (c) => answer(c, MAX_INSTRUMENTS.ltp, kiteLtpQuote));

async function answer<T>(c: Context<AuthEnv>, max: number, shape: (tick: Tick, receivedAt: number) => T): Promise<Response> {
  const instruments = parseQuoteQuery(new URL(c.req.url), max);
  const config = edgeConfig(c.env);
  const { held, missing } = await latestTicks(c.env, openDatabase(config.database, config.queryTimeoutMs), instruments);
  const body: QuoteResponse<T> = {
    status: 'success',
    data: Object.fromEntries([...held].map(([key, { tick, receivedAt }]) => [key, shape(tick, receivedAt)])),
    missing: Object.fromEntries(missing),
  };
  c.header('Cache-Control', 'no-store');
  return c.json(body);
}
