import { type CandleMessage, KiteEdgeClient, type SocketConstructor } from '@kite-edge/client';
import { KiteConnect } from 'kiteconnect';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bucketStart, type Candle, INTERVAL_MINUTES, kiteCandleTime, mergeCandles, minuteStart } from '../../contracts/candles.ts';
import { IST_OFFSET_MS, istTimestamp } from '../../contracts/ist-clock.ts';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import { type Platform, platform, signIn, uniqueEmail, waitFor as waitForOnStack } from './platform.ts';
import { alone } from './platform-lock.ts';

/**
 * Candles end to end (docs/candles.md): the official kiteconnect client's
 * getHistoricalData pointed at the edge with a platform API key. Today's
 * minutes are built by the group from the ticks this test also receives on
 * /v2/ws, and must agree with them by the definitions; a past trading day
 * (a fixed date) is backfilled from the simulator's history through the
 * origin: all 375 minutes of its session, a day candle that agrees with them, every
 * interval aggregated from them. And the live stream: `subscribe_candles`.
 */
let stack: Platform;
let key = { id: '', secret: '' };
let kite: InstanceType<typeof KiteConnect>;
let token = 0;
const clients: KiteEdgeClient[] = [];
const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, ms?: number) => waitForOnStack(stack, what, check, ms);
/** A Friday the simulator synthesises (it lies before any day a test runs). */
const PAST_DAY = '2026-12-04';

type FullTick = Extract<Tick, { volume_traded: number; exchange_timestamp: number | null }>;

function client(): KiteEdgeClient {
  const made = new KiteEdgeClient({
    url: `${stack.edgeUrl.replace('http', 'ws')}/v2/ws`,
    credentials: { apiKey: key.id, secret: key.secret },
    WebSocket: WebSocket as unknown as SocketConstructor,
  });
  clients.push(made);
  return made;
}

/** Minute candles from ticks by the definitions in docs/candles.md, as a reader of the feed would build them. */
function candlesFromTicks(ticks: readonly FullTick[]): Candle[] {
  const byMinute = new Map<number, { candle: Candle; lastAt: number; volumeEnd: number }>();
  let previousEnd: number | undefined;
  let first = true;
  for (const tick of ticks) {
    const at = (tick.exchange_timestamp ?? 0) * 1000;
    const minute = minuteStart(at);
    const held = byMinute.get(minute);
    if (!held) {
      const base = first ? tick.volume_traded - tick.last_traded_quantity : (previousEnd ?? 0);
      first = false;
      const price = tick.last_price;
      byMinute.set(minute, {
        candle: { time: minute, open: price, high: price, low: price, close: price, volume: tick.volume_traded - base, oi: 0 },
        lastAt: at,
        volumeEnd: tick.volume_traded,
      });
    } else {
      const c = held.candle;
      c.high = Math.max(c.high, tick.last_price);
      c.low = Math.min(c.low, tick.last_price);
      if (at >= held.lastAt) {
        c.close = tick.last_price;
        held.lastAt = at;
      }
      if (tick.volume_traded > held.volumeEnd) {
        c.volume += tick.volume_traded - held.volumeEnd;
        held.volumeEnd = tick.volume_traded;
      }
    }
    previousEnd = byMinute.get(minute)?.volumeEnd;
  }
  return [...byMinute.values()].map((m) => m.candle);
}

type KiteCandle = { date: Date; open: number; high: number; low: number; close: number; volume: number; oi?: number };
const history = (interval: string, from: string, to: string, oi = false) =>
  kite.getHistoricalData(token, interval as 'minute', from, to, false, oi) as Promise<KiteCandle[]>;
const historyUrl = (interval: string, from: string, to: string) =>
  `${stack.edgeUrl}/instruments/historical/${token}/${interval}?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
const asCandle = (c: KiteCandle): Candle => ({
  time: c.date.getTime(),
  open: c.open,
  high: c.high,
  low: c.low,
  close: c.close,
  volume: c.volume,
  oi: c.oi ?? 0,
});

beforeAll(async () => {
  stack = await platform();
  const user = await signIn(stack, uniqueEmail('candles'), 'candles test password 1');
  const created = await fetch(`${stack.edgeUrl}/api-keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'candles test', scopes: ['read'] }),
  });
  expect(created.status).toBe(201);
  key = (await created.json()) as typeof key;
  kite = new KiteConnect({ api_key: key.id, root: stack.edgeUrl });
  kite.setAccessToken(key.secret);
  // A BSE stock no other suite subscribes (the websocket suite takes NSE's, the origin's BSE RELIANCE), so every tick its group sees is one this test sees.
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ token: number }>(
      `SELECT instrument_token::float8 AS token FROM instruments WHERE is_active AND segment = 'BSE' AND instrument_type = 'EQ'
       ORDER BY instrument_token DESC LIMIT 1 OFFSET $1`,
      [Math.floor(Math.random() * 40)],
    );
    token = rows[0]?.token ?? 0;
  } finally {
    await db.end();
  }
  expect(token).toBeGreaterThan(0);
}, 200_000);

afterAll(() => {
  for (const c of clients) c.close();
});

