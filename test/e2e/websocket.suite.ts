import { KiteTicker } from 'kiteconnect';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../../contracts/client-protocol.ts';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import { type Platform, platform, signIn, uniqueEmail, waitFor } from './platform.ts';
import { alone } from './platform-lock.ts';

/**
 * The client WebSockets on the whole local platform (`npm run dev`): the
 * simulator's ticks through the origin, the group objects and the hubs to
 * sessions at /v2/ws, and to the official kiteconnect KiteTicker at
 * /kite/ws.
 */
let stack: Platform;
let accessToken = '';
let apiKey = { id: '', secret: '' };
let equities: { token: number; symbol: string }[] = [];
const NIFTY = 'NSE:NIFTY 50';

const edgeFetch = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.edgeUrl}${path}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}), ...init.headers },
  });

/** The value, or the test fails saying what was missing. */
function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

/** A raw /v2/ws session whose frames can be awaited and whose reading can be paused. */
class Session {
  readonly ws: WebSocket;
  readonly frames: { at: number; frame: ServerMessage }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  #waiters: (() => void)[] = [];

  static async open(query?: string): Promise<Session> {
    const session = new Session(query);
    await session.opened;
    return session;
  }

  private constructor(query = `access_token=${accessToken}`) {
    this.ws = new WebSocket(`${stack.edgeUrl.replace('http', 'ws')}/v2/ws?${query}`);
    this.ws.on('message', (data) => {
      this.frames.push({ at: Date.now(), frame: JSON.parse(String(data)) as ServerMessage });
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_request, response) => reject(new Error(`/v2/ws refused: HTTP ${response.statusCode}`)));
    });
  }

  /** The first frame `pick` accepts among those received at or after `since` (ms since the epoch), waiting for it. */
  async until<T extends ServerMessage>(what: string, pick: (frame: ServerMessage) => T | undefined, ms = 15_000, since = 0): Promise<T> {
    const deadline = Date.now() + ms;
    let seen = 0;
    for (;;) {
      for (; seen < this.frames.length; seen++) {
        const received = present(this.frames[seen], `frame ${seen}`);
        if (received.at < since) continue;
        const hit = pick(received.frame);
        if (hit) return hit;
      }
      if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms; last frames: ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  async subscribe(instruments: unknown[], mode: string, id: string) {
    this.send({ action: 'subscribe', id, instruments, mode });
    return this.until(`ack ${id}`, (f) => (f.type === 'ack' && 'accepted' in f && f.id === id ? f : undefined));
  }

  ticks(since = 0): { at: number; tick: Tick; kind: string }[] {
    return this.frames
      .filter((f) => f.at >= since && (f.frame.type === 'ticks' || f.frame.type === 'snapshot'))
      .flatMap((f) => (f.frame as { ticks: Tick[] }).ticks.map((tick) => ({ at: f.at, tick, kind: f.frame.type })));
  }
}

beforeAll(async () => {
  stack = await platform();
  accessToken = (await signIn(stack, uniqueEmail('ws'), 'websocket test password')).token;
  const key = await edgeFetch('/api-keys', { method: 'POST', body: JSON.stringify({ name: 'kite ticker test', scopes: ['read'] }) });
  expect(key.status).toBe(201);
  apiKey = (await key.json()) as { id: string; secret: string };
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ token: number; symbol: string }>(
      `SELECT instrument_token::float8 AS token, exchange || ':' || tradingsymbol AS symbol FROM instruments WHERE is_active AND segment = 'NSE' ORDER BY instrument_token LIMIT 3000`,
    );
    equities = rows;
  } finally {
    await db.end();
  }
}, 200_000);

