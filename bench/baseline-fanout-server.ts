import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { type Accepted, ClientMessage, type ClientMode, DEFAULT_LIMITS, type Rejected, type ServerMessage } from '../contracts/client-protocol.ts';
import { decodeFrame } from '../contracts/kite-ticks/decode.ts';
import { hasDepth, type Tick } from '../contracts/kite-ticks/tick.ts';
import { zodMessage } from '../contracts/zod-problem.ts';

/**
 * The fan-out bench's baseline (bench/fanout.ts): what one plain Node
 * process with `ws` does in place of the whole edge. It holds its own Kite
 * connections to the simulator (one per 3000 instruments, full mode),
 * decodes each frame once with the platform's decoder, and sends every
 * session the ticks it asked for, in its modes, as one `ticks` frame per
 * session per Kite frame: the frame shape of /v2/ws.
 *
 * It speaks just enough of the v2 protocol for the bench's load generator
 * to drive it and the edge with the same code: welcome, subscribe /
 * unsubscribe / mode by token with acks, snapshots, ping. No credentials,
 * no symbols, no feed status, and a session that falls behind by more than
 * MAX_BUFFERED_BYTES simply misses frames (counted) rather than being
 * merged or closed.
 */
export type BaselineOptions = {
  /** 0: any free port. */
  port: number;
  /** The simulator's ticker, `ws://host:port/ws`. */
  tickerRoot: string;
  apiKey: string;
  accessToken: string;
  /** Streamed from the start whether or not a session wants them (the edge's pinned instruments). */
  streamAlways: number[];
};

export type BaselineStats = { kiteFrames: number; kiteTicks: number; frames: number; ticks: number; skippedFrames: number; sessions: number };

const PER_CONNECTION = 3000;
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** The baseline knows instruments by token only: its acks name no symbol. */
const UNNAMED = { exchange: '', tradingsymbol: '' };

type Session = { id: string; ws: WebSocket; modes: Map<number, ClientMode> };

