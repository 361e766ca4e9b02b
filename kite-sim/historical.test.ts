import { KiteConnect, KiteTicker } from 'kiteconnect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Candle, type CandleInterval, candleOfKiteRow, type KiteCandleRow, mergeCandles, minuteStart } from '../contracts/candles.ts';
import { istTimestamp } from '../contracts/ist-clock.ts';
import { simConfig } from './config.ts';
import type { Quote } from './quote.ts';
import { type Simulator, startSimulator } from './simulator.ts';
import type { SimInstrument } from './universe-types.ts';

/**
 * Kite's historical API on the simulator, through the official client:
 * synthetic minutes for the days before the simulator's start (fixed here
 * to Monday 2026-12-07 09:15 IST), the recorded trades from then on.
 */
const START = Date.parse('2026-12-07T09:15:00+05:30');
const FRIDAY = '2026-12-04';
const NIFTY = 256265;
const RELIANCE = 738561;

let sim: Simulator;
let kite: InstanceType<typeof KiteConnect>;

beforeAll(async () => {
  sim = await startSimulator(simConfig({ SIM_PORT: '0', SIM_HISTORICAL_RPS: '0' }), () => {}, { startMs: START });
  kite = new KiteConnect({ api_key: 'kitesim', root: sim.restRoot, access_token: sim.demoSession.accessToken });
});
afterAll(async () => {
  await sim?.close();
});

type Answer = { status: number; body: { status: string; data: { candles: KiteCandleRow[] } | null; message?: string; error_type?: string } };