describe('/v2/ws on the whole platform', () => {
  it('gives each session exactly its instruments in its modes, a snapshot before the first live tick', async () => {
    // NIFTY 50 is pinned: once its group holds a tick (GET /quote shows it), a new subscription gets it as a snapshot.
    for (let tries = 0; ; tries++) {
      const quote = (await (await edgeFetch(`/quote?i=${encodeURIComponent(NIFTY)}`)).json()) as { data?: Record<string, unknown> };
      if (quote.data?.[NIFTY]) break;
      if (tries > 100) throw new Error(`no tick of ${NIFTY} at the edge: ${JSON.stringify(quote)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const one = await Session.open();
    const two = await Session.open();
    const [a, b] = equities as [{ token: number; symbol: string }, { token: number; symbol: string }];
    const ackOne = await one.subscribe([NIFTY, a.symbol], 'ltp', 'one');
    expect(ackOne.rejected).toEqual([]);
    const nifty = present(ackOne.accepted[0], 'the first accepted instrument').instrument_token;
    const ackTwo = await two.subscribe([b.token], 'full', 'two');
    expect(ackTwo.accepted).toEqual([
      { instrument: b.token, instrument_token: b.token, exchange: 'NSE', tradingsymbol: b.symbol.slice('NSE:'.length), mode: 'full' },
    ]);

    const ackAt = one.frames.findIndex((f) => f.frame.type === 'ack');
    const firstNifty = await one.until('NIFTY tick', (f) =>
      (f.type === 'snapshot' || f.type === 'ticks') && f.ticks.some((t) => t.instrument_token === nifty) ? f : undefined,
    );
    expect(firstNifty.type).toBe('snapshot');
    expect(one.frames.findIndex((f) => f.frame === firstNifty)).toBeGreaterThan(ackAt);

    // Watched until every instrument has ticked a few times (a new instrument reaches Kite through the origin first,
    // which under the whole suite's load has taken more than a fixed few seconds).
    const since = Date.now();
    const count = (session: Session, token: number) => session.ticks(since).filter((t) => t.tick.instrument_token === token).length;
    await waitFor(
      stack,
      'ticks of every subscribed instrument',
      async () => count(one, nifty) >= 2 && count(one, a.token) >= 2 && count(two, b.token) >= 2,
      30_000,
    );
    const seenOne = one.ticks(since);
    const seenTwo = two.ticks(since);
    expect(new Set(seenOne.map((t) => t.tick.instrument_token))).toEqual(new Set([nifty, a.token]));
    expect(seenOne.every((t) => t.tick.mode === 'ltp' && !('volume_traded' in t.tick))).toBe(true);
    expect(new Set(seenTwo.map((t) => t.tick.instrument_token))).toEqual(new Set([b.token]));
    expect(seenTwo.every((t) => t.tick.mode === 'full' && 'depth' in t.tick)).toBe(true);
    one.ws.close();
    two.ws.close();
  });

  it(alone('keeps a fast session at its pace while another session of the same user stops reading'), async () => {
    const many = equities.slice(0, 1005).map((e) => e.token);
    const fast = await Session.open();
    const paused = await Session.open();
    await fast.subscribe(many.slice(0, 5), 'quote', 'fast');
    await paused.subscribe(many.slice(5), 'full', 'paused');
    await paused.until('first ticks', (f) => (f.type === 'ticks' ? f : undefined));
    // About 0.9 MB a second of full ticks pile up unread (3,000 instruments' 2.7 MB a second loaded a 2-core machine running
    // the rest of the suite so that every session slowed, the fast one too): behind wrangler dev's proxy they never reach the hub as
    // unsent bytes (bufferedAmount stays 0 locally), so the merging itself is tested on SessionOutbox.
    paused.ws.pause();
    const pausedAt = Date.now();
    // At least 6 s of the other session not reading, and the fast one's ticks of it (at most 20 s, on a loaded machine).
    await waitFor(
      stack,
      'six seconds of ticks on the fast session',
      async () => Date.now() - pausedAt >= 6_000 && fast.ticks(pausedAt).length >= 5 * 4,
      20_000,
    ).catch(() => undefined); // the assertions below say what the fast session got instead
    const fastTicks = fast.ticks(pausedAt);
    const arrivals = [...new Set(fastTicks.map((t) => t.at))].sort((x, y) => x - y);
    const gaps = arrivals.map((at, i) => at - (arrivals[i - 1] ?? pausedAt));
    expect(fastTicks.length).toBeGreaterThanOrEqual(5 * 4);
    expect(Math.max(...gaps)).toBeLessThan(2_500);
    paused.ws.resume();
    for (const s of [fast, paused]) s.ws.close();
  }, 60_000);
});

describe('/kite/ws with the official kiteconnect KiteTicker', () => {
  it('delivers correct ticks in all three modes to a ticker pointed at the platform with an API key', async () => {
    const [ltp, quote, full] = equities.slice(10, 13).map((e) => e.token) as [number, number, number];
    // reconnect: false, or the official ticker calls process.exit(1) once disconnect() has closed it.
    const ticker = new KiteTicker({
      api_key: apiKey.id,
      access_token: apiKey.secret,
      root: `${stack.edgeUrl.replace('http', 'ws')}/kite/ws`,
      reconnect: false,
    } as ConstructorParameters<typeof KiteTicker>[0]);
    const byToken = new Map<number, Record<string, unknown>>();
    const done = new Promise<void>((resolve, reject) => {
      ticker.on('connect', () => {
        ticker.subscribe([ltp, quote, full]);
        ticker.setMode(ticker.modeLTP, [ltp]);
        ticker.setMode(ticker.modeQuote, [quote]);
        ticker.setMode(ticker.modeFull, [full]);
      });
      ticker.on('ticks', (ticks: Record<string, unknown>[]) => {
        for (const tick of ticks) byToken.set(tick.instrument_token as number, tick);
        const modes = [ltp, quote, full].map((t) => byToken.get(t)?.mode);
        if (modes.join() === 'ltp,quote,full') resolve();
      });
      ticker.on('error', (error: unknown) => reject(new Error(`ticker error: ${String(error)}`)));
      setTimeout(() => reject(new Error(`not all modes within 15 s: ${JSON.stringify([...byToken.values()].map((t) => t.mode))}`)), 15_000);
    });
    ticker.connect();
    try {
      await done;
    } finally {
      ticker.disconnect();
    }
    expect(Object.keys(present(byToken.get(ltp), `the tick of ${ltp}`)).sort()).toEqual(['instrument_token', 'last_price', 'mode', 'tradable']);
    expect(byToken.get(quote)).toMatchObject({ mode: 'quote', ohlc: expect.any(Object), volume_traded: expect.any(Number) });
    expect(byToken.get(quote)).not.toHaveProperty('depth');
    expect(byToken.get(full)).toMatchObject({ mode: 'full', depth: { buy: expect.any(Array), sell: expect.any(Array) } });
    expect((present(byToken.get(full), `the tick of ${full}`).last_price as number) > 0).toBe(true);
  }, 30_000);

  it('refuses bad credentials with 403 before any frame', async () => {
    const ws = new WebSocket(`${stack.edgeUrl.replace('http', 'ws')}/kite/ws?api_key=${apiKey.id}&access_token=wrong`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
  });
});
