import type { AddressInfo } from 'node:net';
import { type ClientEvents, KiteEdgeClient, KiteEdgeError } from '@kite-edge/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { binaryTickFrame } from '../../contracts/binary-tick-frame.ts';
import { CloseCode, DEFAULT_LIMITS, type ServerMessage } from '../../contracts/client-protocol.ts';
import { FULL, PACKET, PACKET_LENGTH, QUOTE } from '../../contracts/kite-ticks/packet-layout.ts';
import { tickJson } from '../../contracts/kite-ticks/tick-json.ts';

/**
 * The client's own logic, over a real socket: a local `ws` server that
 * only records what the client sends, and whose answers each test writes
 * out itself (this is not a stand-in for the hub: the protocol behaviour
 * is tested against the real stack). What is tested is what a user of
 * the client sees: which frames go out, which promise gets which answer,
 * what is asked again after a reconnect.
 */
type Sent = { connection: number; message: Record<string, unknown> & { action: string; id?: number; instruments?: unknown[]; mode?: string } };

class RecordingServer {
  readonly wss = new WebSocketServer({ port: 0 });
  readonly sent: Sent[] = [];
  readonly upgrades: { url: string; protocol: string | undefined }[] = [];
  readonly sockets: WebSocket[] = [];
  #waiters: (() => void)[] = [];