export async function startBaselineFanoutServer(options: BaselineOptions): Promise<{ port: number; stats(): BaselineStats; close(): Promise<void> }> {
  const stats: BaselineStats = { kiteFrames: 0, kiteTicks: 0, frames: 0, ticks: 0, skippedFrames: 0, sessions: 0 };
  const holders = new Map<number, Map<Session, ClientMode>>();
  const latest = new Map<number, Tick>();
  const feed = new KiteFeed(options, (frame) => fanOut(frame));
  let nextSession = 1;

  function fanOut(frame: Buffer): void {
    const ticks = decodeFrame(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    stats.kiteFrames++;
    stats.kiteTicks += ticks.length;
    const batches = new Map<Session, string[]>();
    for (const tick of ticks) {
      latest.set(tick.instrument_token, tick);
      const sessions = holders.get(tick.instrument_token);
      if (!sessions) continue;
      // Each mode's JSON is made once per tick, whatever the number of sessions holding it.
      const json: Partial<Record<ClientMode, string>> = {};
      for (const [session, mode] of sessions) {
        let text = json[mode];
        if (text === undefined) {
          text = JSON.stringify(inMode(tick, mode));
          json[mode] = text;
        }
        let batch = batches.get(session);
        if (!batch) {
          batch = [];
          batches.set(session, batch);
        }
        batch.push(text);
      }
    }
    for (const [session, batch] of batches) {
      if (session.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        stats.skippedFrames++;
        continue;
      }
      session.ws.send(`{"type":"ticks","ticks":[${batch.join(',')}]}`);
      stats.frames++;
      stats.ticks += batch.length;
    }
  }

  const wss = new WebSocketServer({ port: options.port, host: '127.0.0.1', perMessageDeflate: false, maxPayload: DEFAULT_LIMITS.max_frame_bytes });
  wss.on('connection', (ws) => {
    const session: Session = { id: `b${nextSession++}`, ws, modes: new Map() };
    stats.sessions++;
    send(ws, { type: 'welcome', session: session.id, resumed: false, subscribed: 0, limits: DEFAULT_LIMITS, server_time: Date.now(), expires_at: null });
    ws.on('message', (data, isBinary) => onMessage(session, data, isBinary));
    ws.on('close', () => {
      stats.sessions--;
      for (const token of session.modes.keys()) holders.get(token)?.delete(session);
    });
    ws.on('error', () => ws.terminate());
  });

  function onMessage(session: Session, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      send(session.ws, { type: 'error', code: 'binary_not_supported', message: 'send JSON text frames' });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      send(session.ws, { type: 'error', code: 'bad_json', message: 'the frame is not JSON' });
      return;
    }
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown } | null)?.id;
      send(session.ws, {
        type: 'error',
        ...(typeof id === 'number' || typeof id === 'string' ? { id } : {}),
        code: 'bad_message',
        message: zodMessage(parsed.error, 'bad message'),
      });
      return;
    }
    const message = parsed.data;
    if (message.action === 'ping') {
      send(session.ws, { type: 'pong', id: message.id, server_time: Date.now() });
      return;
    }
    if (message.action === 'reauth') {
      send(session.ws, { type: 'error', id: message.id, code: 'reauth_refused', message: 'the baseline has no credentials to renew' });
      return;
    }
    if (message.action === 'subscribe_chain' || message.action === 'unsubscribe_chain') {
      send(session.ws, { type: 'error', id: message.id, code: 'chain_refused', message: 'the baseline computes no option chains' });
      return;
    }
    if (message.action === 'subscribe_candles' || message.action === 'unsubscribe_candles') {
      send(session.ws, { type: 'error', id: message.id, code: 'unavailable', message: 'the baseline builds no candles' });
      return;
    }
    const accepted: Accepted[] = [];
    const rejected: Rejected[] = [];
    const added: number[] = [];
    for (const instrument of message.instruments) {
      if (typeof instrument !== 'number' || !Number.isInteger(instrument) || instrument <= 0) {
        rejected.push({ instrument, code: 'unknown_instrument', reason: 'the baseline knows instruments by token only' });
        continue;
      }
      const held = session.modes.has(instrument);
      if (message.action === 'unsubscribe') {
        if (!held) rejected.push({ instrument, code: 'not_subscribed', reason: 'not subscribed' });
        else {
          session.modes.delete(instrument);
          holders.get(instrument)?.delete(session);
          accepted.push({ instrument, instrument_token: instrument, ...UNNAMED });
        }
        continue;
      }
      if (message.action === 'mode' && !held) {
        rejected.push({ instrument, code: 'not_subscribed', reason: 'not subscribed' });
        continue;
      }
      if (!held && session.modes.size >= DEFAULT_LIMITS.instruments) {
        rejected.push({ instrument, code: 'limit_reached', reason: `a session holds at most ${DEFAULT_LIMITS.instruments} instruments` });
        continue;
      }
      session.modes.set(instrument, message.mode);
      let sessions = holders.get(instrument);
      if (!sessions) {
        sessions = new Map();
        holders.set(instrument, sessions);
      }
      sessions.set(session, message.mode);
      accepted.push({ instrument, instrument_token: instrument, ...UNNAMED, mode: message.mode });
      if (!held) added.push(instrument);
    }
    feed.want(added);
    send(session.ws, { type: 'ack', id: message.id, action: message.action, accepted, rejected, subscribed: session.modes.size });
    const snapshot = added.flatMap((token) => {
      const tick = latest.get(token);
      return tick ? [inMode(tick, session.modes.get(token) ?? 'quote')] : [];
    });
    if (snapshot.length > 0) send(session.ws, { type: 'snapshot', ticks: snapshot });
  }

  await new Promise<void>((resolve) => wss.once('listening', resolve));
  feed.want(options.streamAlways);
  return {
    port: (wss.address() as AddressInfo).port,
    stats: () => ({ ...stats }),
    close: async () => {
      feed.close();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

function send(ws: WebSocket, message: ServerMessage): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

/** A full tick cut down to what a session asked for (ticks arrive in full mode, the richest). */
export function inMode(tick: Tick, mode: ClientMode): Tick {
  if (mode === tick.mode || mode === 'full') return tick;
  if (mode === 'ltp') return { tradable: tick.tradable, mode: 'ltp', instrument_token: tick.instrument_token, last_price: tick.last_price };
  if (hasDepth(tick)) {
    const { last_trade_time: _t, exchange_timestamp: _e, oi: _o, oi_day_high: _h, oi_day_low: _l, depth: _d, ...quote } = tick;
    return { ...quote, mode: 'quote' };
  }
  if ('exchange_timestamp' in tick) {
    const { exchange_timestamp: _e, ...quote } = tick;
    return { ...quote, mode: 'quote' };
  }
  return tick;
}

/**
 * The baseline's Kite connections: every token wanted goes, once and for
 * good, to the first connection with room (a new one when all are full),
 * subscribed in full mode so any session's mode can be cut from it.
 */
class KiteFeed {
  readonly #options: BaselineOptions;
  readonly #onFrame: (frame: Buffer) => void;
  readonly #connections: { ws: WebSocket; tokens: Set<number>; ready: Promise<void> }[] = [];
  readonly #streamed = new Set<number>();

  constructor(options: BaselineOptions, onFrame: (frame: Buffer) => void) {
    this.#options = options;
    this.#onFrame = onFrame;
  }

  want(tokens: number[]): void {
    const fresh = tokens.filter((t) => !this.#streamed.has(t));
    for (let i = 0; i < fresh.length; ) {
      let connection = this.#connections.find((c) => c.tokens.size < PER_CONNECTION);
      if (!connection) {
        connection = this.#open();
        this.#connections.push(connection);
      }
      const batch = fresh.slice(i, i + PER_CONNECTION - connection.tokens.size);
      i += batch.length;
      for (const token of batch) {
        connection.tokens.add(token);
        this.#streamed.add(token);
      }
      const { ws } = connection;
      void connection.ready.then(() => {
        ws.send(JSON.stringify({ a: 'subscribe', v: batch }));
        ws.send(JSON.stringify({ a: 'mode', v: ['full', batch] }));
      });
    }
  }

  #open(): { ws: WebSocket; tokens: Set<number>; ready: Promise<void> } {
    const ws = new WebSocket(`${this.#options.tickerRoot}?api_key=${this.#options.apiKey}&access_token=${this.#options.accessToken}`, {
      perMessageDeflate: false,
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary && data.length > 1) this.#onFrame(data);
    });
    // A bench run is short: a lost Kite connection fails it loudly rather than being redialled.
    ws.on('close', (code) => {
      if (this.#connections.some((c) => c.ws === ws)) throw new Error(`the baseline's Kite connection closed (${code})`);
    });
    const ready = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { ws, tokens: new Set(), ready };
  }

  close(): void {
    const connections = this.#connections.splice(0);
    for (const c of connections) c.ws.terminate();
  }
}

// Run by bench/fanout.ts as a child process: options in, port out, over IPC.
if (process.argv[1] === import.meta.filename && process.send) {
  process.once('message', (options: BaselineOptions) => {
    void startBaselineFanoutServer(options).then((server) => {
      process.send?.({ type: 'listening', port: server.port });
      process.on('message', (message: { type: string }) => {
        if (message.type === 'stats') process.send?.({ type: 'stats', stats: server.stats() });
        if (message.type === 'heap') {
          // Twice, as the worker's inspector is asked: what is live, not garbage not yet collected (bench/fanout.ts forks it with --expose-gc).
          globalThis.gc?.();
          globalThis.gc?.();
          process.send?.({ type: 'heap', bytes: process.memoryUsage().heapUsed });
        }
      });
    });
  });
}
