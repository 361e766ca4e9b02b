import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { zodMessage } from '../contracts/zod-problem.ts';
import { encodeFrame, type FrameEntry, HEARTBEAT, type TickMode } from './packets.ts';
import type { Quote } from './quote.ts';
import type { SendLog } from './send-log.ts';
import type { Sessions } from './sessions.ts';
import type { Universe } from './universe-types.ts';

/**
 * Kite's ticker WebSocket (`ws://host:port/ws?api_key=…&access_token=…`):
 * query-string auth (403 on the upgrade when wrong or expired), JSON control
 * messages, binary tick frames once per round with every subscribed
 * instrument, a 1-byte heartbeat each second while a connection has nothing
 * to stream, and text frames `{"type": "error" | "message", "data": …}`.
 */
export type TickSource = { trade(token: number, nowMs: number): Quote };

export type TickerOptions = {
  sessions: Sessions;
  universe: Universe;
  market: TickSource;
  ticksPerSecond: number;
  maxInstrumentsPerConnection: number;
  maxConnectionsPerKey: number;
  /** Cut a connection that answers no ping for this long; 0: never ping. */
  pongTimeoutMs?: number;
  log?: (line: string) => void;
  /** Where each tick frame's send time goes (SIM_SEND_TIMES=1); unset: not recorded. */
  sendLog?: SendLog;
};

/** Switches for tests and demos (docs/kite-simulator.md, "Fault controls"). */
export type TickerFaults = {
  /** Send nothing at all, heartbeats included, without closing: a dead socket that looks alive. */
  silent: boolean;
  /** Delay every frame by this much. */
  slowMs: number;
  /** Refuse new connections with HTTP 503. */
  refuseNew: boolean;
};

type Subscription = { mode: TickMode; count: number };

type Connection = {
  /** Numbers connections for the send log. */
  id: number;
  ws: WebSocket;
  apiKey: string;
  subscriptions: Map<number, Subscription>;
  /** Tokens requested so far, duplicates included: Kite counts them against the limit. */
  requested: number;
  lastSentAt: number;
  /** When the client last answered a ping (or connected). */
  lastPongAt: number;
};

/**
 * With SIM_PONG_TIMEOUT_MS set, every connection is pinged each
 * PING_INTERVAL_MS, and one that has answered none for that long is cut,
 * freeing its slot of the API key's three. A hung client process (SIGSTOP)
 * keeps its TCP connection open and would otherwise hold the slot for good,
 * so that the origin taking over from it could not connect (`npm run dev`
 * sets it when it runs a standby origin). Off by default: a client stalled
 * by its own garbage collector or a starved CPU keeps its connection, as the
 * origin's own watchdog test needs. Kite documents no such timeout: in
 * production, a hung origin's sockets hold their slots until Kite drops
 * them (docs/origin.md).
 */
const PING_INTERVAL_MS = 500;

/** How many ticker connections each API key holds, and the most it held at once since the last reset. */
export type ConnectionFigures = { open: Record<string, number>; max_concurrent: Record<string, number>; since: string };

const MODES = ['ltp', 'quote', 'full'] as const;
const Tokens = z.array(z.number().int().nonnegative());
const ControlMessage = z.discriminatedUnion('a', [
  z.object({ a: z.literal('subscribe'), v: Tokens }),
  z.object({ a: z.literal('unsubscribe'), v: Tokens }),
  z.object({ a: z.literal('mode'), v: z.tuple([z.enum(MODES), Tokens]) }),
]);

