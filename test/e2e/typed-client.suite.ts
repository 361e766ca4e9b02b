import { type Ack, type ClientEvents, KiteEdgeClient, type SocketConstructor } from '@kite-edge/client';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import { type Platform, platform, uniqueEmail } from './platform.ts';

/**
 * The typed client against the real /v2/ws of the whole local platform
 * (`npm run dev`): what a user of the client sees when the server is the
 * real hub, including a network drop that the hub lets it resume.
 */
let stack: Platform;
let key: { id: string; secret: string };
let accessToken: string;
const NIFTY = 256265; // pinned by npm run dev, so it always has a latest tick

/** `ws`'s WebSocket, remembering each socket so a test can cut one as a network failure would. */
const sockets: WebSocket[] = [];
class RecordedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string[]) {
    super(url, protocols);
    sockets.push(this);
  }
}

beforeAll(async () => {
  stack = await platform();
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${stack.edgeUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const account = { email: uniqueEmail('client'), password: 'typed client test password' };
  expect((await post('/auth/register', account)).status).toBe(202);
  accessToken = ((await (await post('/auth/login', account)).json()) as { access_token: string }).access_token;
  key = (await (await post('/api-keys', { name: 'typed client test', scopes: ['read'] }, accessToken)).json()) as { id: string; secret: string };
}, 200_000);

function client(options: Partial<ConstructorParameters<typeof KiteEdgeClient>[0]> = {}): KiteEdgeClient {
  return new KiteEdgeClient({
    url: `${stack.edgeUrl.replace('http', 'ws')}/v2/ws`,
    credentials: { apiKey: key.id, secret: key.secret },
    WebSocket: RecordedWebSocket as unknown as SocketConstructor,
    reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
    ...options,
  });
}

function nextTicks(c: KiteEdgeClient, token: number, ms = 10_000): Promise<Tick> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no tick of ${token} within ${ms} ms`)), ms);
    const off = c.on('ticks', (ticks) => {
      const tick = ticks.find((t) => t.instrument_token === token);
      if (!tick) return;
      clearTimeout(timer);
      off();
      resolve(tick);
    });
  });
}

describe('the typed client on the whole platform', () => {
  it('subscribes by token and by name in its modes, gets ticks in them, a snapshot before the first live tick, and pings', async () => {
    const c = client();
    try {
      const open = await c.connect();
      expect(open).toMatchObject({ reconnected: false, resumed: false, limits: { instruments: 3000 } });
      const ack: Ack = await c.subscribe([NIFTY, 'NSE:NIFTY BANK'], 'full');
      expect(ack.rejected).toEqual([]);
      expect(ack.accepted.map((a) => a.mode)).toEqual(['full', 'full']);
      const bank = ack.accepted[1]?.instrument_token ?? 0;
      expect(await nextTicks(c, NIFTY)).toMatchObject({ mode: 'full', instrument_token: NIFTY });

      await c.setMode([NIFTY], 'ltp');
      expect(c.subscriptions.get(NIFTY)).toBe('ltp');
      await nextTicks(c, NIFTY); // a tick may have been on its way in the old mode
      expect(Object.keys(await nextTicks(c, NIFTY))).toEqual(['tradable', 'mode', 'instrument_token', 'last_price']);
      await c.unsubscribe(['NSE:NIFTY BANK']);
      expect([...c.subscriptions.keys()]).toEqual([NIFTY]);

      // NIFTY BANK has ticked by now, so subscribing again starts with its snapshot.
      const order: string[] = [];
      c.on('snapshot', (ticks) => ticks.some((t) => t.instrument_token === bank) && order.push('snapshot'));
      c.on('ticks', (ticks) => ticks.some((t) => t.instrument_token === bank) && order.push('ticks'));
      await c.subscribe([bank], 'quote');
      await nextTicks(c, bank);
      expect(order[0]).toBe('snapshot');

      const ping = await c.ping();
      expect(ping.rttMs).toBeGreaterThanOrEqual(0);
      expect(Math.abs(ping.clockOffsetMs)).toBeLessThan(1000); // one machine, one clock
    } finally {
      c.close();
    }
  });

  it('in binary format gets, as binary frames, the very ticks a JSON client gets, in each mode, and keeps the format across a resume', async () => {
    const json = client();
    const binary = client({ format: 'binary' });
    try {
      await json.connect();
      await binary.connect();
      const socket = sockets.at(-1) as WebSocket;
      let binaryFrames = 0;
      socket.on('message', (_data, isBinary) => (binaryFrames += isBinary ? 1 : 0));
      const infy = ((await (await fetch(`${stack.edgeUrl}/instruments/by-symbol/NSE/INFY`)).json()) as { instrument_token: number }).instrument_token;
      // Full-mode ticks carry their round's second: the same (token, second) is the same packet, which both must decode alike.
      const seen = (c: KiteEdgeClient) => {
        const ticks = new Map<string, Tick>();
        c.on('tick', (tick) => {
          if (tick.mode === 'full') ticks.set(`${tick.instrument_token}@${tick.exchange_timestamp}`, tick);
        });
        return ticks;
      };
      const fromJson = seen(json);
      const fromBinary = seen(binary);
      for (const c of [json, binary]) {
        expect((await c.subscribe([NIFTY, infy], 'full')).rejected).toEqual([]);
        expect((await c.subscribe(['NSE:NIFTY BANK'], 'quote')).rejected).toEqual([]);
      }
      const common = () => [...fromBinary.keys()].filter((k) => fromJson.has(k));
      await vi.waitFor(() => expect(new Set(common().map((k) => Number(k.split('@')[0])))).toEqual(new Set([NIFTY, infy])), { timeout: 20_000, interval: 100 });
      for (const k of common()) expect(fromBinary.get(k)).toEqual(fromJson.get(k));
      expect(binaryFrames).toBeGreaterThan(0);

      const bank = [...binary.subscriptions.entries()].find(([, mode]) => mode === 'quote')?.[0] ?? 0;
      const keysOf = async (c: KiteEdgeClient) => Object.keys(await nextTicks(c, bank));
      expect(await keysOf(binary)).toEqual(await keysOf(json));
      for (const c of [json, binary]) await c.setMode([bank], 'ltp');
      await nextTicks(binary, bank); // a tick may have been on its way in the old mode
      expect(await keysOf(binary)).toEqual(['tradable', 'mode', 'instrument_token', 'last_price']);

      const reopened = new Promise<ClientEvents['open']>((resolve) => binary.on('open', resolve));
      socket.terminate();
      expect(await reopened).toMatchObject({ resumed: true });
      const resumedSocket = sockets.at(-1) as WebSocket;
      const binaryAfter = new Promise<void>((resolve) => resumedSocket.on('message', (_data, isBinary) => isBinary && resolve()));
      expect((await nextTicks(binary, NIFTY)).mode).toBe('full');
      await binaryAfter;
    } finally {
      json.close();
      binary.close();
    }
  });

  it('gets its session back after a network drop, with its subscriptions and their modes', async () => {
    const c = client({ credentials: { accessToken }, credentialsIn: 'subprotocol' });
    try {
      const first = await c.connect();
      await c.subscribe([NIFTY], 'quote');
      await nextTicks(c, NIFTY);
      const reopened = new Promise<ClientEvents['open']>((resolve) => c.on('open', resolve));
      sockets.at(-1)?.terminate(); // no close frame: to the hub this is a lost network, not a goodbye
      const again = await reopened;
      expect(again).toMatchObject({ session: first.session, resumed: true, reconnected: true });
      expect((await nextTicks(c, NIFTY)).mode).toBe('quote');
      expect([...c.subscriptions]).toEqual([[NIFTY, 'quote']]);
    } finally {
      c.close();
    }
  });
});