  constructor() {
    this.wss.on('connection', (socket, request) => {
      const connection = this.sockets.push(socket) - 1;
      this.upgrades.push({ url: request.url ?? '', protocol: request.headers['sec-websocket-protocol'] });
      socket.on('message', (data) => {
        this.sent.push({ connection, message: JSON.parse(String(data)) });
        for (const wake of this.#waiters.splice(0)) wake();
      });
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/v2/ws`;
  }

  /** Resolves once `ready()` holds, re-checked on every frame and connection. */
  async until<T>(ready: () => T | undefined, ms = 3000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = ready();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error('timed out waiting on the recording server');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
  }

  answer(connection: number, message: ServerMessage): void {
    this.sockets[connection]?.send(JSON.stringify(message));
  }

  welcome(connection: number, limits = DEFAULT_LIMITS, resumed?: { session: string; subscribed: number }, expiresAt: number | null = null): void {
    this.answer(connection, {
      type: 'welcome',
      session: resumed?.session ?? `s${connection}`,
      resumed: !!resumed,
      subscribed: resumed?.subscribed ?? 0,
      limits,
      server_time: Date.now(),
      expires_at: expiresAt,
    });
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

let server: RecordingServer;
let client: KiteEdgeClient | undefined;
const credentials = { apiKey: 'ak_0123456789abcdef', secret: `sk_${'a'.repeat(43)}` };
const quickReconnect = { initialDelayMs: 10, maxDelayMs: 20, jitter: 0 };

beforeEach(() => {
  server = new RecordingServer();
});
afterEach(async () => {
  client?.close();
  client = undefined;
  await server.close();
});

async function connected(options: Partial<ConstructorParameters<typeof KiteEdgeClient>[0]> = {}): Promise<KiteEdgeClient> {
  client = new KiteEdgeClient({ url: server.url, credentials, reconnect: quickReconnect, ...options });
  const opened = client.connect();
  await server.until(() => server.sockets.length === 1);
  server.welcome(0);
  await opened;
  return client;
}

describe('credentials on the upgrade', () => {
  it('puts an API key and its secret in the query, as Kite’s ticker URL does', async () => {
    await connected();
    const url = new URL(server.upgrades[0]?.url ?? '', 'http://x');
    expect(url.pathname).toBe('/v2/ws');
    expect(url.searchParams.get('api_key')).toBe(credentials.apiKey);
    expect(url.searchParams.get('access_token')).toBe(credentials.secret);
  });

  it('puts an access token in a bearer. subprotocol when asked, leaving the URL bare', async () => {
    await connected({ credentials: { accessToken: 'a.b.c' }, credentialsIn: 'subprotocol' });
    expect(server.upgrades[0]?.url).toBe('/v2/ws');
    expect(server.upgrades[0]?.protocol).toBe('kite-edge.v2, bearer.a.b.c');
  });

  it('asks a credentials function again before each connection', async () => {
    let calls = 0;
    await connected({ credentials: () => ({ accessToken: `t.${++calls}.x` }) });
    server.sockets[0]?.terminate();
    await server.until(() => server.upgrades.length === 2);
    expect(server.upgrades.map((u) => new URL(u.url, 'http://x').searchParams.get('access_token'))).toEqual(['t.1.x', 't.2.x']);
  });
});

describe('requests and their answers', () => {
  it('settles each request with the ack carrying its id, whatever the order of the answers', async () => {
    const c = await connected();
    const first = c.subscribe([408065], 'full');
    const second = c.subscribe(['NSE:INFY']);
    const [a, b] = await server.until(() => (server.sent.length >= 2 ? server.sent : undefined));
    expect(a?.message).toMatchObject({ action: 'subscribe', instruments: [408065], mode: 'full' });
    expect(b?.message).toMatchObject({ action: 'subscribe', instruments: ['NSE:INFY'], mode: 'quote' });
    expect(a?.message.id).not.toBe(b?.message.id);
    server.answer(0, {
      type: 'ack',
      id: b?.message.id,
      action: 'subscribe',
      accepted: [{ instrument: 'NSE:INFY', instrument_token: 408065, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'quote' }],
      rejected: [],
      subscribed: 1,
    });
    server.answer(0, {
      type: 'ack',
      id: a?.message.id,
      action: 'subscribe',
      accepted: [],
      rejected: [{ instrument: 408065, code: 'limit_reached', reason: 'full' }],
      subscribed: 1,
    });
    expect((await second).accepted).toEqual([{ instrument: 'NSE:INFY', instrument_token: 408065, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'quote' }]);
    expect((await first).rejected[0]?.code).toBe('limit_reached');
  });

  it('rejects the request an error frame names, and reports an error naming none as an event', async () => {
    const c = await connected();
    const errors: ClientEvents['error'][] = [];
    c.on('error', (e) => errors.push(e));
    const request = c.setMode([256265], 'ltp');
    const [sent] = await server.until(() => (server.sent.length ? server.sent : undefined));
    server.answer(0, { type: 'error', code: 'bad_json', message: 'not JSON' });
    server.answer(0, { type: 'error', id: sent?.message.id, code: 'rate_limited', message: 'slow down' });
    await expect(request).rejects.toMatchObject({ name: 'KiteEdgeError', code: 'rate_limited' });
    expect(errors).toEqual([{ type: 'error', code: 'bad_json', message: 'not JSON' }]);
  });

  it('sends requests made before the session began once the welcome arrives', async () => {
    client = new KiteEdgeClient({ url: server.url, credentials, reconnect: quickReconnect });
    const early = client.subscribe([1]);
    client.connect();
    await server.until(() => server.sockets.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.sent).toEqual([]);
    server.welcome(0);
    const [sent] = await server.until(() => (server.sent.length ? server.sent : undefined));
    server.answer(0, {
      type: 'ack',
      id: sent?.message.id,
      action: 'subscribe',
      accepted: [{ instrument: 1, instrument_token: 1, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'quote' }],
      rejected: [],
      subscribed: 1,
    });
    expect((await early).subscribed).toBe(1);
  });

  it('splits more than 1,000 instruments into several messages and answers them as one ack', async () => {
    const c = await connected();
    const tokens = Array.from({ length: 2500 }, (_, i) => i + 1);
    const request = c.subscribe(tokens, 'ltp');
    const sent = await server.until(() => (server.sent.length === 3 ? server.sent : undefined));
    expect(sent.map((s) => s.message.instruments?.length)).toEqual([1000, 1000, 500]);
    for (const [i, s] of sent.entries()) {
      const accepted = (s.message.instruments as number[]).map((t) => ({
        instrument: t,
        instrument_token: t,
        exchange: 'NSE',
        tradingsymbol: 'SYM',
        mode: 'ltp' as const,
      }));
      server.answer(0, { type: 'ack', id: s.message.id, action: 'subscribe', accepted, rejected: [], subscribed: (i + 1) * 1000 });
    }
    const ack = await request;
    expect(ack.accepted).toHaveLength(2500);
    expect(c.subscriptions.size).toBe(2500);
  });

  it('asks again for what the server could not look up (unavailable) and answers with the outcome of the retry', async () => {
    const c = await connected();
    const request = c.subscribe([1, 2, 'NSE:NOPE'], 'ltp');
    const [first] = await server.until(() => (server.sent.length === 1 ? server.sent : undefined));
    server.answer(0, {
      type: 'ack',
      id: first?.message.id,
      action: 'subscribe',
      accepted: [{ instrument: 1, instrument_token: 1, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'ltp' }],
      rejected: [
        { instrument: 2, code: 'unavailable', reason: 'the instrument registry is unavailable; try again' },
        { instrument: 'NSE:NOPE', code: 'unavailable', reason: 'the instrument registry is unavailable; try again' },
      ],
      subscribed: 1,
    });
    const second = (await server.until(() => (server.sent.length === 2 ? server.sent : undefined)))[1];
    expect(second?.message).toMatchObject({ action: 'subscribe', instruments: [2, 'NSE:NOPE'], mode: 'ltp' });
    server.answer(0, {
      type: 'ack',
      id: second?.message.id,
      action: 'subscribe',
      accepted: [{ instrument: 2, instrument_token: 2, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'ltp' }],
      rejected: [{ instrument: 'NSE:NOPE', code: 'unknown_instrument', reason: 'no active instrument has this token or symbol' }],
      subscribed: 2,
    });
    const ack = await request;
    expect(ack.accepted.map((a) => a.instrument)).toEqual([1, 2]);
    expect(ack.rejected).toEqual([{ instrument: 'NSE:NOPE', code: 'unknown_instrument', reason: 'no active instrument has this token or symbol' }]);
    expect(ack.subscribed).toBe(2);
    expect(c.subscriptions.size).toBe(2);
  });

  it('hands unavailable items to the caller once its retries are spent', async () => {
    const c = await connected({ unavailableRetries: 1 });
    const request = c.subscribe([7]);
    const unavailable = { instrument: 7, code: 'unavailable' as const, reason: 'the instrument registry is unavailable; try again' };
    for (let n = 1; n <= 2; n++) {
      const sent = (await server.until(() => (server.sent.length === n ? server.sent : undefined)))[n - 1];
      server.answer(0, { type: 'ack', id: sent?.message.id, action: 'subscribe', accepted: [], rejected: [unavailable], subscribed: 0 });
    }
    expect((await request).rejected).toEqual([unavailable]);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.sent).toHaveLength(2);
  });

  it('fails a request with timeout when no answer comes', async () => {
    const c = await connected({ requestTimeoutMs: 100 });
    await expect(c.unsubscribe([1])).rejects.toMatchObject({ code: 'timeout' });
  });

  it('paces control messages to the limit the welcome announced', async () => {
    client = new KiteEdgeClient({ url: server.url, credentials, reconnect: quickReconnect });
    const opened = client.connect();
    await server.until(() => server.sockets.length === 1);
    server.welcome(0, { ...DEFAULT_LIMITS, messages_per_second: 5 });
    await opened;
    for (let i = 1; i <= 8; i++) void client.subscribe([i]).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    expect(server.sent).toHaveLength(5);
    await server.until(() => server.sent.length === 8, 2000);
  });

  it('measures a ping’s round trip and the server clock’s offset', async () => {
    const c = await connected();
    const ping = c.ping();
    const [sent] = await server.until(() => (server.sent.length ? server.sent : undefined));
    expect(sent?.message.action).toBe('ping');
    server.answer(0, { type: 'pong', id: sent?.message.id, server_time: Date.now() + 60_000 });
    const result = await ping;
    expect(result.rttMs).toBeGreaterThanOrEqual(0);
    expect(result.rttMs).toBeLessThan(1000);
    expect(result.clockOffsetMs).toBeGreaterThan(59_000);
  });
});

describe('reconnecting', () => {
  it('subscribes again to exactly what the server had acknowledged, each mode in its own message, then replays what was unanswered', async () => {
    const c = await connected();
    const subscribe = c.subscribe([10, 20, 30, 'NSE:INFY'], 'full');
    const [s1] = await server.until(() => (server.sent.length ? server.sent : undefined));
    server.answer(0, {
      type: 'ack',
      id: s1?.message.id,
      action: 'subscribe',
      accepted: [10, 20, 30]
        .map((t) => ({ instrument: t, instrument_token: t, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'full' as const }))
        .concat([{ instrument: 'NSE:INFY' as never, instrument_token: 408065, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'full' }]),
      rejected: [],
      subscribed: 4,
    });
    await subscribe;
    const remode = c.setMode([20], 'ltp');
    const s2 = await server.until(() => server.sent[1]);
    server.answer(0, {
      type: 'ack',
      id: s2.message.id,
      action: 'mode',
      accepted: [{ instrument: 20, instrument_token: 20, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'ltp' }],
      rejected: [],
      subscribed: 4,
    });
    await remode;
    const drop = c.unsubscribe([30]);
    const s3 = await server.until(() => server.sent[2]);
    server.answer(0, {
      type: 'ack',
      id: s3.message.id,
      action: 'unsubscribe',
      accepted: [{ instrument: 30, instrument_token: 30, exchange: 'NSE', tradingsymbol: 'SYM' }],
      rejected: [],
      subscribed: 3,
    });
    await drop;
    const unanswered = c.subscribe([40], 'quote');
    await server.until(() => server.sent[3]);

    const events: string[] = [];
    c.on('close', (e) => events.push(`close ${e.code} ${e.reconnecting}`));
    c.on('reconnecting', (e) => events.push(`reconnecting ${e.attempt}`));
    c.on('open', (e) => events.push(`open ${e.reconnected}`));
    server.sockets[0]?.terminate();
    await server.until(() => server.sockets.length === 2);
    server.welcome(1);
    const again = await server.until(() => {
      const mine = server.sent.filter((s) => s.connection === 1);
      return mine.length === 3 ? mine : undefined;
    });
    expect(again.map((s) => s.message)).toEqual([
      { action: 'subscribe', instruments: [10, 408065], mode: 'full', id: expect.any(Number) },
      { action: 'subscribe', instruments: [20], mode: 'ltp', id: expect.any(Number) },
      { action: 'subscribe', instruments: [40], mode: 'quote', id: server.sent[3]?.message.id },
    ]);
    expect(events).toEqual(['close 1006 true', 'reconnecting 1', 'open true']);
    server.answer(1, {
      type: 'ack',
      id: again[2]?.message.id,
      action: 'subscribe',
      accepted: [{ instrument: 40, instrument_token: 40, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'quote' }],
      rejected: [],
      subscribed: 4,
    });
    expect((await unanswered).subscribed).toBe(4);
  });

  it('drops from the set what the new session refuses, and says so', async () => {
    const c = await connected();
    const subscribe = c.subscribe([1, 2]);
    const [s1] = await server.until(() => (server.sent.length ? server.sent : undefined));
    server.answer(0, {
      type: 'ack',
      id: s1?.message.id,
      action: 'subscribe',
      accepted: [1, 2].map((t) => ({ instrument: t, instrument_token: t, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'quote' as const })),
      rejected: [],
      subscribed: 2,
    });
    await subscribe;
    const resubscribed = new Promise<ClientEvents['resubscribed']>((resolve) => c.on('resubscribed', resolve));
    server.sockets[0]?.terminate();
    await server.until(() => server.sockets.length === 2);
    server.welcome(1);
    const s2 = await server.until(() => server.sent.find((s) => s.connection === 1));
    server.answer(1, {
      type: 'ack',
      id: s2.message.id,
      action: 'subscribe',
      accepted: [{ instrument: 1, instrument_token: 1, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'quote' }],
      rejected: [{ instrument: 2, code: 'unknown_instrument', reason: 'expired contract' }],
      subscribed: 1,
    });
    expect(await resubscribed).toEqual({ subscribed: 1, rejected: [{ instrument: 2, code: 'unknown_instrument', reason: 'expired contract' }] });
    expect([...c.subscriptions]).toEqual([[1, 'quote']]);
  });

  it('asks for the lost session back, and subscribes nothing again when the server kept it', async () => {
    const c = await connected();
    const subscribe = c.subscribe([1, 2], 'ltp');
    const [s1] = await server.until(() => (server.sent.length ? server.sent : undefined));
    server.answer(0, {
      type: 'ack',
      id: s1?.message.id,
      action: 'subscribe',
      accepted: [1, 2].map((t) => ({ instrument: t, instrument_token: t, exchange: 'NSE', tradingsymbol: 'SYM', mode: 'ltp' as const })),
      rejected: [],
      subscribed: 2,
    });
    await subscribe;
    const opened = new Promise<ClientEvents['open']>((resolve) => c.on('open', resolve));
    server.sockets[0]?.terminate();
    await server.until(() => server.sockets.length === 2);
    expect(new URL(server.upgrades[1]?.url ?? '', 'http://x').searchParams.get('resume')).toBe('s0');
    server.welcome(1, DEFAULT_LIMITS, { session: 's0', subscribed: 2 });
    expect(await opened).toMatchObject({ session: 's0', resumed: true, reconnected: true });
    // A ping is answered in order after anything sent before it: by then a resubscribe would have shown.
    const ping = c.ping();
    const sent = await server.until(() => server.sent.find((s) => s.connection === 1 && s.message.action === 'ping'));
    server.answer(1, { type: 'pong', id: sent.message.id, server_time: Date.now() });
    await ping;
    expect(server.sent.filter((s) => s.connection === 1).map((s) => s.message.action)).toEqual(['ping']);
  });

  it('starts afresh after close(): connect() does not ask for the old session', async () => {
    const c = await connected();
    c.close();
    const opened = c.connect();
    await server.until(() => server.sockets.length === 2);
    expect(new URL(server.upgrades[1]?.url ?? '', 'http://x').searchParams.has('resume')).toBe(false);
    server.welcome(1);
    expect((await opened).reconnected).toBe(true);
  });

  it('stays closed after a close code that a retry cannot fix, failing what waits', async () => {
    const c = await connected();
    const waiting = c.subscribe([1]);
    await server.until(() => server.sent[0]);
    const closed = new Promise<ClientEvents['close']>((resolve) => c.on('close', resolve));
    server.sockets[0]?.close(CloseCode.PROTOCOL_ABUSE, '20 malformed messages in a row');
    expect(await closed).toEqual({ code: 4002, reason: '20 malformed messages in a row', reconnecting: false });
    await expect(waiting).rejects.toBeInstanceOf(KiteEdgeError);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.sockets).toHaveLength(1);
    expect(c.state).toBe('closed');
  });

  it('stays closed when the server ends the session for a credential that stopped being valid (4003)', async () => {
    const c = await connected();
    const closed = new Promise<ClientEvents['close']>((resolve) => c.on('close', resolve));
    server.sockets[0]?.close(CloseCode.CREDENTIAL_ENDED, 'API key ak_0123456789abcdef was revoked');
    expect(await closed).toEqual({ code: 4003, reason: 'API key ak_0123456789abcdef was revoked', reconnecting: false });
    await new Promise((r) => setTimeout(r, 100));
    expect(server.sockets).toHaveLength(1);
    expect(c.state).toBe('closed');
  });

  it('replaces a connection that goes silent', async () => {
    const c = await connected({ idleTimeoutMs: 300 });
    const ping = await server.until(() => server.sent.find((s) => s.message.action === 'ping'));
    expect(ping.connection).toBe(0);
    await server.until(() => server.sockets.length === 2);
    expect(c.state).toBe('reconnecting');
  });

  it('passes ticks, snapshots and feed status to listeners', async () => {
    const c = await connected();
    const seen: string[] = [];
    c.on('snapshot', (t) => seen.push(`snapshot ${t.length}`));
    c.on('ticks', (t) => seen.push(`ticks ${t.length}`));
    c.on('tick', (t) => seen.push(`tick ${t.instrument_token}`));
    c.on('status', (s) => seen.push(`status ${s.group} ${s.state}`));
    const tick = (token: number) => ({ tradable: true, mode: 'ltp' as const, instrument_token: token, last_price: 1 });
    server.answer(0, { type: 'snapshot', ticks: [tick(1)] });
    server.answer(0, { type: 'ticks', ticks: [tick(1), tick(2)] });
    server.answer(0, { type: 'status', group: 'NSE:EQ', state: 'stale', reason: 'origin away', instruments: [1, 2] });
    await server.until(() => seen.length === 6 || undefined);
    expect(seen).toEqual(['snapshot 1', 'tick 1', 'ticks 2', 'tick 1', 'tick 2', 'status NSE:EQ stale']);
    expect(c.feedStatus.get('NSE:EQ')?.state).toBe('stale');
  });
});

describe('binary ticks (format: binary)', () => {
  /** A Kite packet of `length` bytes for `token` at `price` (a quote or full one with a volume and an open interest too). */
  function packet(token: number, price: number, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    const view = new DataView(bytes.buffer);
    view.setUint32(PACKET.token, token);
    view.setInt32(PACKET.lastPrice, Math.round(price * 100));
    if (length >= PACKET_LENGTH.quote) {
      view.setUint32(QUOTE.volumeTraded, 12_345);
      view.setInt32(QUOTE.close, Math.round((price - 1) * 100));
    }
    if (length === PACKET_LENGTH.full) view.setUint32(FULL.oi, 678);
    return bytes;
  }

  it('asks for format=binary and gives the same ticks for a binary frame as for the JSON frame of the same packets', async () => {
    const c = await connected({ format: 'binary' });
    expect(new URL(server.upgrades[0]?.url ?? '', 'http://x').searchParams.get('format')).toBe('binary');
    const seen: { event: string; ticks: unknown }[] = [];
    c.on('snapshot', (ticks) => seen.push({ event: 'snapshot', ticks }));
    c.on('ticks', (ticks) => seen.push({ event: 'ticks', ticks }));
    c.on('tick', (tick) => seen.push({ event: 'tick', ticks: tick }));
    const packets = [packet(408065, 1520.5, PACKET_LENGTH.ltp), packet(408321, 99.95, PACKET_LENGTH.quote), packet(12_345_602, 250.05, PACKET_LENGTH.full)];
    const asJson = JSON.parse(`[${packets.map((p) => tickJson(p)).join(',')}]`);
    server.sockets[0]?.send(binaryTickFrame('snapshot', packets.slice(0, 1)));
    server.sockets[0]?.send(binaryTickFrame('ticks', packets));
    await server.until(() => seen.length === 6 || undefined);
    expect(seen).toEqual([
      { event: 'snapshot', ticks: asJson.slice(0, 1) },
      { event: 'tick', ticks: asJson[0] },
      { event: 'ticks', ticks: asJson },
      ...asJson.map((tick: unknown) => ({ event: 'tick', ticks: tick })),
    ]);
    expect(asJson[2]).toMatchObject({ mode: 'full', last_price: 250.05, volume_traded: 12_345, oi: 678 });
  });

  it('reports a binary frame it cannot read as an error event, and keeps the session', async () => {
    const c = await connected({ format: 'binary' });
    const errors: string[] = [];
    c.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    server.sockets[0]?.send(new Uint8Array([9, 0, 0]));
    await server.until(() => errors.length === 1 || undefined);
    expect(errors).toEqual(['bad_message: a binary frame the client could not read: frame type 9 is neither ticks (1) nor snapshot (2)']);
    const pong = c.ping();
    const ping = await server.until(() => server.sent.find((s) => s.message.action === 'ping'));
    server.answer(0, { type: 'pong', id: ping.message.id as number, server_time: Date.now() });
    await pong;
    expect(c.state).toBe('open');
  });

  it('leaves format out of the URL by default', async () => {
    await connected();
    expect(new URL(server.upgrades[0]?.url ?? '', 'http://x').searchParams.has('format')).toBe(false);
  });
});

describe('access tokens that expire', () => {
  /** A client whose credentials function hands out `t1`, `t2`, …: one per call. */
  async function withTokenFunction(expiresInMs: number) {
    let calls = 0;
    client = new KiteEdgeClient({ url: server.url, credentials: () => ({ accessToken: `t${++calls}` }), reconnect: quickReconnect });
    const opened = client.connect();
    await server.until(() => server.sockets.length === 1);
    server.welcome(0, DEFAULT_LIMITS, undefined, Date.now() + expiresInMs);
    await opened;
    return client;
  }

  it('renews the session before its token expires with the credentials function’s next token, and again after that', async () => {
    await withTokenFunction(400);
    const first = await server.until(() => server.sent.find((s) => s.message.action === 'reauth'));
    expect(first).toMatchObject({ connection: 0, message: { action: 'reauth', access_token: 't2' } });
    server.answer(0, { type: 'reauthed', id: first.message.id, expires_at: Date.now() + 400 });
    const second = await server.until(() => server.sent.filter((s) => s.message.action === 'reauth')[1]);
    expect(second.message.access_token).toBe('t3');
    expect(server.sockets).toHaveLength(1);
  });

  it('reports a refused renewal as an error event and keeps the session until the server ends it', async () => {
    const c = await withTokenFunction(200);
    const errors: string[] = [];
    c.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
    const reauth = await server.until(() => server.sent.find((s) => s.message.action === 'reauth'));
    server.answer(0, { type: 'error', id: reauth.message.id, code: 'reauth_refused', message: 'the database is unavailable' });
    await server.until(() => errors.length === 1 || undefined);
    expect(errors).toEqual(['reauth_refused: the database is unavailable']);
    expect(c.state).toBe('open');
  });

  it('reconnects with a fresh token when the server closes an expired session (4001), acting on its closing frame', async () => {
    const c = await withTokenFunction(60_000);
    const closes: ClientEvents['close'][] = [];
    c.on('close', (e) => closes.push(e));
    // The closing frame alone: a runtime may hold the transport open well after the close frame (docs/websocket.md).
    server.answer(0, { type: 'error', code: 'closing', message: 'access token expired', close_code: CloseCode.ACCESS_TOKEN_EXPIRED });
    await server.until(() => server.sockets.length === 2);
    expect(closes).toEqual([{ code: 4001, reason: 'access token expired', reconnecting: true }]);
    expect(new URL(server.upgrades[1]?.url ?? '', 'http://x').searchParams.get('access_token')).toBe('t2');
  });

  it('stays closed after 4001 when its credentials are fixed: the same token would be refused', async () => {
    const c = await connected({ credentials: { accessToken: 'fixed' } });
    const closed = new Promise<ClientEvents['close']>((resolve) => c.on('close', resolve));
    server.sockets[0]?.close(CloseCode.ACCESS_TOKEN_EXPIRED, 'access token expired');
    expect(await closed).toEqual({ code: 4001, reason: 'access token expired', reconnecting: false });
    expect(c.state).toBe('closed');
  });

  it('ends at once on a closing frame for a revoked credential (4003), without waiting for the transport', async () => {
    const c = await connected();
    const closed = new Promise<ClientEvents['close']>((resolve) => c.on('close', resolve));
    server.answer(0, { type: 'error', code: 'closing', message: 'API key ak_0123456789abcdef was revoked', close_code: CloseCode.CREDENTIAL_ENDED });
    expect(await closed).toEqual({ code: 4003, reason: 'API key ak_0123456789abcdef was revoked', reconnecting: false });
    expect(c.state).toBe('closed');
  });
});

describe('option chains', () => {
  const row = (strike: number, last: number) => ({ strike, CE: { ...option, last_price: last }, PE: null });
  const option = {
    instrument_token: 1,
    tradingsymbol: 'NIFTY26JAN26000CE',
    last_price: 100,
    change: null,
    bid: null,
    ask: null,
    volume: null,
    oi: null,
    oi_change: null,
    iv: null,
    delta: null,
    gamma: null,
    theta: null,
    vega: null,
  };
  const chain = {
    name: 'NIFTY',
    expiry: '2026-01-27',
    as_of: '2026-01-05T04:30:00.000Z',
    spot: null,
    future: null,
    forward: 26_000,
    forward_source: 'parity' as const,
    time_to_expiry_years: 0.06,
    rate: 0.065,
    atm_strike: 26_000,
    atm_iv: null,
    pcr_oi: null,
    pcr_volume: null,
    max_pain: null,
    basis: null,
    basis_annualised: null,
    total_call_oi: 0,
    total_put_oi: 0,
    risk_reversal_25d: null,
    oi_change_basis: 'first_seen_today' as const,
    strikes: [row(25_900, 150), row(26_000, 100)],
  };

  it('keeps the chain by applying its updates, and subscribes it again on a new session', async () => {
    const c = await connected();
    const events: string[] = [];
    c.on('chain', ({ window }) => events.push(`chain ${window}`));
    c.on('chain_update', ({ chain: now }) => events.push(`update ${now.strikes.map((r) => r.CE?.last_price).join('/')}`));
    const subscribing = c.subscribeChain('NIFTY', '2026-01-27', { strikes: 1 });
    const [sent] = await server.until(() => (server.sent.length ? server.sent : undefined));
    expect(sent?.message).toMatchObject({ action: 'subscribe_chain', name: 'NIFTY', expiry: '2026-01-27', strikes: 1 });
    server.answer(0, { type: 'ack', id: sent?.message.id, action: 'subscribe_chain', name: 'NIFTY', expiry: '2026-01-27', strikes: 1, chains: 1 });
    expect(await subscribing).toMatchObject({ chains: 1 });
    server.answer(0, { type: 'chain', window: 1, ...chain });
    server.answer(0, {
      type: 'chain_update',
      window: 1,
      name: 'NIFTY',
      expiry: '2026-01-27',
      as_of: '2026-01-05T04:30:01.000Z',
      summary: { forward: 26_010 },
      rows: [row(26_000, 104)],
      removed: [25_900],
    });
    await server.until(() => (events.length === 2 ? true : undefined));
    expect(events).toEqual(['chain 1', 'update 104']);
    expect(c.chainOf('NIFTY', '2026-01-27', { strikes: 1 })).toMatchObject({ forward: 26_010, as_of: '2026-01-05T04:30:01.000Z', strikes: [row(26_000, 104)] });

    server.sockets[0]?.terminate();
    await server.until(() => server.sockets.length === 2);
    server.welcome(1);
    const again = await server.until(() => server.sent.find((s) => s.connection === 1 && s.message.action === 'subscribe_chain'));
    expect(again.message).toMatchObject({ name: 'NIFTY', expiry: '2026-01-27', strikes: 1 });
    expect(c.chainOf('NIFTY', '2026-01-27', { strikes: 1 })).toBeUndefined();
  });
});