/** A slow reader is conflated: rounds are skipped while this much is unsent. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export class TickerServer {
  readonly faults: TickerFaults = { silent: false, slowMs: 0, refuseNew: false };
  readonly #options: TickerOptions;
  // 3000 tokens as JSON are ~30 KB; anything near 1 MB is not a control message (closed with 1009).
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  readonly #connections = new Set<Connection>();
  readonly #timers: NodeJS.Timeout[];
  readonly #log: (line: string) => void;
  #nextConnectionId = 1;
  #maxConcurrent = new Map<string, number>();
  #maxSince = Date.now();

  constructor(options: TickerOptions) {
    this.#options = options;
    this.#log = options.log ?? (() => {});
    const pongTimeoutMs = options.pongTimeoutMs ?? 0;
    this.#timers = [
      setInterval(() => this.#round(), Math.max(20, Math.round(1000 / options.ticksPerSecond))),
      // Independent of the tick rate: at under one tick a second, heartbeats fill the gaps.
      setInterval(() => this.#heartbeats(), 250),
      ...(pongTimeoutMs > 0 ? [setInterval(() => this.#liveness(pongTimeoutMs), PING_INTERVAL_MS)] : []),
    ];
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://sim');
    const apiKey = url.searchParams.get('api_key') ?? '';
    const accessToken = url.searchParams.get('access_token') ?? '';
    if (this.faults.refuseNew) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    if (!this.#options.sessions.verify(apiKey, accessToken)) {
      refuse(socket, 403, 'Forbidden');
      return;
    }
    if (this.#openOf(apiKey) >= this.#options.maxConnectionsPerKey) {
      refuse(socket, 429, 'Too Many Requests');
      return;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, apiKey));
  }

  #accept(ws: WebSocket, apiKey: string): void {
    const now = Date.now();
    const connection: Connection = { id: this.#nextConnectionId++, ws, apiKey, subscriptions: new Map(), requested: 0, lastSentAt: now, lastPongAt: now };
    this.#connections.add(connection);
    const open = this.#openOf(apiKey);
    this.#maxConcurrent.set(apiKey, Math.max(open, this.#maxConcurrent.get(apiKey) ?? 0));
    ws.on('pong', () => (connection.lastPongAt = Date.now()));
    this.#log(`ticker: ${apiKey} connected (${this.#connections.size} open)`);
    ws.on('message', (data, isBinary) => this.#onMessage(connection, data, isBinary));
    ws.on('close', () => {
      this.#connections.delete(connection);
      this.#log(`ticker: ${apiKey} disconnected (${this.#connections.size} open)`);
    });
    ws.on('error', () => ws.terminate());
  }

  #onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      sendText(connection.ws, 'error', 'Binary messages are not accepted; send JSON control messages.');
      return;
    }
    let parsed: z.infer<typeof ControlMessage>;
    try {
      const result = ControlMessage.safeParse(JSON.parse(data.toString()));
      if (!result.success) {
        sendText(
          connection.ws,
          'error',
          `Invalid message: ${zodMessage(result.error, 'bad shape')}; expected {"a":"subscribe"|"unsubscribe","v":[tokens]} or {"a":"mode","v":["ltp"|"quote"|"full",[tokens]]}`,
        );
        return;
      }
      parsed = result.data;
    } catch {
      sendText(connection.ws, 'error', 'Invalid message: not JSON.');
      return;
    }
    if (parsed.a === 'subscribe') this.#subscribe(connection, parsed.v);
    else if (parsed.a === 'unsubscribe') this.#unsubscribe(connection, parsed.v);
    else this.#setMode(connection, parsed.v[0], parsed.v[1]);
  }

  #subscribe(connection: Connection, tokens: number[]): void {
    const unknown: number[] = [];
    const overLimit: number[] = [];
    for (const token of tokens) {
      if (!this.#options.universe.byToken.has(token)) {
        unknown.push(token);
        continue;
      }
      if (connection.requested >= this.#options.maxInstrumentsPerConnection) {
        overLimit.push(token);
        continue;
      }
      connection.requested++;
      const existing = connection.subscriptions.get(token);
      if (existing) existing.count++;
      else connection.subscriptions.set(token, { mode: 'quote', count: 1 }); // a bare subscribe is quote mode
    }
    if (unknown.length)
      sendText(
        connection.ws,
        'error',
        `Invalid instrument token(s): ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''}`,
      );
    if (overLimit.length) {
      sendText(
        connection.ws,
        'error',
        `Maximum instruments per connection (${this.#options.maxInstrumentsPerConnection}) exceeded; ${overLimit.length} token(s) not subscribed.`,
      );
    }
  }

  #unsubscribe(connection: Connection, tokens: number[]): void {
    for (const token of tokens) {
      const existing = connection.subscriptions.get(token);
      if (!existing) continue;
      connection.requested -= existing.count;
      connection.subscriptions.delete(token);
    }
  }

  #setMode(connection: Connection, mode: TickMode, tokens: number[]): void {
    for (const token of tokens) {
      const existing = connection.subscriptions.get(token);
      if (existing) existing.mode = mode;
    }
  }

  /** One round: every subscribed instrument trades once; each connection gets one frame. */
  #round(): void {
    if (this.faults.silent) return;
    const now = Date.now();
    const traded = new Map<number, Quote>();
    for (const connection of this.#connections) {
      const { ws } = connection;
      if (ws.readyState !== WebSocket.OPEN || connection.subscriptions.size === 0) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) continue;
      const entries: FrameEntry[] = [];
      for (const [token, { mode }] of connection.subscriptions) {
        let quote = traded.get(token);
        if (!quote) {
          quote = this.#options.market.trade(token, now);
          traded.set(token, quote);
        }
        entries.push({ mode, quote });
      }
      this.#send(connection, encodeFrame(entries), now, Math.floor(now / 1000));
    }
  }

  /** A 1-byte frame on every connection that has sent nothing for a second. */
  #heartbeats(): void {
    if (this.faults.silent) return;
    const now = Date.now();
    for (const connection of this.#connections) {
      if (connection.ws.readyState === WebSocket.OPEN && now - connection.lastSentAt >= 1000) this.#send(connection, HEARTBEAT, now);
    }
  }

  /** Pings every connection, and cuts one that has not answered for `timeoutMs`. A silenced simulator pings nobody. */
  #liveness(timeoutMs: number): void {
    const now = Date.now();
    for (const connection of this.#connections) {
      if (this.faults.silent) {
        connection.lastPongAt = now;
        continue;
      }
      if (connection.ws.readyState !== WebSocket.OPEN) continue;
      if (now - connection.lastPongAt > timeoutMs) {
        this.#log(`ticker: ${connection.apiKey} answered no ping for ${((now - connection.lastPongAt) / 1000).toFixed(1)} s; cut`);
        connection.ws.terminate();
        continue;
      }
      connection.ws.ping();
    }
  }

  #openOf(apiKey: string): number {
    let open = 0;
    for (const c of this.#connections) if (c.apiKey === apiKey) open++;
    return open;
  }

  /** `GET /_sim/connections`: what each key holds now, and the most it held at once (two clients overlapping show as their sum). */
  connectionFigures(): ConnectionFigures {
    const open: Record<string, number> = {};
    for (const c of this.#connections) open[c.apiKey] = (open[c.apiKey] ?? 0) + 1;
    return { open, max_concurrent: Object.fromEntries(this.#maxConcurrent), since: new Date(this.#maxSince).toISOString() };
  }

  /** Starts the maximum over from what is open now. */
  resetConnectionFigures(): ConnectionFigures {
    this.#maxConcurrent = new Map(Object.entries(this.connectionFigures().open));
    this.#maxSince = Date.now();
    return this.connectionFigures();
  }

  /** `second`: the round's, which every packet of a tick frame carries as its timestamp; absent for heartbeats. */
  #send(connection: Connection, frame: Buffer, now: number, second?: number): void {
    connection.lastSentAt = now;
    const send = () => {
      if (connection.ws.readyState !== WebSocket.OPEN) return;
      // Stamped as the frame is handed over: a reader on this machine can have it before ws.send() returns.
      if (second !== undefined) this.#options.sendLog?.record(connection.id, second);
      connection.ws.send(frame, { binary: true });
    };
    if (this.faults.slowMs > 0) setTimeout(send, this.faults.slowMs);
    else send();
  }

  /** Fault: cut every connection without a close frame (clients see 1006). */
  dropAll(): number {
    const count = this.#connections.size;
    for (const connection of this.#connections) connection.ws.terminate();
    return count;
  }

  /** Fault: one binary frame whose header promises more packets than it carries. */
  sendMalformed(): number {
    const frame = Buffer.from([0x00, 0x03, 0x00, 0xb8, 0x00, 0x04, 0x01]);
    for (const connection of this.#connections) connection.ws.send(frame, { binary: true });
    return this.#connections.size;
  }

  /** A broker message to every connection, as Kite's `{"type":"message"}`. */
  broadcastMessage(text: string): number {
    for (const connection of this.#connections) sendText(connection.ws, 'message', text);
    return this.#connections.size;
  }

  /** Each open connection's id, API key and subscribed tokens: which frames of the send log carried which tokens. */
  connectionTokens(): { id: number; api_key: string; tokens: number[] }[] {
    return [...this.#connections].map((c) => ({ id: c.id, api_key: c.apiKey, tokens: [...c.subscriptions.keys()] }));
  }

  stats(): { connections: number; byApiKey: Record<string, number>; subscriptions: number } {
    const byApiKey: Record<string, number> = {};
    let subscriptions = 0;
    for (const c of this.#connections) {
      byApiKey[c.apiKey] = (byApiKey[c.apiKey] ?? 0) + 1;
      subscriptions += c.subscriptions.size;
    }
    return { connections: this.#connections.size, byApiKey, subscriptions };
  }

  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
    for (const connection of this.#connections) connection.ws.terminate();
    this.#wss.close();
  }
}

function sendText(ws: WebSocket, type: 'error' | 'message', data: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type, data }));
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
}