describe('candles: Kite’s historical API on the platform', () => {
  // Alone: the candles must be made of this session's ticks only, so no other test may stream the instrument meanwhile.
  it(alone('today’s minute candles agree with the ticks the same test received on /v2/ws'), async () => {
    const session = client();
    const ticks: FullTick[] = [];
    session.on('tick', (tick) => {
      if (tick.instrument_token === token && 'volume_traded' in tick && 'exchange_timestamp' in tick) ticks.push(tick as FullTick);
    });
    await session.connect();
    expect((await session.subscribe([token], 'full')).accepted).toHaveLength(1);
    await waitFor('four ticks of the instrument', async () => ticks.length >= 4, 30_000);
    // A tick the group has and the session has not yet is in flight for a moment: asked again until both saw the same.
    const compared = await waitFor(
      'the minute candles to agree with the ticks',
      async () => {
        const from = minuteStart((ticks[0]?.exchange_timestamp ?? 0) * 1000);
        const got = (await history('minute', istTimestamp(from), istTimestamp(Date.now() + 60_000))).map(asCandle);
        const expected = candlesFromTicks(ticks);
        return JSON.stringify(got.map((c) => ({ ...c, oi: 0 }))) === JSON.stringify(expected) ? got : undefined;
      },
      20_000,
    );
    expect(compared.length).toBeGreaterThanOrEqual(1);
    expect(compared[0]?.time).toBe(minuteStart((ticks[0]?.exchange_timestamp ?? 0) * 1000));
  });

  it('a past trading day: all 375 minutes of its session, backfilled from Kite through the origin, and a day candle that agrees with them', async () => {
    const first = await fetch(historyUrl('minute', `${PAST_DAY} 09:15:00`, `${PAST_DAY} 15:30:00`), {
      headers: { Authorization: `token ${key.id}:${key.secret}` },
    });
    const lastLines = () => stack.output().split('\n').slice(-40).join('\n');
    expect(first.headers.get('X-History-Incomplete'), lastLines()).toBeNull();
    const minutes = (await history('minute', `${PAST_DAY} 09:15:00`, `${PAST_DAY} 15:30:00`, true)).map(asCandle);
    expect(minutes, lastLines()).toHaveLength(375);
    expect(kiteCandleTime(minutes[0]?.time ?? 0)).toBe(`${PAST_DAY}T09:15:00+0530`);
    expect(kiteCandleTime(minutes.at(-1)?.time ?? 0)).toBe(`${PAST_DAY}T15:29:00+0530`);
    for (const m of minutes) expect(m.low <= Math.min(m.open, m.close) && m.high >= Math.max(m.open, m.close)).toBe(true);

    const [day] = (await history('day', PAST_DAY, PAST_DAY)).map(asCandle);
    const dayStart = Date.parse(`${PAST_DAY}T00:00:00Z`) - IST_OFFSET_MS;
    expect(day).toEqual({ ...mergeCandles(dayStart, minutes), oi: 0 });

    // Served from Postgres from then on: the same answer again, now from the cache tiers.
    const again = await fetch(`${historyUrl('minute', `${PAST_DAY} 09:15:00`, `${PAST_DAY} 15:30:00`)}&oi=1`, {
      headers: { Authorization: `token ${key.id}:${key.secret}` },
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { data: { candles: unknown[] } }).data.candles).toHaveLength(375);

    for (const interval of ['3minute', '5minute', '10minute', '15minute', '30minute', '60minute'] as const) {
      const size = INTERVAL_MINUTES[interval];
      const got = (await history(interval, `${PAST_DAY} 09:15:00`, `${PAST_DAY} 15:30:00`)).map(asCandle);
      const buckets = new Map<number, Candle[]>();
      for (const m of minutes) {
        const start = bucketStart(m.time, interval, 'BSE');
        buckets.set(start, [...(buckets.get(start) ?? []), m]);
      }
      const expected = [...buckets].map(([start, list]) => ({ ...(mergeCandles(start, list) as Candle), oi: 0 }));
      expect(got, interval).toEqual(expected);
      expect(got, interval).toHaveLength(Math.ceil(375 / size));
    }
  });

  it('answers Kite’s errors in Kite’s shape: a range over the interval’s limit, an unknown token', async () => {
    await expect(history('minute', '2026-09-01 09:15:00', `${PAST_DAY} 15:30:00`)).rejects.toMatchObject({
      error_type: 'InputException',
      message: 'interval exceeds max limit: 60 days',
    });
    await expect(kite.getHistoricalData(4_294_967_040, 'minute', `${PAST_DAY} 09:15:00`, `${PAST_DAY} 10:15:00`)).rejects.toMatchObject({
      error_type: 'InputException',
      message: expect.stringContaining('invalid token'),
    });
  });
});

describe('candles: live on /v2/ws', () => {
  it('subscribe_candles streams the forming candle, aligned to its interval, at most once a second', async () => {
    const session = client();
    const frames: (CandleMessage & { at: number })[] = [];
    session.on('candle', (message) => frames.push({ ...message, at: Date.now() }));
    await session.connect();
    const ack = await session.subscribeCandles([token], '5minute');
    expect(ack).toMatchObject({ action: 'subscribe_candles', interval: '5minute', candles: 1, rejected: [] });
    await waitFor('three 5-minute candle frames', async () => frames.length >= 3, 20_000);
    for (const frame of frames) {
      expect(frame).toMatchObject({ instrument_token: token, interval: '5minute' });
      const start = Date.parse(frame.candle.time.replace('+0530', '+05:30'));
      expect(bucketStart(start, '5minute', 'BSE')).toBe(start);
      expect(frame.candle.high).toBeGreaterThanOrEqual(Math.max(frame.candle.open, frame.candle.close));
    }
    const gaps = frames.slice(1).map((f, i) => f.at - (frames[i]?.at ?? 0));
    // Pushed once a second: two frames less than 0.8 s apart would be a candle sent per tick.
    expect(Math.min(...gaps)).toBeGreaterThan(800);
    expect((await session.unsubscribeCandles([token], '5minute')).candles).toBe(0);
  });
});
