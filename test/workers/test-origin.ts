import { env } from 'cloudflare:workers';
import { DEPTH_LEVEL, FULL, PACKET, PACKET_LENGTH, priceDivisor, QUOTE } from '../../contracts/kite-ticks/packet-layout.ts';
import { FENCING_TOKEN_HEADER } from '../../contracts/origin-lease.ts';
import { encodeTickBatch, LINK_SUBPROTOCOL } from '../../contracts/origin-link.ts';
import { fetchEdge } from './documented.ts';

/**
 * The origin as the workers tests play it: link requests through the
 * worker's own routes (so auth, subprotocol and routing are exercised too),
 * a socket whose frames can be awaited in order, and made-up Kite packets.
 */
export const ORIGIN_SECRET = env.ORIGIN_LINK_SECRET ?? '';
export const EDGE = 'http://edge.test';

/** `fencingToken`: the token the link carries; by default the test origin's, which holds the lease (null: none). */
export type LinkRequestOptions = { secret?: string | null; protocol?: string | null; upgrade?: boolean; fencingToken?: number | null };

export const TEST_ORIGIN_ID = 'test-origin';
let heldToken: number | undefined;

/**
 * The lease's fencing token of the test origin, which takes the lease (or
 * renews it) as the real one does before it links, for a minute: each test
 * file starts with no objects (test/workers/fresh-objects.ts), so nobody
 * else holds it unless a test says so.
 */
export async function testOriginToken(): Promise<number> {
  const feed = env.FEED_CONTROL.getByName('feed');
  const renewed = heldToken === undefined ? undefined : await feed.lease({ origin_id: TEST_ORIGIN_ID, ttl_ms: 60_000, token: heldToken });
  const answer = renewed?.granted ? renewed : await feed.lease({ origin_id: TEST_ORIGIN_ID, ttl_ms: 60_000 });
  if (!answer.granted || answer.token === null) throw new Error(`the test origin could not take the lease: ${JSON.stringify(answer)}`);
  heldToken = answer.token;
  return answer.token;
}

/** A request to a link route, by default exactly as the origin makes it. */
export async function linkRequest(path: string, options: LinkRequestOptions = {}): Promise<Response> {
  const headers = new Headers();
  const token = options.fencingToken === undefined ? await testOriginToken() : options.fencingToken;
  if (token !== null) headers.set(FENCING_TOKEN_HEADER, String(token));
  if (options.upgrade !== false) headers.set('Upgrade', 'websocket');
  const secret = options.secret === undefined ? ORIGIN_SECRET : options.secret;
  if (secret !== null) headers.set('Authorization', `Bearer ${secret}`);
  const protocol = options.protocol === undefined ? LINK_SUBPROTOCOL : options.protocol;
  if (protocol !== null) headers.set('Sec-WebSocket-Protocol', protocol);
  return fetchEdge(`${EDGE}${path}`, { headers });
}

export class TestOrigin {
  readonly socket: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #frames: unknown[] = [];
  readonly #waiters: ((frame: unknown) => void)[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.accept();
    socket.addEventListener('message', (event) => {
      const frame = typeof event.data === 'string' ? JSON.parse(event.data) : event.data;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
    this.closed = new Promise((resolve) => socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
  }

  static async connect(path: string, options?: LinkRequestOptions): Promise<TestOrigin> {
    const response = await linkRequest(path, options);
    if (response.status !== 101 || !response.webSocket) throw new Error(`link refused: HTTP ${response.status} ${await response.text()}`);
    return new TestOrigin(response.webSocket);
  }

  /** The next frame the edge sent (JSON parsed), waiting up to `ms`. */
  next<T = Record<string, unknown>>(ms = 5_000): Promise<T> {
    const queued = this.#frames.shift();
    if (queued !== undefined) return Promise.resolve(queued as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame from the edge within ${ms} ms`)), ms);
      this.#waiters.push((frame) => {
        clearTimeout(timer);
        resolve(frame as T);
      });
    });
  }

  /** Frames received and not yet taken with next(). */
  get pending(): number {
    return this.#frames.length;
  }

  sendBatch(packets: Uint8Array[], receivedAt = Date.now()): void {
    this.socket.send(encodeTickBatch(receivedAt, packets));
  }

  sendJson(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  close(): void {
    try {
      this.socket.close(1000, 'test done');
    } catch {
      // Already closed.
    }
  }
}

/**
 * The origin's link to a group, and the demand the group last sent down it
 * (read as frames arrive). Like the real origin, it reports the feed on
 * connect (`live` unless told otherwise).
 */
export async function originOf(
  group: string,
  feed: { state: string; reason?: string } = { state: 'live' },
): Promise<{ origin: TestOrigin; demand: () => Record<string, string> }> {
  const origin = await TestOrigin.connect(`/origin/groups/${group}`);
  origin.sendJson({ type: 'feed', ...feed, at: Date.now() });
  let demand: Record<string, string> = {};
  void (async () => {
    for (;;) {
      const frame = await origin.next(60_000).catch(() => undefined);
      if (!frame) return;
      if (frame.type === 'demand') demand = frame.tokens as Record<string, string>;
    }
  })();
  return { origin, demand: () => demand };
}

/** A Kite LTP packet (8 bytes): uint32 token, int32 last price in paise. */
export function ltpPacket(token: number, price: number): Uint8Array {
  const packet = new Uint8Array(8);
  const view = new DataView(packet.buffer);
  view.setUint32(0, token);
  view.setInt32(4, Math.round(price * 100));
  return packet;
}

export type FullFields = {
  last: number;
  close?: number;
  bid?: number;
  ask?: number;
  volume?: number;
  oi?: number;
  /** The tick's exchange timestamp (ms; written in whole seconds as Kite does). */
  exchangeAt?: number;
  /** last_traded_quantity. */
  quantity?: number;
};

/** A Kite full packet (184 bytes) of a derivative with the fields an option chain reads; one depth level a side. */
export function fullPacket(token: number, fields: FullFields): Uint8Array {
  const packet = new Uint8Array(PACKET_LENGTH.full);
  const view = new DataView(packet.buffer);
  const price = (at: number, value: number) => view.setInt32(at, Math.round(value * priceDivisor(token)));
  view.setUint32(PACKET.token, token);
  price(PACKET.lastPrice, fields.last);
  view.setUint32(QUOTE.volumeTraded, fields.volume ?? 0);
  price(QUOTE.close, fields.close ?? 0);
  view.setUint32(FULL.oi, fields.oi ?? 0);
  view.setUint32(QUOTE.lastTradedQuantity, fields.quantity ?? 0);
  view.setUint32(FULL.exchangeTimestamp, Math.floor((fields.exchangeAt ?? 0) / 1000));
  for (const [from, value] of [
    [FULL.buyDepth, fields.bid],
    [FULL.sellDepth, fields.ask],
  ] as const) {
    if (value === undefined) continue;
    view.setUint32(from + DEPTH_LEVEL.quantity, 75);
    price(from + DEPTH_LEVEL.price, value);
    view.setUint16(from + DEPTH_LEVEL.orders, 1);
  }
  return packet;
}

export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
