import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ErrorBody } from '../../contracts/errors.ts';
import { instrumentGroup } from '../../contracts/instrument-group.ts';
import { DEPTH_LEVEL, FULL, INDEX, isIndexToken, PACKET, packetLength, priceDivisor, QUOTE } from '../../contracts/kite-ticks/packet-layout.ts';
import type { TickMode } from '../../contracts/kite-ticks/tick.ts';
import type { KiteLtpQuote, KiteOhlcQuote, KiteQuote, QuoteResponse } from '../../contracts/quote-api.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import type { Quote } from '../../kite-sim/quote.ts';
import { openDatabase } from '../../storage/database.ts';
import { TestOrigin } from '../../test/workers/test-origin.ts';
import { call, callWith, keyAuth, newKey, newUser, type TestKey } from '../../test/workers/test-users.ts';

/**
 * GET /quote against the registry the test setup synced from the simulator
 * and group Durable Objects fed, through the origin's own link route, with
 * Kite packets from the encoder below. Instruments
 * are picked by SQL away from the famous names, so other test files feeding
 * NIFTY or INFY never overwrite what these tests sent.
 */
type Row = { instrument_token: number; exchange: string; tradingsymbol: string; name: string; segment: string; instrument_type: string };

const db = () => openDatabase(edgeConfig(env).database, 10_000);
async function pick(where: string): Promise<Row & { symbol: string }> {
  const { rows } = await db().query<Row>(
    `SELECT instrument_token::float8 AS instrument_token, exchange, tradingsymbol, name, segment, instrument_type
     FROM instruments WHERE is_active AND ${where} ORDER BY md5(tradingsymbol || ':quote-test') LIMIT 1`,
  );
  if (!rows[0]) throw new Error(`the test registry has no active instrument where ${where}`);
  return { ...rows[0], symbol: `${rows[0].exchange}:${rows[0].tradingsymbol}` };
}

/** Kite's official full-packet example (contracts/kite-ticks/fixtures/ticker_full.json), on another token. */
const TRADE_TIME = Date.parse('2021-07-05T10:41:27+05:30') / 1000;
const level = (price: number, quantity: number, orders: number) => ({ price, quantity, orders });
const officialQuote = (token: number): Quote => ({
  instrument_token: token,
  last_price: 1573.7,
  last_traded_quantity: 7,
  average_traded_price: 1570.37,
  volume_traded: 1192471,
  total_buy_quantity: 256443,
  total_sell_quantity: 363009,
  ohlc: { open: 1569.15, high: 1575, low: 1561.05, close: 1567.8 },
  last_trade_time: TRADE_TIME,
  exchange_timestamp: TRADE_TIME,
  oi: 0,
  oi_day_high: 0,
  oi_day_low: 0,
  depth: {
    buy: [level(1573.4, 5, 1), level(1573, 140, 2), level(1572.95, 2, 1), level(1572.9, 219, 7), level(1572.85, 50, 1)],
    sell: [level(1573.7, 172, 3), level(1573.75, 44, 3), level(1573.85, 302, 3), level(1573.9, 141, 2), level(1573.95, 724, 5)],
  },
});

/**
 * Kite's packet layouts (contracts/kite-ticks/packet-layout.ts), written as
 * the simulator does. Not the simulator's own encoder: it writes Node
 * Buffers, which this project's workerd typings do not know.
 */
