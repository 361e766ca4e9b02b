import { KiteConnect, KiteTicker } from 'kiteconnect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { simConfig } from './config.ts';
import type { ModelRow } from './model-route.ts';
import { DEFAULT_SMILE, impliedVol, MIN_YEARS, smileVol, yearsToExpiry } from './pricing.ts';
import { type Simulator, startSimulator } from './simulator.ts';
import { buildUniverse } from './universe.ts';
import type { SimInstrument } from './universe-types.ts';

/**
 * The simulator as Kite developers meet it: through the official
 * `kiteconnect` clients (and, where a test needs several sockets at once,
 * which KiteTicker's module-level socket cannot hold, through plain `ws`).
 */
let sim: Simulator;
const API_KEY = 'testkey';
const API_SECRET = 'test-secret-123';
const ADMIN = 'test-admin-token';

beforeAll(async () => {
  sim = await startSimulator(simConfig({ SIM_PORT: '0', SIM_API_KEY: API_KEY, SIM_API_SECRET: API_SECRET, SIM_ADMIN_TOKEN: ADMIN, SIM_TICKS_PER_SECOND: '5' }));
});
afterAll(async () => {
  await sim?.close();
});

const kite = (accessToken = sim.demoSession.accessToken) => new KiteConnect({ api_key: API_KEY, root: sim.restRoot, access_token: accessToken });

/**
 * A KiteTicker that never reconnects (its retry path ends in process.exit).
 * `root` is a real constructor option that the package's typings leave out.
 */
function ticker(accessToken = sim.demoSession.accessToken) {
  const params = { api_key: API_KEY, access_token: accessToken, root: sim.tickerRoot, reconnect: false };
  return new KiteTicker(params);
}

async function fault(action: string, body = ''): Promise<Response> {
  const response = await fetch(`${sim.restRoot}/_sim/faults/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  expect(response.status).toBe(200);
  return response;
}

type RawClient = { ws: WebSocket; binary: Buffer[]; text: { type: string; data: unknown }[]; closed: Promise<number> };

function rawClient(query = `api_key=${API_KEY}&access_token=${sim.demoSession.accessToken}`): Promise<RawClient | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${sim.tickerRoot}?${query}`);
    const client: RawClient = {
      ws,
      binary: [],
      text: [],
      closed: new Promise((r) => ws.once('close', (code) => r(code))),
    };
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) client.binary.push(data);
      else client.text.push(JSON.parse(data.toString()));
    });
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });
}

async function connected(query?: string): Promise<RawClient> {
  const client = await rawClient(query);
  if (typeof client === 'number') throw new Error(`connection refused with ${client}`);
  return client;
}