async function historical(token: number | string, interval: string, query: Record<string, string>, authorization = auth()): Promise<Answer> {
  const url = `${sim.restRoot}/instruments/historical/${token}/${interval}?${new URLSearchParams(query)}`;
  const response = await fetch(url, { headers: { authorization } });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

function auth(simulator = sim): string {
  return `token kitesim:${simulator.demoSession.accessToken}`;
}

async function candles(token: number, interval: CandleInterval, from: string, to: string, oi = false): Promise<Candle[]> {
  const { status, body } = await historical(token, interval, { from, to, oi: oi ? '1' : '0' });
  expect(status).toBe(200);
  return (body.data?.candles ?? []).map(candleOfKiteRow);
}

const instrument = (find: (i: SimInstrument) => boolean): SimInstrument => {
  const found = sim.universe.instruments.find(find);
  if (!found) throw new Error('no such instrument in the universe');
  return found;
};
const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const niftyFuture = () => instrument((i) => i.kind === 'future' && i.underlying === 'NIFTY');
const ist = (text: string) => Date.parse(`${text}+05:30`);

/** What the live minute candles must be, from the quotes the trades returned (all of one day, the token's first trades). */
function expectedMinutes(quotes: Quote[]): Candle[] {
  const minutes: Candle[] = [];
  let volumeBefore = (quotes[0]?.volume_traded ?? 0) - (quotes[0]?.last_traded_quantity ?? 0);
  for (const q of quotes) {
    const time = Math.floor(q.exchange_timestamp / 60) * 60_000;
    const last = minutes[minutes.length - 1];
    if (last && last.time === time) {
      Object.assign(last, {
        high: Math.max(last.high, q.last_price),
        low: Math.min(last.low, q.last_price),
        close: q.last_price,
        volume: q.volume_traded - volumeBefore,
        oi: q.oi,
      });
    } else {
      if (last) volumeBefore += last.volume;
      minutes.push({ time, open: q.last_price, high: q.last_price, low: q.last_price, close: q.last_price, volume: q.volume_traded - volumeBefore, oi: q.oi });
    }
  }
  return minutes;
}

describe('Kite historical API: past days (synthetic)', () => {
  it('gives the official client all 375 minutes of a past NSE trading day, ending at the live session’s previous close', async () => {
    const rows = (await kite.getHistoricalData(RELIANCE, 'minute', `${FRIDAY} 09:15:00`, `${FRIDAY} 15:30:00`)) as unknown as {
      date: Date;
      open: number;
      high: number;
      low: number;
      close: number;
      volume: number;
    }[];
    expect(rows).toHaveLength(375);
    expect(rows[0]?.date.getTime()).toBe(ist(`${FRIDAY}T09:15:00`));
    expect(rows[374]?.date.getTime()).toBe(ist(`${FRIDAY}T15:29:00`));
    rows.forEach((row, i) => {
      expect(row.date.getTime()).toBe(ist(`${FRIDAY}T09:15:00`) + i * 60_000);
      expect(row.low).toBeLessThanOrEqual(Math.min(row.open, row.close));
      expect(row.high).toBeGreaterThanOrEqual(Math.max(row.open, row.close));
      expect(Math.round(row.close * 20) / 20).toBe(row.close);
      expect(row.volume).toBeGreaterThan(0);
    });
    const { 'NSE:RELIANCE': quote } = await kite.getOHLC(['NSE:RELIANCE']);
    expect(rows[374]?.close).toBe(quote?.ohlc.close);
  });

  it('has nothing on a weekend, an exchange holiday or after today', async () => {
    expect(await candles(RELIANCE, 'minute', '2026-12-05 00:00:00', '2026-12-06 23:59:59')).toEqual([]);
    expect(await candles(RELIANCE, 'day', '2026-11-24', '2026-11-24')).toEqual([]);
    expect(await candles(NIFTY, 'minute', '2026-12-08', '2026-12-09')).toEqual([]);
    const days = await candles(NIFTY, 'day', '2026-11-20', '2026-11-30');
    expect(days.map((c) => c.time)).toEqual(
      ['2026-11-20', '2026-11-23', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-30'].map((d) => ist(`${d}T00:00:00`)),
    );
  });

  it('makes day candles exactly the aggregate of each day’s minutes, and each day opens at the previous close', async () => {
    const future = niftyFuture().instrument_token;
    const minutes = await candles(future, 'minute', '2026-12-01 00:00:00', '2026-12-04 23:59:59', true);
    const days = await candles(future, 'day', '2026-12-01', '2026-12-04', true);
    expect(minutes).toHaveLength(4 * 375);
    expect(days).toHaveLength(4);
    days.forEach((day, i) => {
      expect(day).toEqual(mergeCandles(day.time, minutes.slice(i * 375, (i + 1) * 375)));
      if (i > 0) expect(day.open).toBe(days[i - 1]?.close);
      expect(day.oi).toBeGreaterThan(0);
    });
  });

  it('aggregates every intraday interval from minutes, aligned from 09:15', async () => {
    const minutes = await candles(NIFTY, 'minute', `${FRIDAY} 09:15:00`, `${FRIDAY} 15:30:00`);
    const sizes = { '3minute': 3, '5minute': 5, '10minute': 10, '15minute': 15, '30minute': 30, '60minute': 60 } as const;
    for (const [interval, size] of Object.entries(sizes) as [CandleInterval, number][]) {
      const got = await candles(NIFTY, interval, `${FRIDAY} 09:15:00`, `${FRIDAY} 15:30:00`);
      expect(got, interval).toHaveLength(Math.ceil(375 / size));
      got.forEach((candle, i) => {
        expect(candle.time).toBe(ist(`${FRIDAY}T09:15:00`) + i * size * 60_000);
        expect(candle).toEqual(mergeCandles(candle.time, minutes.slice(i * size, (i + 1) * size)));
      });
    }
    const hours = await candles(NIFTY, '60minute', `${FRIDAY} 09:15:00`, `${FRIDAY} 15:30:00`);
    expect(hours.at(-1)?.time).toBe(ist(`${FRIDAY}T15:15:00`));
  });

  it('serves the candles starting within [from, to], the same whatever the range asked', async () => {
    const day = await candles(RELIANCE, 'minute', FRIDAY, FRIDAY);
    const slice = await candles(RELIANCE, 'minute', `${FRIDAY} 10:00:00`, `${FRIDAY} 10:04:00`);
    expect(slice).toEqual(day.slice(45, 50));
    const fives = await candles(RELIANCE, '5minute', `${FRIDAY} 10:02:00`, `${FRIDAY} 10:12:00`);
    expect(fives.map((c) => c.time)).toEqual([ist(`${FRIDAY}T10:05:00`), ist(`${FRIDAY}T10:10:00`)]);
    expect(fives[1]).toEqual(mergeCandles(fives[1]?.time ?? 0, day.slice(55, 60)));
  });

  it('keeps each exchange’s hours: MCX 09:00–23:30, CDS 09:00–17:00', async () => {
    const crude = instrument((i) => i.exchange === 'MCX' && i.kind === 'future');
    const mcx = await candles(crude.instrument_token, 'minute', FRIDAY, FRIDAY);
    expect(mcx).toHaveLength(870);
    expect([mcx[0]?.time, mcx.at(-1)?.time]).toEqual([ist(`${FRIDAY}T09:00:00`), ist(`${FRIDAY}T23:29:00`)]);
    const usdinr = instrument((i) => i.exchange === 'CDS' && i.kind === 'future');
    const cds = await candles(usdinr.instrument_token, 'minute', FRIDAY, FRIDAY);
    expect(cds).toHaveLength(480);
    expect(cds.at(-1)?.time).toBe(ist(`${FRIDAY}T16:59:00`));
    expect(cds.every((c) => Number.isInteger(Math.round(c.close * 10_000) / 25))).toBe(true);
  });

  it('moves an index and its futures together, and gives indices no volume', async () => {
    const index = await candles(NIFTY, '30minute', FRIDAY, FRIDAY);
    const future = await candles(niftyFuture().instrument_token, '30minute', FRIDAY, FRIDAY);
    expect(index.every((c) => c.volume === 0)).toBe(true);
    const ratios = index.map((c, i) => (future[i]?.close ?? 0) / c.close);
    expect(Math.max(...ratios) - Math.min(...ratios)).toBeLessThan(0.0005);
  });
});

describe('Kite historical API: the live day (recorded)', () => {
  it('answers the live day with the minutes of the trades the market made, the forming one included', async () => {
    const future = niftyFuture().instrument_token;
    // Trades every 13 s for 4½ minutes from the open: five minutes, the last still forming.
    const quotes = Array.from({ length: 21 }, (_, k) => sim.market.trade(future, START + k * 13_000));
    const expected = expectedMinutes(quotes);
    expect(expected).toHaveLength(5);
    expect(await candles(future, 'minute', '2026-12-07 09:15:00', '2026-12-07 15:30:00', true)).toEqual(expected);
    expect(expected.reduce((sum, c) => sum + c.volume, 0)).toBe(quotes.at(-1)?.volume_traded);

    const [day] = await candles(future, 'day', '2026-12-07', '2026-12-07', true);
    expect(day).toEqual(mergeCandles(ist('2026-12-07T00:00:00'), expected));
    // The recorded day continues the synthetic one: it opens at Friday's last close.
    const friday = await candles(future, 'minute', `${FRIDAY} 15:29:00`, '2026-12-07 15:30:00', true);
    expect(friday).toHaveLength(1 + expected.length);
    expect(friday[1]?.open).toBe(friday[0]?.close);

    // A later trade lands in its own minute; the forming one closes.
    const later = sim.market.trade(future, START + 10 * 60_000 + 5_000);
    const after = await candles(future, '5minute', '2026-12-07 09:15:00', '2026-12-07 09:30:00');
    expect(after.map((c) => c.time)).toEqual([START, START + 10 * 60_000]);
    expect(after[1]).toMatchObject({ open: later.last_price, close: later.last_price, volume: later.volume_traded - (quotes.at(-1)?.volume_traded ?? 0) });
    expect(await candles(future, 'minute', '2026-12-07 09:15:00', '2026-12-07 09:16:00')).toEqual(expected.slice(0, 2).map((c) => ({ ...c, oi: 0 })));
  });

  it('has no candles for an instrument that has not traded today', async () => {
    expect(await candles(RELIANCE, 'minute', '2026-12-07', '2026-12-07')).toEqual([]);
  });
});

describe('Kite historical API: errors', () => {
  const day = { from: `${FRIDAY} 09:15:00`, to: `${FRIDAY} 15:30:00` };
  const cases: [string, number | string, string, Record<string, string>, string][] = [
    ['an unknown interval', RELIANCE, '2minute', day, 'invalid interval'],
    ['an unknown token', 999_999_999, 'minute', day, 'invalid token'],
    ['a token that is not a number', 'RELIANCE', 'minute', day, 'invalid token'],
    ['a malformed from', RELIANCE, 'minute', { ...day, from: '04-12-2026' }, 'invalid from date'],
    ['an impossible from', RELIANCE, 'minute', { ...day, from: '2026-02-30 09:15:00' }, 'invalid from date'],
    ['a missing to', RELIANCE, 'minute', { from: day.from }, 'invalid to date'],
    ['from after to', RELIANCE, 'minute', { from: day.to, to: day.from }, 'invalid date range: from is after to'],
    ['more than 60 days of minutes', RELIANCE, 'minute', { from: '2026-10-01', to: '2026-11-30' }, 'interval exceeds max limit: 60 days'],
    ['more than 100 days of 5minute', RELIANCE, '5minute', { from: '2026-08-01 00:00:00', to: '2026-11-09 00:00:01' }, 'interval exceeds max limit: 100 days'],
    ['continuous data of a stock', RELIANCE, 'day', { ...day, continuous: '1' }, 'invalid token for continuous data: only futures have continuous data'],
    ['an oi flag that is not 0 or 1', RELIANCE, 'minute', { ...day, oi: 'yes' }, 'invalid oi: 0 or 1'],
  ];
  it.each(cases)('refuses %s with Kite’s InputException', async (_what, token, interval, query, message) => {
    expect(await historical(token, interval, query)).toEqual({ status: 400, body: { status: 'error', message, data: null, error_type: 'InputException' } });
  });

  it('rejects the official client’s call with Kite’s error', async () => {
    await expect(kite.getHistoricalData(RELIANCE, 'minute', '2026-09-01 09:15:00', `${FRIDAY} 15:30:00`)).rejects.toMatchObject({
      error_type: 'InputException',
      message: 'interval exceeds max limit: 60 days',
    });
  });

  it('accepts the longest range of each interval, and continuous data of a future as its own series', async () => {
    expect((await historical(RELIANCE, 'minute', { from: '2026-10-05', to: '2026-12-03 23:59:59' })).status).toBe(200);
    const token = niftyFuture().instrument_token;
    const plain = await historical(token, 'day', { from: '2026-11-01', to: FRIDAY });
    expect(await historical(token, 'day', { from: '2026-11-01', to: FRIDAY, continuous: '1' })).toEqual(plain);
  });

  it('wants a valid access token', async () => {
    const answer = await historical(RELIANCE, 'minute', day, 'token kitesim:not-a-token');
    expect(answer).toMatchObject({ status: 403, body: { status: 'error', error_type: 'TokenException' } });
  });
});

describe('Kite historical API: a simulator running in real time', () => {
  let realTime: Simulator;
  beforeAll(async () => {
    realTime = await startSimulator(simConfig({ SIM_PORT: '0', SIM_HISTORICAL_RPS: '2', SIM_APP_COUNT: '2', SIM_TICKS_PER_SECOND: '5' }));
  });
  afterAll(async () => {
    await realTime?.close();
  });

  it('records what a KiteTicker client received: every tick inside its minute’s candle, the last close and OI, the whole volume', async () => {
    const future = realTime.universe.instruments.find((i) => i.kind === 'future' && i.underlying === 'NIFTY');
    const token = future?.instrument_token ?? 0;
    const session = realTime.demoSessions[1];
    if (!session) throw new Error('no second app');
    type Tick = { mode: string; last_price: number; volume_traded: number; oi: number; exchange_timestamp?: Date };
    const ticks: Tick[] = [];
    // `root` is a real constructor option that the package's typings leave out; no reconnect (its retry path ends in process.exit).
    const params = { api_key: session.app.apiKey, access_token: session.accessToken, root: realTime.tickerRoot, reconnect: false };
    const ticker = new KiteTicker(params);
    ticker.on('ticks', (batch: Tick[]) => ticks.push(...batch));
    ticker.on('connect', () => {
      ticker.subscribe([token]);
      ticker.setMode(ticker.modeFull, [token]);
    });
    ticker.connect();
    try {
      await until('five full ticks', () => ticks.filter((t) => t.mode === 'full').length >= 5);
    } finally {
      ticker.disconnect();
    }
    // Trades stop with the connection: then every one of them reached the client.
    await until('the connection gone', () => realTime.ticker.stats().connections === 0);
    const first = ticks.find((t) => t.exchange_timestamp)?.exchange_timestamp?.getTime() ?? Date.now();
    const response = await fetch(
      `${realTime.restRoot}/instruments/historical/${token}/minute?${new URLSearchParams({ from: istTimestamp(first - 120_000), to: istTimestamp(Date.now() + 60_000), oi: '1' })}`,
      { headers: { authorization: `token ${session.app.apiKey}:${session.accessToken}` } },
    );
    const body = (await response.json()) as Answer['body'];
    const minutes = (body.data?.candles ?? []).map(candleOfKiteRow);
    const last = ticks[ticks.length - 1];
    expect(minutes.at(-1)).toMatchObject({ close: last?.last_price, oi: last?.oi });
    expect(minutes.reduce((sum, m) => sum + m.volume, 0)).toBe(last?.volume_traded);
    for (const tick of ticks) {
      if (!tick.exchange_timestamp) continue;
      const minute = minutes.find((m) => m.time === minuteStart(tick.exchange_timestamp?.getTime() ?? 0));
      expect(minute && tick.last_price >= minute.low && tick.last_price <= minute.high).toBe(true);
    }
  });

  it('answers historical requests beyond the limit per API key with 429 NetworkException, then lets them through again', async () => {
    const ask = () =>
      fetch(`${realTime.restRoot}/instruments/historical/${NIFTY}/day?from=${FRIDAY}&to=${FRIDAY}`, { headers: { authorization: auth(realTime) } });
    const answers = await Promise.all(Array.from({ length: 8 }, ask));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const refused = answers.find((a) => a.status === 429);
    expect(await refused?.json()).toEqual({ status: 'error', message: 'Too many requests', data: null, error_type: 'NetworkException' });
    const other = realTime.demoSessions[1];
    const otherKey = await fetch(`${realTime.restRoot}/instruments/historical/${NIFTY}/day?from=${FRIDAY}&to=${FRIDAY}`, {
      headers: { authorization: `token ${other?.app.apiKey}:${other?.accessToken}` },
    });
    expect(otherKey.status).toBe(200);
    let status = 429;
    const deadline = Date.now() + 5000;
    while (status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await ask()).status;
    }
    expect(status).toBe(200);
  });
});