function packet({ mode, quote: q }: { mode: TickMode; quote: Quote }): Uint8Array {
  const bytes = new Uint8Array(packetLength(q.instrument_token, mode));
  const view = new DataView(bytes.buffer);
  const divisor = priceDivisor(q.instrument_token);
  const price = (at: number, value: number) => view.setInt32(at, Math.round(value * divisor));
  view.setUint32(PACKET.token, q.instrument_token);
  price(PACKET.lastPrice, q.last_price);
  if (mode === 'ltp') return bytes;
  if (isIndexToken(q.instrument_token)) {
    const fields = [
      [INDEX.high, q.ohlc.high],
      [INDEX.low, q.ohlc.low],
      [INDEX.open, q.ohlc.open],
      [INDEX.close, q.ohlc.close],
      [INDEX.netChange, q.last_price - q.ohlc.close],
    ] as const;
    for (const [at, value] of fields) price(at, value);
    if (mode === 'full') view.setUint32(INDEX.exchangeTimestamp, q.exchange_timestamp);
    return bytes;
  }
  view.setUint32(QUOTE.lastTradedQuantity, q.last_traded_quantity);
  price(QUOTE.averageTradedPrice, q.average_traded_price);
  view.setUint32(QUOTE.volumeTraded, q.volume_traded);
  view.setUint32(QUOTE.totalBuyQuantity, q.total_buy_quantity);
  view.setUint32(QUOTE.totalSellQuantity, q.total_sell_quantity);
  for (const [at, value] of [
    [QUOTE.open, q.ohlc.open],
    [QUOTE.high, q.ohlc.high],
    [QUOTE.low, q.ohlc.low],
    [QUOTE.close, q.ohlc.close],
  ] as const)
    price(at, value);
  if (mode === 'quote') return bytes;
  const times = [
    [FULL.lastTradeTime, q.last_trade_time],
    [FULL.oi, q.oi],
    [FULL.oiDayHigh, q.oi_day_high],
    [FULL.oiDayLow, q.oi_day_low],
    [FULL.exchangeTimestamp, q.exchange_timestamp],
  ] as const;
  for (const [at, value] of times) view.setUint32(at, value);
  for (const [side, from] of [
    [q.depth.buy, FULL.buyDepth],
    [q.depth.sell, FULL.sellDepth],
  ] as const) {
    for (let i = 0; i < DEPTH_LEVEL.levels; i++) {
      const at = from + i * DEPTH_LEVEL.bytes;
      view.setUint32(at + DEPTH_LEVEL.quantity, side[i]?.quantity ?? 0);
      price(at + DEPTH_LEVEL.price, side[i]?.price ?? 0);
      view.setUint16(at + DEPTH_LEVEL.orders, side[i]?.orders ?? 0);
    }
  }
  return bytes;
}

function packets(entries: { mode: TickMode; quote: Quote }[]): Uint8Array[] {
  return entries.map(packet);
}

/** Sends packets to the group of `row` through the origin link, and waits until the group holds them. */
async function feed(row: Row, entries: { mode: TickMode; quote: Quote }[], receivedAt = Date.now()): Promise<void> {
  const group = instrumentGroup(row as Parameters<typeof instrumentGroup>[0]);
  const origin = await TestOrigin.connect(`/origin/groups/${group}`);
  try {
    origin.sendBatch(packets(entries), receivedAt);
    const tokens = entries.map((e) => e.quote.instrument_token);
    await vi.waitFor(
      async () => {
        const held = await env.INSTRUMENT_GROUP.getByName(group).latest(tokens);
        expect(held.filter((h) => h.received_at === receivedAt)).toHaveLength(tokens.length);
      },
      { timeout: 5_000, interval: 20 },
    );
  } finally {
    origin.close();
  }
}

let key: TestKey;
const get = async <T>(path: string, auth: Record<string, string> = keyAuth(key)) => {
  const response = await call(path, { headers: auth });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
};
const qs = (...refs: (string | number)[]) => refs.map((r) => `i=${encodeURIComponent(String(r))}`).join('&');

beforeAll(async () => {
  key = await newKey(await newUser(), ['read']);
});

