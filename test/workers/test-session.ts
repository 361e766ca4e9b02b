import { env } from 'cloudflare:workers';
import type { ServerMessage } from '../../contracts/client-protocol.ts';
import { type GroupedInstrument, instrumentGroup } from '../../contracts/instrument-group.ts';
import { DEPTH_LEVEL, FULL, PACKET, PACKET_LENGTH, QUOTE } from '../../contracts/kite-ticks/packet-layout.ts';
import { SESSION_HEADERS } from '../../contracts/session-handoff.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { fetchEdge } from './documented.ts';

/**
 * A client session as the workers tests play it: a WebSocket through the
 * worker's own /v2/ws or /kite/ws route, whose frames can be awaited in
 * order; and real instruments of the test registry with their group keys.
 */
export const EDGE = 'http://edge.test';

type Frame = ServerMessage | Uint8Array;

type FrameOf<T extends ServerMessage['type']> = T extends 'ack'
  ? Extract<ServerMessage, { type: 'ack'; accepted: unknown }>
  : Extract<ServerMessage, { type: T }>;

export class TestSession {
  readonly socket: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #frames: Frame[] = [];
  readonly #waiters: ((frame: Frame) => void)[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.accept();
    socket.addEventListener('message', (event) => {
      const frame: Frame = typeof event.data === 'string' ? (JSON.parse(event.data) as ServerMessage) : new Uint8Array(event.data as ArrayBuffer);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
    this.closed = new Promise((resolve) => socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
  }

  /** Opens a session; `query` carries the credential (`access_token=…`, or `api_key=…&access_token=…`). */
  static async open(path: '/v2/ws' | '/kite/ws', query: string, headers: Record<string, string> = {}): Promise<TestSession> {
    const response = await TestSession.request(path, query, headers);
    if (response.status !== 101 || !response.webSocket) throw new Error(`session refused: HTTP ${response.status} ${await response.text()}`);
    return new TestSession(response.webSocket);
  }

  static request(path: string, query: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetchEdge(`${EDGE}${path}?${query}`, { headers: { Upgrade: 'websocket', ...headers } });
  }

  /**
   * An upgrade handed straight to a hub, as a worker hands it over after
   * authenticating (edge/ws/routes.ts): how the tests play a worker that
   * reached its verdict from a cache, or mapped the user to another shard.
   */
  static toHub(hub: string, session: { user: string; key?: string; epoch?: number; expiresAt?: number }): Promise<Response> {
    const headers = new Headers({ Upgrade: 'websocket', [SESSION_HEADERS.user]: session.user, [SESSION_HEADERS.protocol]: 'v2' });
    if (session.key !== undefined) headers.set(SESSION_HEADERS.key, session.key);
    if (session.epoch !== undefined) headers.set(SESSION_HEADERS.epoch, String(session.epoch));
    if (session.expiresAt !== undefined) headers.set(SESSION_HEADERS.expires, String(session.expiresAt));
    return env.SESSION_HUB.getByName(hub).fetch(new Request(`${EDGE}/v2/ws`, { headers }));
  }

  static async openAtHub(hub: string, session: Parameters<typeof TestSession.toHub>[1]): Promise<TestSession> {
    const response = await TestSession.toHub(hub, session);
    if (response.status !== 101 || !response.webSocket) throw new Error(`session refused: HTTP ${response.status} ${await response.text()}`);
    return new TestSession(response.webSocket);
  }

  next(ms = 5_000): Promise<Frame> {
    const queued = this.#frames.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame within ${ms} ms`)), ms);
      this.#waiters.push((frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  /** The next JSON frame of one type, skipping others (heartbeats, status) on the way. */
  /** The next frame of `type` (an `ack`: of an instruments request; a chain request's is `nextChainAck`). */
  async nextOf<T extends ServerMessage['type']>(type: T, ms = 5_000): Promise<FrameOf<T>> {
    const until = Date.now() + ms;
    for (;;) {
      const frame = await this.next(Math.max(1, until - Date.now()));
      if (!(frame instanceof Uint8Array) && frame.type === type && (type !== 'ack' || 'accepted' in frame)) return frame as FrameOf<T>;
    }
  }

  /** The next ack of a chain request. */
  async nextChainAck(ms = 5_000): Promise<Extract<ServerMessage, { type: 'ack'; chains: number }>> {
    const until = Date.now() + ms;
    for (;;) {
      const frame = await this.next(Math.max(1, until - Date.now()));
      if (!(frame instanceof Uint8Array) && frame.type === 'ack' && 'chains' in frame) return frame;
    }
  }

  /** How the session closed, once it has, within `ms` (a close already sent only needs delivering). */
  closedWithin(ms: number): Promise<{ code: number; reason: string }> {
    return Promise.race([this.closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the session was still open ${ms} ms later`)), ms))]);
  }

  /** Frames that arrive within `ms` (none expected, usually). */
  async drain(ms: number): Promise<Frame[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.#frames.splice(0);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  close(): void {
    try {
      this.socket.close(1000, 'test done');
    } catch {
      // Already closed.
    }
  }
}

export type TestInstrument = { token: number; symbol: string; group: string; index: boolean };

/** Groups with fewer instruments than this are skipped, so the n-th group is the same whatever `count` a test asks for. */
const MIN_GROUP_SIZE = 8;

/** `count` active instruments of the test registry, all of the `nth` group of `segment` (a test of its own uses an n of its own). */
export async function instrumentsOfOneGroup(segment: string, count: number, nth = 0): Promise<TestInstrument[]> {
  const config = edgeConfig(env);
  const { rows } = await openDatabase(config.database, config.queryTimeoutMs).query<GroupedInstrument & { tradingsymbol: string }>(
    `SELECT instrument_token::float8 AS instrument_token, exchange, segment, instrument_type, name, tradingsymbol FROM instruments WHERE is_active AND segment = $1 ORDER BY instrument_token LIMIT 5000`,
    [segment],
  );
  const byGroup = new Map<string, TestInstrument[]>();
  for (const row of rows) {
    const group = instrumentGroup(row);
    const list = byGroup.get(group) ?? [];
    list.push({ token: row.instrument_token, symbol: `${row.exchange}:${row.tradingsymbol}`, group, index: row.segment === 'INDICES' });
    byGroup.set(group, list);
  }
  if (count > MIN_GROUP_SIZE) throw new RangeError(`at most ${MIN_GROUP_SIZE} instruments of one group`);
  const chosen = [...byGroup.values()].filter((list) => list.length >= MIN_GROUP_SIZE)[nth];
  if (!chosen) throw new Error(`the test registry has fewer than ${nth + 1} groups of ${MIN_GROUP_SIZE} ${segment} instruments`);
  return chosen.slice(0, count);
}

/** A Kite full packet with a price, a volume and a best bid: enough to tell ticks apart. */
export function fullPacket(token: number, price: number, volume = 1000): Uint8Array {
  const packet = new Uint8Array(PACKET_LENGTH.full);
  const view = new DataView(packet.buffer);
  view.setUint32(PACKET.token, token);
  view.setInt32(PACKET.lastPrice, Math.round(price * 100));
  view.setUint32(QUOTE.lastTradedQuantity, 5);
  view.setInt32(QUOTE.averageTradedPrice, Math.round(price * 100));
  view.setUint32(QUOTE.volumeTraded, volume);
  for (const at of [QUOTE.open, QUOTE.high, QUOTE.low, QUOTE.close]) view.setInt32(at, Math.round(price * 100));
  view.setUint32(FULL.lastTradeTime, 1_700_000_000);
  view.setUint32(FULL.exchangeTimestamp, 1_700_000_000);
  view.setUint32(FULL.buyDepth + DEPTH_LEVEL.quantity, 10); // best bid
  view.setInt32(FULL.buyDepth + DEPTH_LEVEL.price, Math.round((price - 0.05) * 100));
  view.setUint16(FULL.buyDepth + DEPTH_LEVEL.orders, 2);
  return packet;
}
