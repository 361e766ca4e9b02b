import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import { KiteLtpQuote, KiteOhlcQuote, KiteQuote, type QuoteResponse, quoteResponse } from '../../contracts/quote-api.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { type AuthEnv, requires } from '../auth/policy.ts';
import { scope } from '../auth/principal.ts';
import { invalidParameter, json, route } from '../openapi/describe.ts';
import { kiteLtpQuote, kiteOhlcQuote, kiteQuote } from './kite-quote.ts';
import { latestTicks } from './latest-ticks.ts';
import { MAX_INSTRUMENTS, parseQuoteQuery, quoteParams } from './query.ts';

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
export const quote = new OpenAPIHono<AuthEnv>();
// Market data is what an API key's `read` scope is for; budgeted per key or user.
quote.use('*', requires(scope('read'), { limit: 'api' }));

// The examples are built by the same functions as the answers, from one tick.
const EXAMPLE_TICK: Tick = {
  tradable: true,
  mode: 'quote',
  instrument_token: 408065,
  last_price: 1573.7,
  last_traded_quantity: 10,
  average_traded_price: 1570.25,
  volume_traded: 1234567,
  total_buy_quantity: 5000,
  total_sell_quantity: 7000,
  ohlc: { open: 1565, high: 1580, low: 1560.5, close: 1562.3 },
  change: 0.73,
};
const EXAMPLE_RECEIVED_AT = Date.UTC(2026, 0, 5, 9, 45, 12);

const KINDS = [
  { path: '/', max: MAX_INSTRUMENTS.quote, entry: KiteQuote, summary: 'Full quotes: OHLC, volume, OI and five levels of depth', shape: kiteQuote },
  { path: '/ohlc', max: MAX_INSTRUMENTS.ohlc, entry: KiteOhlcQuote, summary: 'Last prices and OHLC', shape: kiteOhlcQuote },
  { path: '/ltp', max: MAX_INSTRUMENTS.ltp, entry: KiteLtpQuote, summary: 'Last prices', shape: kiteLtpQuote },
] as const;

for (const { path, max, entry, summary, shape } of KINDS) {
  route(
    quote,
    createRoute({
      method: 'get',
      path,
      tags: ['quote (Kite)'],
      summary,
      description: `Kite Connect's \`GET /quote${path === '/' ? '' : path}\` from the platform's feed, at most ${max} instruments; an instrument without a tick is in \`missing\` with the reason (docs/quote.md).`,
      request: { query: quoteParams(max) },
      responses: {
        200: json(quoteResponse(entry), 'the quotes, keyed by `i` as given', {
          status: 'success',
          data: { 'NSE:INFY': shape(EXAMPLE_TICK, EXAMPLE_RECEIVED_AT) },
          missing: { 'NSE:NOSUCH': 'unknown_instrument' },
        }),
        400: invalidParameter('i', 'is required: name each instrument as i=NSE:INFY (or its token, i=408065), repeated for more'),
      },
    }),
    (c) => answer(c, max, shape),
  );
}

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