describe('GET /quote', () => {
  it("answers Kite's quote shape from the latest full tick, by symbol and by token alike", async () => {
    const stock = await pick("exchange = 'NSE' AND segment = 'NSE' AND instrument_type = 'EQ'");
    await feed(stock, [{ mode: 'full', quote: officialQuote(stock.instrument_token) }]);

    const { status, headers, body } = await get<QuoteResponse<KiteQuote>>(`/quote?${qs(stock.symbol, stock.instrument_token)}`);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    const expected: KiteQuote = {
      instrument_token: stock.instrument_token,
      timestamp: '2021-07-05 10:41:27',
      last_trade_time: '2021-07-05 10:41:27',
      last_price: 1573.7,
      last_quantity: 7,
      buy_quantity: 256443,
      sell_quantity: 363009,
      volume: 1192471,
      average_price: 1570.37,
      oi: 0,
      oi_day_high: 0,
      oi_day_low: 0,
      net_change: 5.9,
      lower_circuit_limit: 0,
      upper_circuit_limit: 0,
      ohlc: { open: 1569.15, high: 1575, low: 1561.05, close: 1567.8 },
      depth: officialQuote(0).depth,
    };
    expect(body).toEqual({ status: 'success', data: { [stock.symbol]: expected, [String(stock.instrument_token)]: expected }, missing: {} });
    // Kite's key order, so a program printing the JSON sees what Kite's docs show.
    expect(Object.keys(body.data[stock.symbol] ?? {})).toEqual(Object.keys(expected));
    expect(Object.keys(body.data[stock.symbol]?.depth.buy[0] ?? {})).toEqual(['price', 'quantity', 'orders']);
  });

  it('carries open interest of a derivative and the index fields of an index', async () => {
    const future = await pick("exchange = 'NFO' AND instrument_type = 'FUT' AND name NOT IN ('NIFTY', 'BANKNIFTY')");
    const index = await pick("segment = 'INDICES' AND exchange = 'NSE' AND tradingsymbol NOT IN ('NIFTY 50', 'NIFTY BANK')");
    const oiQuote = { ...officialQuote(future.instrument_token), oi: 1_234_500, oi_day_high: 1_300_000, oi_day_low: 1_100_250 };
    const indexQuote = {
      ...officialQuote(index.instrument_token),
      last_price: 24_512.35,
      ohlc: { open: 24_400, high: 24_550.5, low: 24_380.1, close: 24_410.05 },
    };
    await feed(future, [{ mode: 'full', quote: oiQuote }]);
    await feed(index, [{ mode: 'full', quote: indexQuote }]);

    const { body } = await get<QuoteResponse<KiteQuote>>(`/quote?${qs(future.symbol, index.symbol)}`);
    expect(body.data[future.symbol]).toMatchObject({ instrument_token: future.instrument_token, oi: 1_234_500, oi_day_high: 1_300_000, oi_day_low: 1_100_250 });
    // An index packet has no volume, quantities, trade time or depth: zeros and null, as Kite answers for an index.
    expect(body.data[index.symbol]).toEqual({
      instrument_token: index.instrument_token,
      timestamp: '2021-07-05 10:41:27',
      last_trade_time: null,
      last_price: 24_512.35,
      last_quantity: 0,
      buy_quantity: 0,
      sell_quantity: 0,
      volume: 0,
      average_price: 0,
      oi: 0,
      oi_day_high: 0,
      oi_day_low: 0,
      net_change: 102.3,
      lower_circuit_limit: 0,
      upper_circuit_limit: 0,
      ohlc: { open: 24_400, high: 24_550.5, low: 24_380.1, close: 24_410.05 },
      depth: { buy: Array(5).fill(level(0, 0, 0)), sell: Array(5).fill(level(0, 0, 0)) },
    });
  });

  it('dates a quote packet, which carries no exchange time, by when the origin received it', async () => {
    const stock = await pick("exchange = 'BSE' AND instrument_type = 'EQ'");
    const receivedAt = Date.parse('2026-11-20T09:15:02.750+05:30');
    await feed(stock, [{ mode: 'quote', quote: officialQuote(stock.instrument_token) }], receivedAt);
    const { body } = await get<QuoteResponse<KiteQuote>>(`/quote?${qs(stock.symbol)}`);
    expect(body.data[stock.symbol]).toMatchObject({
      timestamp: '2026-11-20 09:15:02',
      last_trade_time: null,
      last_price: 1573.7,
      volume: 1192471,
      depth: { buy: Array(5).fill(level(0, 0, 0)), sell: Array(5).fill(level(0, 0, 0)) },
    });
  });

  it('leaves out what it cannot quote, and names each in missing with the reason', async () => {
    const fed = await pick("exchange = 'NSE' AND segment = 'NSE' AND instrument_type = 'EQ' AND tradingsymbol LIKE 'A%'");
    // A contract no test feeds: known to the registry, no tick in its group.
    const quiet = await pick("exchange = 'BFO' AND instrument_type = 'PE'");
    await feed(fed, [{ mode: 'full', quote: officialQuote(fed.instrument_token) }]);
    const { status, body } = await get<QuoteResponse<KiteQuote>>(`/quote?${qs(fed.symbol, 'NSE:NO-SUCH-STOCK', quiet.symbol, 4_000_000_001)}`);
    expect(status).toBe(200);
    expect(Object.keys(body.data)).toEqual([fed.symbol]);
    expect(body.missing).toEqual({ 'NSE:NO-SUCH-STOCK': 'unknown_instrument', [quiet.symbol]: 'no_tick', '4000000001': 'unknown_instrument' });
  });
});