const until = async (what: string, check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function pick(predicate: (i: SimInstrument) => boolean): SimInstrument {
  const found = sim.universe.instruments.find(predicate);
  if (!found) throw new Error('no such instrument in the universe');
  return found;
}

describe('REST through the official KiteConnect client', () => {
  it('getInstruments() returns the whole universe with typed fields', async () => {
    const rows = (await kite().getInstruments()) as unknown as Record<string, unknown>[];
    const universe = sim.universe.instruments;
    // papaparse leaves one empty row for the trailing newline, as with Kite's own dump.
    const real = rows.filter((r) => r.instrument_token !== '' && r.instrument_token !== undefined);
    expect(real).toHaveLength(universe.length);
    const option = real.find((r) => r.segment === 'NFO-OPT');
    expect(option).toBeDefined();
    expect(typeof option?.strike).toBe('number');
    expect(typeof option?.tick_size).toBe('number');
    expect(Number.isInteger(option?.lot_size)).toBe(true);
    expect(option?.expiry).toBeInstanceOf(Date);
    const equity = real.find((r) => r.tradingsymbol === universe.find((i) => i.segment === 'NSE')?.tradingsymbol);
    expect(equity).toMatchObject({ exchange: 'NSE', instrument_type: 'EQ', expiry: '', last_price: 0 });
  });

  it('getInstruments(exchange) returns that exchange only, and the dump is gzipped when asked', async () => {
    const rows = (await kite().getInstruments('MCX' as never)) as unknown as { exchange?: string }[];
    const exchanges = new Set(rows.filter((r) => r.exchange).map((r) => r.exchange));
    expect([...exchanges]).toEqual(['MCX']);
    const raw = await fetch(`${sim.restRoot}/instruments/CDS`, { headers: { 'accept-encoding': 'gzip' } });
    expect(raw.headers.get('content-type')).toBe('text/csv');
    expect(raw.headers.get('content-encoding')).toBe('gzip');
    expect((await raw.text()).split('\n')[0]).toBe(
      'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange',
    );
    const bad = await fetch(`${sim.restRoot}/instruments/XYZ`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'error', error_type: 'InputException' });
  });

  it('logs in: the login page redirects with a request token that generateSession() exchanges for an access token, once', async () => {
    const login = await fetch(`${sim.restRoot}/connect/login?api_key=${API_KEY}&v=3`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const requestToken = new URL(login.headers.get('location') ?? '').searchParams.get('request_token') ?? '';
    expect(requestToken).toMatch(/^[0-9a-f]{32}$/);

    const client = new KiteConnect({ api_key: API_KEY, root: sim.restRoot });
    const session = await client.generateSession(requestToken, API_SECRET);
    expect(session.access_token).toMatch(/^[0-9a-f]{32}$/);
    expect(session.login_time).toBeInstanceOf(Date);
    const profile = await client.getProfile();
    expect(profile.user_id).toBe('SM0001');

    await expect(new KiteConnect({ api_key: API_KEY, root: sim.restRoot }).generateSession(requestToken, API_SECRET)).rejects.toMatchObject({
      error_type: 'TokenException',
      message: 'Token is invalid or has expired.',
    });
  });

  it('hands redirect_params back on the login redirect, as Kite does, without letting them replace its own fields', async () => {
    const redirectParams = encodeURIComponent('account=abc 1&next=/x?y=1&request_token=forged');
    const login = await fetch(`${sim.restRoot}/connect/login?api_key=${API_KEY}&v=3&redirect_params=${redirectParams}`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const back = new URL(login.headers.get('location') ?? '').searchParams;
    expect(back.get('account')).toBe('abc 1');
    expect(back.get('next')).toBe('/x?y=1');
    expect(back.getAll('request_token')).toHaveLength(1);
    expect(back.get('request_token')).toMatch(/^[0-9a-f]{32}$/);
    expect(back.get('status')).toBe('success');
  });

  it('refuses a wrong checksum, an unknown api_key and a wrong access token, with Kite’s errors', async () => {
    const login = await fetch(`${sim.restRoot}/connect/login?api_key=${API_KEY}`, { redirect: 'manual' });
    const requestToken = new URL(login.headers.get('location') ?? '').searchParams.get('request_token') ?? '';
    await expect(new KiteConnect({ api_key: API_KEY, root: sim.restRoot }).generateSession(requestToken, 'wrong-secret')).rejects.toMatchObject({
      error_type: 'TokenException',
      message: 'Invalid `checksum`.',
    });
    const unknownApp = await fetch(`${sim.restRoot}/connect/login?api_key=nosuchapp`, { redirect: 'manual' });
    expect(unknownApp.status).toBe(400);
    await expect(kite('0'.repeat(32)).getProfile()).rejects.toMatchObject({ error_type: 'TokenException' });
  });

  it('answers getQuote, getLTP and getOHLC by EXCHANGE:TRADINGSYMBOL, leaving out unknown instruments', async () => {
    const option = pick((i) => i.segment === 'NFO-OPT');
    const key = `NFO:${option.tradingsymbol}`;
    const quote = (await kite().getQuote([key, 'NSE:NOSUCHSTOCK'])) as Record<string, Record<string, unknown>>;
    expect(Object.keys(quote)).toEqual([key]);
    expect(quote[key]).toMatchObject({ instrument_token: option.instrument_token, timestamp: expect.any(Date), depth: { buy: expect.any(Array) } });
    const ltp = (await kite().getLTP(['NSE:NIFTY 50'])) as Record<string, { last_price: number }>;
    expect(ltp['NSE:NIFTY 50']?.last_price).toBeGreaterThan(0);
    const ohlc = (await kite().getOHLC([key])) as Record<string, { ohlc: { close: number } }>;
    expect(ohlc[key]?.ohlc.close).toBeGreaterThan(0);
    await expect(kite().getQuote([])).rejects.toMatchObject({ error_type: 'InputException' });
  });

  it('answers unknown routes with Kite’s error envelope', async () => {
    const response = await fetch(`${sim.restRoot}/orders/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ status: 'error', message: 'Route not found: GET /orders/nothing', data: null, error_type: 'GeneralException' });
  });
});

describe('the ticker through the official KiteTicker', () => {
  it('streams ticks in all three modes for equities, indices, futures, options, MCX and CDS, on the tick grid and within the day range', async () => {
    const instruments = [
      pick((i) => i.segment === 'NSE'),
      pick((i) => i.tradingsymbol === 'NIFTY 50'),
      pick((i) => i.segment === 'NFO-FUT'),
      pick((i) => i.segment === 'NFO-OPT'),
      pick((i) => i.segment === 'MCX-FUT'),
      pick((i) => i.segment === 'CDS-FUT'),
      pick((i) => i.segment === 'CDS-OPT'),
    ];
    const tokens = instruments.map((i) => i.instrument_token);
    const t = ticker();
    const seen = new Map<string, Record<string, unknown>>();
    const modeOf = (token: number) => (['ltp', 'quote', 'full'] as const)[tokens.indexOf(token) % 3];
    t.on('ticks', (ticks: Record<string, unknown>[]) => {
      for (const tick of ticks) seen.set(`${tick.instrument_token}:${tick.mode}`, tick);
    });
    t.on('connect', () => {
      t.subscribe(tokens);
      for (const mode of ['ltp', 'quote', 'full'] as const)
        t.setMode(
          mode,
          tokens.filter((token) => modeOf(token) === mode),
        );
    });
    t.connect();
    try {
      await until('a tick of every instrument in its mode', () => tokens.every((token) => seen.has(`${token}:${modeOf(token)}`)), 8000);
    } finally {
      t.disconnect();
    }
    for (const instrument of instruments) {
      const tick = seen.get(`${instrument.instrument_token}:${modeOf(instrument.instrument_token)}`) as {
        last_price: number;
        tradable: boolean;
        ohlc?: { high: number; low: number };
        depth?: unknown;
      };
      const grid = instrument.tick_size || 0.05;
      const steps = tick.last_price / grid;
      expect({ symbol: instrument.tradingsymbol, offGrid: Math.abs(steps - Math.round(steps)) < 1e-6 }).toEqual({
        symbol: instrument.tradingsymbol,
        offGrid: true,
      });
      expect(tick.tradable).toBe(instrument.segment !== 'INDICES');
      if (tick.ohlc) {
        expect(tick.last_price).toBeGreaterThanOrEqual(tick.ohlc.low);
        expect(tick.last_price).toBeLessThanOrEqual(tick.ohlc.high);
      }
    }
    const fullTradable = instruments.find((i) => modeOf(i.instrument_token) === 'full' && i.segment !== 'INDICES');
    expect(seen.get(`${fullTradable?.instrument_token}:full`)).toMatchObject({
      depth: { buy: expect.any(Array), sell: expect.any(Array) },
      oi: expect.any(Number),
    });
  });

  it('refuses a wrong access token with HTTP 403 on the upgrade', async () => {
    expect(await rawClient(`api_key=${API_KEY}&access_token=${'f'.repeat(32)}`)).toBe(403);
    expect(await rawClient(`api_key=otherkey&access_token=${sim.demoSession.accessToken}`)).toBe(403);
  });
});

describe('Kite’s limits', () => {
  it('refuses the 4th connection of an API key with 429', async () => {
    const open = [await connected(), await connected(), await connected()];
    expect(await rawClient()).toBe(429);
    open[0]?.ws.close();
    await open[0]?.closed;
    const again = await connected();
    for (const c of [...open.slice(1), again]) c.ws.close();
    // The server must have seen every close before the next test opens its own.
    await Promise.all([...open.slice(1), again].map((c) => c.closed));
    await until('the server to count no connections', () => sim.ticker.stats().connections === 0);
  });

  it('refuses the 3001st instrument of a connection, and counts duplicates but streams them once', async () => {
    const client = await connected();
    const tokens = sim.universe.instruments.slice(0, 3001).map((i) => i.instrument_token);
    // 2,998 distinct, then a duplicate (the 2,999th request), a new one (the 3,000th) and one too many.
    client.ws.send(JSON.stringify({ a: 'subscribe', v: tokens.slice(0, 2998) }));
    client.ws.send(JSON.stringify({ a: 'subscribe', v: [tokens[0], tokens[2998], tokens[2999]] }));
    await until('the refusal', () => client.text.length > 0);
    expect(client.text[0]).toEqual({ type: 'error', data: 'Maximum instruments per connection (3000) exceeded; 1 token(s) not subscribed.' });
    const before = client.binary.length;
    await until('a tick frame', () => client.binary.slice(before).some((f) => f.length > 1));
    const frame = client.binary.slice(before).find((f) => f.length > 1) ?? Buffer.alloc(2);
    expect(frame.readUInt16BE(0)).toBe(2999); // the duplicate counted against the limit, streamed once
    client.ws.close();
  });

  it('answers bad control messages and unknown tokens with text error frames, and keeps the connection', async () => {
    const client = await connected();
    client.ws.send('not json');
    client.ws.send(JSON.stringify({ a: 'subscribe', v: 'x' }));
    client.ws.send(JSON.stringify({ a: 'subscribe', v: [1] }));
    await until('three errors', () => client.text.length >= 3);
    expect(client.text.map((t) => t.type)).toEqual(['error', 'error', 'error']);
    expect(String(client.text[2]?.data)).toContain('Invalid instrument token(s): 1');
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.close();
  });

  it('closes a connection that sends an oversized message with 1009, and serves the others', async () => {
    const other = await connected();
    const client = await connected();
    client.ws.send('x'.repeat(2 * 1024 * 1024));
    expect(await client.closed).toBe(1009);
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
    other.ws.close();
    await other.closed;
  });

  it('counts the most connections an API key held at once since the last reset (GET /_sim/connections)', async () => {
    const admin = (path: string, method = 'GET') =>
      fetch(`${sim.restRoot}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}` } }).then(
        async (r) => ((await r.json()) as { data: { open: Record<string, number>; max_concurrent: Record<string, number> } }).data,
      );
    await admin('/_sim/connections/reset', 'POST');
    const first = await connected();
    const second = await connected();
    expect(await admin('/_sim/connections')).toMatchObject({ open: { [API_KEY]: 2 }, max_concurrent: { [API_KEY]: 2 } });
    second.ws.close();
    await until('the server to see the close', () => sim.ticker.stats().connections === 1);
    expect(await admin('/_sim/connections/reset', 'POST')).toMatchObject({ open: { [API_KEY]: 1 }, max_concurrent: { [API_KEY]: 1 } });
    const third = await connected();
    expect((await admin('/_sim/connections')).max_concurrent).toEqual({ [API_KEY]: 2 });
    for (const c of [first, third]) c.ws.close();
    await until('the server to count no connections', () => sim.ticker.stats().connections === 0);
  });
});

describe('fault controls, as a client sees them', () => {
  it('drop-connections: the socket closes abnormally (1006)', async () => {
    const client = await connected();
    await fault('drop-connections');
    expect(await client.closed).toBe(1006);
  });

  it('silence: the socket stays open and nothing arrives, not even heartbeats; reset brings them back', async () => {
    const client = await connected();
    await fault('silence');
    const count = client.binary.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(client.binary.length).toBe(count);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    await fault('reset');
    await until('a heartbeat after reset', () => client.binary.length > count, 3000);
    client.ws.close();
  });

  it('malformed-frame: a binary frame whose header promises packets it does not carry', async () => {
    const client = await connected();
    const count = client.binary.length;
    await fault('malformed-frame');
    await until('the malformed frame', () => client.binary.slice(count).some((f) => f.length > 1));
    const frame = client.binary.slice(count).find((f) => f.length > 1) ?? Buffer.alloc(0);
    const declaredPackets = frame.readUInt16BE(0);
    const firstLength = frame.readUInt16BE(2);
    expect(declaredPackets).toBeGreaterThan(1);
    expect(frame.length).toBeLessThan(4 + firstLength);
    client.ws.close();
  });

  it('expire-tokens: connections drop, reconnecting gets 403, REST says TokenException', async () => {
    const client = await connected();
    await fault('expire-tokens');
    expect(await client.closed).toBe(1006);
    expect(await rawClient()).toBe(403);
    await expect(kite().getProfile()).rejects.toMatchObject({ error_type: 'TokenException' });
    sim.demoSession = sim.sessions.issueSession(sim.demoSession.app);
  });

  it('slow: frames arrive late by the configured delay', async () => {
    const client = await connected();
    await fault('slow', 'ms=1500');
    const token = pick((i) => i.segment === 'NSE').instrument_token;
    const sentAt = Date.now();
    client.ws.send(JSON.stringify({ a: 'subscribe', v: [token] }));
    await until('a tick', () => client.binary.some((f) => f.length > 1), 5000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1500);
    await fault('reset');
    client.ws.close();
  });

  it('refuse-connections: new connections get 503 while open ones carry on; message reaches them as text', async () => {
    const client = await connected();
    await fault('refuse-connections');
    expect(await rawClient()).toBe(503);
    await fault('message', 'text=Exchange+maintenance+at+18%3A00');
    await until('the broker message', () => client.text.some((t) => t.type === 'message'));
    expect(client.text.find((t) => t.type === 'message')).toEqual({ type: 'message', data: 'Exchange maintenance at 18:00' });
    await fault('reset');
    const again = await connected();
    again.ws.close();
    client.ws.close();
  });

  it('refuse the fault API without the admin token', async () => {
    const response = await fetch(`${sim.restRoot}/_sim/faults/drop-connections`, { method: 'POST' });
    expect(response.status).toBe(403);
  });
});

/**
 * Settings a test needs a simulator of its own for, and the heartbeat of an
 * idle connection timed beside them. The three simulators start first, one
 * after another (a start builds the universe, which holds the event loop and
 * would delay the frames a test times); then the tests wait on their clocks
 * side by side.
 */
describe.concurrent('simulators started with settings of their own', () => {
  let pinging: Simulator;
  /** When `pinging` started: its universe is that day's. */
  const pingingSince = Date.now();
  /** The whole universe's MCX and CDS rows of that day, as `pinging` must list them. */
  let mcxAndCds: string[];
  let slow: Simulator;
  let timed: Simulator;
  beforeAll(async () => {
    // Built before the tests run side by side: a whole universe takes a second or two of this process, which would hold
    // up the pong of the ping test's answering client past its 1 s (the simulator runs in this process too).
    mcxAndCds = buildUniverse({ seed: 1, today: new Date(pingingSince) })
      .instruments.filter((i) => i.exchange === 'MCX' || i.exchange === 'CDS')
      .map((i) => `${i.instrument_token} ${i.tradingsymbol}`);
    // Two settings on one simulator: the pong timeout, and a universe of two exchanges.
    pinging = await startSimulator(simConfig({ SIM_PORT: '0', SIM_PONG_TIMEOUT_MS: '1000', SIM_EXCHANGES: 'MCX,CDS' }), () => {}, { startMs: pingingSince });
    slow = await startSimulator(simConfig({ SIM_PORT: '0', SIM_TICKS_PER_SECOND: '0.25' }));
    timed = await startSimulator(simConfig({ SIM_PORT: '0', SIM_SEND_TIMES: '1' }));
  });
  afterAll(async () => {
    await Promise.all([pinging, slow, timed].map((started) => started?.close()));
  });

  it('cuts a connection that answers no ping with SIM_PONG_TIMEOUT_MS, as a hung client holds its socket open', async () => {
    const url = `${pinging.tickerRoot}?api_key=${pinging.demoSession.app.apiKey}&access_token=${pinging.demoSession.accessToken}`;
    const answering = new WebSocket(url);
    const hung = new WebSocket(url, { autoPong: false });
    const closed = new Promise<number>((resolve) => hung.once('close', (code) => resolve(code)));
    await Promise.all([answering, hung].map((ws) => new Promise((resolve) => ws.once('open', resolve))));
    const opened = Date.now();
    expect(await closed).toBe(1006);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(1_000);
    expect(answering.readyState).toBe(WebSocket.OPEN);
    answering.close();
  });

  it('lists and streams only the exchanges SIM_EXCHANGES names, each instrument with its token of the whole universe', async () => {
    const rows = (await new KiteConnect({
      api_key: 'kitesim',
      root: pinging.restRoot,
      access_token: pinging.demoSession.accessToken,
    }).getInstruments()) as unknown as {
      exchange?: string;
      instrument_token?: number;
      tradingsymbol?: string;
    }[];
    const listed = rows.filter((r) => r.exchange);
    expect(new Set(listed.map((r) => r.exchange))).toEqual(new Set(['MCX', 'CDS']));
    expect(listed.map((r) => `${r.instrument_token} ${r.tradingsymbol}`)).toEqual(mcxAndCds);
    const nse = await fetch(`${pinging.restRoot}/instruments/NSE`);
    expect(nse.status).toBe(400);
    expect(await nse.json()).toMatchObject({ error_type: 'InputException', message: 'Invalid exchange `NSE`; one of MCX, CDS.' });
  });

  it('sends a 1-byte heartbeat every second while nothing is subscribed', async () => {
    const frames: Buffer[] = [];
    const ws = new WebSocket(`${timed.tickerRoot}?api_key=kitesim&access_token=${timed.demoSession.accessToken}`);
    ws.on('message', (data: Buffer) => frames.push(data));
    await until('two heartbeats', () => frames.length >= 2, 4000);
    expect(frames.every((f) => f.length === 1)).toBe(true);
    ws.close();
  });

  it('a slow tick rate still sends a heartbeat every second between tick frames', async () => {
    const token = slow.universe.instruments[0]?.instrument_token ?? 0;
    const frames: Buffer[] = [];
    const ws = new WebSocket(`${slow.tickerRoot}?api_key=kitesim&access_token=${slow.demoSession.accessToken}`);
    ws.on('message', (data: Buffer) => frames.push(data));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ a: 'subscribe', v: [token] }));
    // One tick frame every 4 s: within 3.5 s of subscribing, at least two seconds have only a heartbeat.
    await until('two heartbeats while subscribed', () => frames.filter((f) => f.length === 1).length >= 2, 3500);
    ws.close();
  });

  it('SIM_SEND_TIMES=1 gives the send time of the very frame that carried a tick, by connection and the tick’s timestamp', async () => {
    const token = timed.universe.instruments.find((i) => i.segment === 'NSE')?.instrument_token ?? 0;
    const ws = new WebSocket(`${timed.tickerRoot}?api_key=kitesim&access_token=${timed.demoSession.accessToken}`);
    const received: { second: number; at: number }[] = [];
    ws.on('message', (data: Buffer) => {
      // A full packet's exchange_timestamp is at offset 60, after the frame's 4-byte header.
      if (data.length > 1) received.push({ second: data.readUInt32BE(4 + 60), at: Date.now() });
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ a: 'subscribe', v: [token] }));
    ws.send(JSON.stringify({ a: 'mode', v: ['full', [token]] }));
    await until('two tick frames', () => received.length >= 2, 4000);
    const response = await fetch(`${timed.restRoot}/_sim/send-times`, { headers: { authorization: 'Bearer kitesim-admin' } });
    const { data } = (await response.json()) as {
      data: { frames: [number, number, number][]; connections: { id: number; api_key: string; tokens: number[] }[] };
    };
    ws.close();
    const connection = data.connections.find((c) => c.tokens.includes(token));
    expect(connection?.api_key).toBe('kitesim');
    for (const tick of received.slice(0, 2)) {
      const sent = data.frames.filter(([c, second]) => c === connection?.id && second === tick.second);
      expect(sent).toHaveLength(1);
      const sentAt = sent[0]?.[2] ?? 0;
      expect(tick.at - sentAt).toBeGreaterThanOrEqual(0);
      expect(tick.at - sentAt).toBeLessThan(500);
    }
  });
});

describe('send times for latency benchmarks (SIM_SEND_TIMES=1)', () => {
  it('are not recorded by default', async () => {
    const response = await fetch(`${sim.restRoot}/_sim/send-times`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(response.status).toBe(404);
  });
});

describe('the model behind the prices (GET /_sim/model)', () => {
  type ModelAnswer = { units: Record<string, string>; instruments: ModelRow[] };
  const model = async (query: string, token = ADMIN) => {
    const response = await fetch(`${sim.restRoot}/_sim/model?${query}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as { data: ModelAnswer | null; error_type?: string; message?: string } };
  };
  /** The nearest NIFTY monthly: the expiry with a future. */
  const monthly = () => {
    const future = sim.universe.instruments.filter((i) => i.name === 'NIFTY' && i.segment === 'NFO-FUT').sort((a, b) => a.expiry.localeCompare(b.expiry))[0];
    if (!future) throw new Error('no NIFTY future');
    return future;
  };

  it('needs the admin token', async () => {
    expect((await model(`tokens=${monthly().instrument_token}`, 'wrong')).status).toBe(403);
  });

  it('lists a whole chain by name and expiry, future first, each priced with the smile’s σ, given per 365-day year and in percent', async () => {
    const future = monthly();
    const { status, body } = await model(`name=NIFTY&expiry=${future.expiry}`);
    expect(status).toBe(200);
    const { units, instruments } = body.data as ModelAnswer;
    expect(Object.keys(units)).toEqual(expect.arrayContaining(['years', 'vol', 'iv']));
    const chain = sim.universe.instruments.filter((i) => i.name === 'NIFTY' && i.expiry === future.expiry);
    expect(instruments).toHaveLength(chain.length);
    expect(instruments[0]).toMatchObject({ instrument_token: future.instrument_token, instrument_type: 'FUT' });
    const options = instruments.slice(1);
    expect(options.map((o) => `${o.strike} ${o.instrument_type}`)).toEqual(
      [...options].sort((a, b) => a.strike - b.strike || a.instrument_type.localeCompare(b.instrument_type)).map((o) => `${o.strike} ${o.instrument_type}`),
    );
    const atmVol = sim.universe.underlyings.get('NIFTY')?.annualVol ?? NaN;
    const tick = chain.find((i) => i.segment === 'NFO-OPT')?.tick_size ?? NaN;
    for (const row of options) {
      expect(row.iv).toBe(100 * row.vol);
      expect(row.years).toBe(Math.max(yearsToExpiry(row.expiry, row.priced_at), MIN_YEARS));
      expect(row.forward).toBeCloseTo(row.spot * Math.exp(row.rate * row.years), 6);
      expect(row.vol).toBeCloseTo(smileVol(atmVol, row.forward, row.strike, row.years, DEFAULT_SMILE), 12);
      // last_price is the model price on the tick (at least one tick).
      expect(Math.abs(row.last_price - Math.max(row.model_price, tick))).toBeLessThanOrEqual(tick / 2 + 1e-9);
    }
  });

  it('follows each option’s last trade: IV read back from the streamed price is the σ it was priced with', async () => {
    const future = monthly();
    const { body } = await model(`name=NIFTY&expiry=${future.expiry}`);
    const atm = (body.data as ModelAnswer).instruments
      .filter((o) => o.instrument_type === 'CE')
      .sort((a, b) => Math.abs(a.strike - a.forward) - Math.abs(b.strike - b.forward))[0] as ModelRow;
    const client = await connected();
    client.ws.send(JSON.stringify({ a: 'subscribe', v: [atm.instrument_token] }));
    client.ws.send(JSON.stringify({ a: 'mode', v: ['full', [atm.instrument_token]] }));
    await until('a tick of the ATM call', () => client.binary.some((frame) => frame.length > 1));
    const after = (await model(`tokens=${atm.instrument_token}`)).body.data as ModelAnswer;
    client.ws.close();
    const row = after.instruments[0] as ModelRow;
    expect(row.priced_at).toBeGreaterThan(atm.priced_at);
    expect(row.years).toBeLessThan(atm.years);
    const iv = impliedVol('CE', row.last_price, row.forward, row.strike, row.years, row.rate);
    expect(Math.abs(100 * iv - row.iv)).toBeLessThan(0.2);
  });

  it('refuses what it cannot answer with 400 InputException', async () => {
    const index = pick((i) => i.segment === 'INDICES');
    const future = monthly();
    for (const query of [
      'tokens=abc',
      `tokens=${index.instrument_token}`,
      `tokens=${future.instrument_token},42`,
      `tokens=${Array.from({ length: 1001 }, () => future.instrument_token).join(',')}`,
      'name=NIFTY',
      `tokens=${future.instrument_token}&name=NIFTY&expiry=${future.expiry}`,
      'name=NIFTY&expiry=1999-01-01',
      '',
    ]) {
      const { status, body } = await model(query);
      expect({ query: query.slice(0, 40), status, error: body.error_type }).toEqual({ query: query.slice(0, 40), status: 400, error: 'InputException' });
    }
  });
});