describe('GET /quote/ohlc and /quote/ltp', () => {
  it("answer Kite's smaller shapes, currency prices at their own precision", async () => {
    const currency = await pick("exchange = 'CDS' AND instrument_type = 'FUT'");
    const usd = {
      ...officialQuote(currency.instrument_token),
      last_price: 83.2575,
      average_traded_price: 83.2,
      ohlc: { open: 83.1, high: 83.3, low: 83.0525, close: 83.1925 },
      depth: { buy: [level(83.255, 10, 1)], sell: [level(83.26, 12, 2)] },
    };
    await feed(currency, [{ mode: 'full', quote: usd }]);

    const ohlc = await get<QuoteResponse<KiteOhlcQuote>>(`/quote/ohlc?${qs(currency.symbol)}`);
    expect(ohlc.body).toEqual({
      status: 'success',
      data: {
        [currency.symbol]: { instrument_token: currency.instrument_token, last_price: 83.2575, ohlc: { open: 83.1, high: 83.3, low: 83.0525, close: 83.1925 } },
      },
      missing: {},
    });
    const ltp = await get<QuoteResponse<KiteLtpQuote>>(`/quote/ltp?${qs(currency.instrument_token)}`);
    expect(ltp.body.data).toEqual({ [String(currency.instrument_token)]: { instrument_token: currency.instrument_token, last_price: 83.2575 } });
  });
});

describe('refusals', () => {
  it.each([
    ['', 'i', 'is required'],
    ['i=INFY', 'i', '"INFY" is not an instrument'],
    ['i=nse:INFY', 'i', 'is not an instrument'],
    ['i=0', 'i', 'is not an instrument'],
    ['i=NSE:%20INFY', 'i', '"NSE: INFY" is not an instrument'],
    ['i=NSE:INFY%20', 'i', 'is not an instrument'],
    ['i=99999999999', 'i', 'is not an instrument'],
    ['i=NSE:INFY&instruments=NSE:TCS', 'instruments', 'unknown parameter'],
  ])('refuses ?%s with a 400 naming %s', async (query, param, message) => {
    const { status, body } = await get<unknown>(`/quote?${query}`);
    expect(status).toBe(400);
    expect(ErrorBody.parse(body).error).toMatchObject({ code: 'invalid_parameter', param, message: expect.stringContaining(message) });
  });

  it("refuses more instruments than Kite's limit of each route", async () => {
    const tokens = Array.from({ length: 1001 }, (_, n) => n + 1);
    expect((await get<unknown>(`/quote?${qs(...tokens.slice(0, 501))}`)).body).toMatchObject({
      error: { param: 'i', message: 'i: names at most 500 instruments per request (got 501)' },
    });
    expect((await get<unknown>(`/quote/ltp?${qs(...tokens.slice(0, 1001))}`)).status).toBe(400);
    expect((await get<QuoteResponse<unknown>>(`/quote/ltp?${qs(...tokens.slice(0, 1000))}`)).status).toBe(200);
  });

  it('needs a credential with the read scope', async () => {
    const anonymous = await get<unknown>(`/quote?${qs('NSE:INFY')}`, {});
    expect(anonymous.status).toBe(401);
    const alertsOnly = await newKey(await newUser(), ['alerts']);
    const forbidden = await get<unknown>(`/quote?${qs('NSE:INFY')}`, keyAuth(alertsOnly));
    expect(forbidden.status).toBe(403);
    expect(ErrorBody.parse(forbidden.body).error.code).toBe('forbidden');
  });

  it('answers 503 when Postgres is down and the names are not cached, and still quotes the cached ones', async () => {
    const stock = await pick("exchange = 'NSE' AND segment = 'NSE' AND instrument_type = 'EQ' AND tradingsymbol LIKE 'B%'");
    await feed(stock, [{ mode: 'full', quote: officialQuote(stock.instrument_token) }]);
    // Resolved once (and the key verified once) while Postgres is up: both are cached in this isolate now.
    expect((await get<QuoteResponse<KiteQuote>>(`/quote?${qs(stock.symbol)}`)).body.data[stock.symbol]?.last_price).toBe(1573.7);

    const down = { NEON_HTTP_ENDPOINT: `http://127.0.0.1:${inject('blackHolePort')}/sql`, QUERY_TIMEOUT_MS: '300' };
    const cached = await callWith(down, `/quote?${qs(stock.symbol)}`, { headers: keyAuth(key) });
    expect(cached.status).toBe(200);
    expect(((await cached.json()) as QuoteResponse<KiteQuote>).data[stock.symbol]?.last_price).toBe(1573.7);

    const uncached = await callWith(down, `/quote?${qs('NSE:NEVER-RESOLVED')}`, { headers: keyAuth(key) });
    expect(uncached.status).toBe(503);
    expect(uncached.headers.get('retry-after')).toBe('5');
    expect(ErrorBody.parse(await uncached.json()).error.code).toBe('database_unavailable');
  });
});
