import { type BackoffPolicy, backoffDelayMs } from '../contracts/backoff.ts';
import { decodeBinaryTickFrame } from '../contracts/binary-tick-frame.ts';
import type { CandleInterval } from '../contracts/candles.ts';
import {
  type ClientAction,
  type ClientMode,
  CloseCode,
  DEFAULT_LIMITS,
  type InstrumentRef,
  RESUME_WINDOW_MS,
  type Rejected,
  type ServerMessage,
  type SessionErrorCode,
  type SessionLimits,
  type TickFormat,
  V2_SUBPROTOCOL,
} from '../contracts/client-protocol.ts';
import { applyChainUpdate, type FnoChain, type FnoChainUpdate } from '../contracts/fno-chain.ts';
import type { Tick } from '../contracts/kite-ticks/tick.ts';
import { SendPacer } from './send-pacer.ts';
import { chunk, SubscriptionSet } from './subscription-set.ts';

/**
 * A typed client of `GET /v2/ws` (contracts/client-protocol.ts,
 * docs/websocket.md) for browsers and Node: the standard `WebSocket`
 * global, no Node imports. It keeps one session alive across network
 * failures and server restarts: reconnects with capped exponential backoff
 * and jitter, asking for the lost session back (`?resume=<id>`); when the
 * server no longer has it, subscribes again to everything it held, each
 * instrument in its mode. Requests (subscribe, unsubscribe, mode,
 * ping) are promises settled by the answer carrying their request id; a
 * request made while disconnected waits for the next session. A session
 * opened with an access token from a credentials function is renewed
 * before the token expires (`reauth` with the function's next token), so
 * it never has to reconnect for that. With `format: 'binary'` the ticks
 * travel as Kite's packets (contracts/binary-tick-frame.ts) and are decoded
 * here into the same `Tick` objects.
 */

/** The ack of an instruments request (subscribe, unsubscribe, mode). */
export type Ack = Extract<ServerMessage, { type: 'ack'; subscribed: number }>;
/** The ack of a candles request (subscribe_candles, unsubscribe_candles). */
export type CandleAck = Extract<ServerMessage, { type: 'ack'; candles: number }>;
export type CandleMessage = Extract<ServerMessage, { type: 'candle' | 'candle_closed' }>;
/** The ack of a chain request (subscribe_chain, unsubscribe_chain). */
export type ChainAck = Extract<ServerMessage, { type: 'ack'; chains: number }>;
export type FeedStatus = Extract<ServerMessage, { type: 'status' }>;
export type AlertMessage = Extract<ServerMessage, { type: 'alert' }>;
export type ServerError = Extract<ServerMessage, { type: 'error' }>;
type Welcome = Extract<ServerMessage, { type: 'welcome' }>;
type Pong = Extract<ServerMessage, { type: 'pong' }>;
type Reauthed = Extract<ServerMessage, { type: 'reauthed' }>;

/** A chain as subscribed: its underlying, expiry and window. */
export type ChainSubscription = { name: string; expiry: string; strikes?: number };
const chainKey = (stream: ChainSubscription) => `${stream.name}|${stream.expiry}|${stream.strikes ?? ''}`;

/** A user's access token (a JWT from POST /auth/login), or a platform API key and its secret (docs/auth.md). */
export type Credentials = { accessToken: string } | { apiKey: string; secret: string };

/** The part of the WebSocket API the client uses: the browser's, Node 22's global, and `ws`'s all have it. */
export interface SocketLike {
  readonly readyState: number;
  /** Set to `arraybuffer` for `format: 'binary'` (a browser's default, `blob`, would need an async read per frame). */
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}
export type SocketConstructor = new (url: string, protocols?: string[]) => SocketLike;

/**
 * How long the client waits before its next reconnect attempt: capped
 * exponential backoff with jitter (contracts/backoff.ts), so that thousands
 * of clients cut off by one server restart do not all come back in the
 * same instant.
 *
 *   base(n)  = min(maxDelayMs, initialDelayMs × factor^(n − 1))     n = 1, 2, …
 *   delay(n) = base(n) × (1 − jitter × r)                            r uniform in [0, 1)
 *
 * With the defaults: about 0.25–0.5 s, 0.5–1 s, 1–2 s, … up to 15–30 s.
 */
export type ReconnectOptions = {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Fraction of each delay that is random (0: none, 1: anywhere from 0 to the full delay). */
  jitter: number;
  /** Attempts before the client gives up (Infinity: never). */
  maxAttempts: number;
};

export const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5, maxAttempts: Infinity };

/** The reconnect schedule as contracts/backoff.ts reads it. */
export function reconnectPolicy(options: ReconnectOptions): BackoffPolicy {
  return { baseMs: options.initialDelayMs, maxMs: options.maxDelayMs, factor: options.factor, jitter: options.jitter };
}

export type KiteEdgeClientOptions = {
  /** The endpoint, e.g. `wss://edge.example.com/v2/ws` or `ws://127.0.0.1:8787/v2/ws`. */
  url: string;
  /**
   * Fixed credentials, or a function asked before every connection and, for
   * a session opened with an access token, before that token expires
   * (return a fresh access token there: after POST /auth/refresh).
   */
  credentials: Credentials | (() => Credentials | Promise<Credentials>);
  /**
   * Where the credentials travel: the query string (the default; what
   * Kite's ticker does) or the `Sec-WebSocket-Protocol` header
   * (`bearer.<token>` / `apikey.<key>.<secret>`), which keeps them out of
   * URLs and access logs.
   */
  credentialsIn?: 'query' | 'subprotocol';
  /**
   * How ticks travel: `json` (the default) or `binary`, Kite's packets in
   * binary frames, about a third of the bytes of a full tick in JSON and no
   * JSON for the server to write (docs/websocket.md). The `ticks`,
   * `snapshot` and `tick` events carry the same `Tick` objects either way.
   */
  format?: TickFormat;
  /** Reconnect schedule, or false to stay closed after the first disconnect. */
  reconnect?: Partial<ReconnectOptions> | false;
  /** How long a request may wait for its answer, disconnections included. Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * How many more times instruments the server turned down as `unavailable`
   * (its registry did not answer in time) are asked for, on the reconnect
   * schedule's delays; default 3, 0 to hand them straight to the caller.
   */
  unavailableRetries?: number;
  /** Silence after which the connection is taken for dead and replaced; a ping goes out at a third of it. 0: never. Default 30 s. */
  idleTimeoutMs?: number;
  /** The WebSocket implementation; default the global one. */
  WebSocket?: SocketConstructor;
};

export type ClientEvents = {
  /** A session began (the server's welcome); `reconnected` after the first; `resumed` when the server kept the lost one, subscriptions and all. */
  open: { session: string; limits: SessionLimits; serverTime: number; reconnected: boolean; resumed: boolean };
  /** The held instruments were subscribed again on a new session; what the server refused is in `rejected` (and no longer held). */
  resubscribed: { subscribed: number; rejected: Rejected[] };
  /** Every tick, of snapshots and live batches alike, one at a time. */
  tick: Tick;
  /** A batch of live ticks, as it arrived. */
  ticks: Tick[];
  /** The latest tick of each newly subscribed instrument, before any live tick of it. */
  snapshot: Tick[];
  /** Feed state of an instrument group changed (live, stale, down). */
  status: FeedStatus;
  /** A subscribed chain whole (after subscribeChain, and whenever the stream starts over); `window` is the subscription's `strikes` (null: all). */
  chain: { window: number | null; chain: FnoChain };
  /** What changed in a subscribed chain (at most one a second), and the chain with it applied (also `chainOf`). */
  chain_update: { window: number | null; update: FnoChainUpdate; chain: FnoChain };
  /** The forming candle of a subscribed stream (at most once a second while it changes). */
  candle: CandleMessage;
  /** A subscribed stream's candle once its interval ended: final. */
  candle_closed: CandleMessage;
  /** One of the user's price alerts fired (docs/alerts.md); every open session of the user gets it. */
  alert: AlertMessage;
  /** An error frame that answers no request of this client (a request's own error rejects its promise instead). */
  error: ServerError;
  /** The connection closed; `reconnecting` says whether the client will try again. */
  close: { code: number; reason: string; reconnecting: boolean };
  /** The next connection attempt is `delayMs` away. */
  reconnecting: { attempt: number; delayMs: number };
};

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why a request failed: a server error code, or the client's own `timeout` / `closed`. */
export class KiteEdgeError extends Error {
  readonly code: SessionErrorCode | 'timeout' | 'closed';

  constructor(code: KiteEdgeError['code'], message: string) {
    super(message);
    this.name = 'KiteEdgeError';
    this.code = code;
  }
}

/** Closes after which a new connection would only be closed again the same way. */
const FINAL_CLOSES = new Set<number>([CloseCode.PROTOCOL_ABUSE, CloseCode.CREDENTIAL_ENDED]);

/** How long before its access token expires a session is renewed: a minute, or half its life when it is shorter. */
const RENEW_AHEAD_MS = 60_000;

type Pending = {
  frame: string;
  mode: ClientMode | undefined;
  /** Sent again on the next session if the connection drops first (subscribe, unsubscribe and mode are idempotent). */
  replay: boolean;
  sent: boolean;
  resolve: (message: Ack | ChainAck | CandleAck | Pong | Reauthed) => void;
  reject: (error: KiteEdgeError) => void;
  timer: ReturnType<typeof setTimeout>;
};

type Listener<T> = (payload: T) => void;

export class KiteEdgeClient {
  readonly #options: KiteEdgeClientOptions;
  /** Undefined: `reconnect: false`. */
  readonly #reconnect: ReconnectOptions | undefined;
  /** The reconnect schedule, also the delays of asking again for `unavailable` instruments. */
  readonly #backoff: BackoffPolicy;
  readonly #unavailableRetries: number;
  readonly #requestTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #listeners = new Map<keyof ClientEvents, Set<Listener<never>>>();
  readonly #subscriptions = new SubscriptionSet();
  readonly #feed = new Map<string, FeedStatus>();
  /** The chains subscribed (by chainKey), each with the chain as the last frames left it (null until the first `chain`). */
  readonly #chains = new Map<string, { stream: ChainSubscription; chain: FnoChain | null }>();
  /** The candle streams subscribed: interval → the instruments as named. */
  readonly #candleStreams = new Map<CandleInterval, Set<InstrumentRef>>();
  /** In request order, which is also the order they are replayed in. */
  readonly #pending = new Map<number, Pending>();
  readonly #pacer: SendPacer;
  #state: ClientState = 'idle';
  #socket: SocketLike | undefined;
  #nextId = 1;
  #attempt = 0;
  #sessions = 0;
  /** The last session's id and when its socket was lost, for `?resume=`. */
  #lost: { session: string; at: number } | undefined;
  #session: string | undefined;
  #lastReceivedAt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #renewTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #openWaiters: { resolve: (welcome: ClientEvents['open']) => void; reject: (error: KiteEdgeError) => void }[] = [];

  constructor(options: KiteEdgeClientOptions) {
    this.#options = options;
    this.#reconnect = options.reconnect === false ? undefined : { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.#backoff = reconnectPolicy(this.#reconnect ?? DEFAULT_RECONNECT);
    this.#unavailableRetries = options.unavailableRetries ?? 3;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.#pacer = new SendPacer((frame) => this.#socket?.send(frame), DEFAULT_LIMITS.messages_per_second);
  }

  get state(): ClientState {
    return this.#state;
  }

  /** What the session holds, token → mode, as the server acknowledged it. */
  get subscriptions(): Map<number, ClientMode> {
    return this.#subscriptions.snapshot();
  }

  /** The latest feed status of each instrument group this session has heard about. */
  get feedStatus(): ReadonlyMap<string, FeedStatus> {
    return this.#feed;
  }

  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof ClientEvents>(event: E, listener: Listener<ClientEvents[E]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Opens the session (again, after close()); resolves on the server's welcome. */
  connect(): Promise<ClientEvents['open']> {
    const opened = new Promise<ClientEvents['open']>((resolve, reject) => this.#openWaiters.push({ resolve, reject }));
    if (this.#state === 'idle' || this.#state === 'closed') {
      this.#state = 'connecting';
      this.#attempt = 0;
      void this.#dial();
    }
    return opened;
  }

  /** Subscribes in `mode` (default quote, as the server's); more than 1,000 instruments go in several messages, answered as one ack. */
  subscribe(instruments: InstrumentRef[], mode: ClientMode = 'quote'): Promise<Ack> {
    return this.#batched('subscribe', instruments, mode);
  }

  unsubscribe(instruments: InstrumentRef[]): Promise<Ack> {
    return this.#batched('unsubscribe', instruments, undefined);
  }

  /** Changes the mode of instruments the session holds. */
  setMode(instruments: InstrumentRef[], mode: ClientMode): Promise<Ack> {
    return this.#batched('mode', instruments, mode);
  }

  /**
   * Streams an option chain (docs/fno.md): `strikes` each side of the ATM
   * strike, all when omitted. Resolves with the ack; the chain follows as a
   * `chain` event, then `chain_update`s, which the client applies (the
   * current chain: `chainOf`). Subscribed again on every new session.
   */
  async subscribeChain(name: string, expiry: string, options: { strikes?: number } = {}): Promise<ChainAck> {
    const stream: ChainSubscription = { name, expiry, ...(options.strikes === undefined ? {} : { strikes: options.strikes }) };
    const ack = (await this.#request({ action: 'subscribe_chain', ...stream }, { replay: true })) as ChainAck;
    if (!this.#chains.has(chainKey(stream))) this.#chains.set(chainKey(stream), { stream, chain: null });
    return ack;
  }

  async unsubscribeChain(name: string, expiry: string, options: { strikes?: number } = {}): Promise<ChainAck> {
    const stream: ChainSubscription = { name, expiry, ...(options.strikes === undefined ? {} : { strikes: options.strikes }) };
    this.#chains.delete(chainKey(stream));
    return (await this.#request({ action: 'unsubscribe_chain', ...stream }, { replay: true })) as ChainAck;
  }

  /** A subscribed chain as the frames so far left it; undefined before its first `chain` frame. */
  chainOf(name: string, expiry: string, options: { strikes?: number } = {}): FnoChain | undefined {
    return this.#chains.get(chainKey({ name, expiry, ...options }))?.chain ?? undefined;
  }

  /**
   * Streams live candles of `instruments` at `interval` (docs/candles.md):
   * `candle` events with the forming candle at most once a second, and
   * `candle_closed` when its interval ends. Subscribed again on every new
   * session. Resolves with the ack (what was taken, what refused and why).
   */
  async subscribeCandles(instruments: InstrumentRef[], interval: CandleInterval): Promise<CandleAck> {
    const ack = (await this.#request({ action: 'subscribe_candles', instruments, interval }, { replay: true })) as CandleAck;
    const held = this.#candleStreams.get(interval) ?? new Set<InstrumentRef>();
    for (const { instrument } of ack.accepted) held.add(instrument);
    if (held.size > 0) this.#candleStreams.set(interval, held);
    return ack;
  }

  async unsubscribeCandles(instruments: InstrumentRef[], interval: CandleInterval): Promise<CandleAck> {
    const held = this.#candleStreams.get(interval);
    for (const instrument of instruments) held?.delete(instrument);
    if (held?.size === 0) this.#candleStreams.delete(interval);
    return (await this.#request({ action: 'unsubscribe_candles', instruments, interval }, { replay: true })) as CandleAck;
  }

  /** A round trip to the server: its time, and its clock's offset from ours estimated at the midpoint. */
  async ping(): Promise<{ rttMs: number; serverTime: number; clockOffsetMs: number }> {
    let sentAt = 0;
    const pong = (await this.#request({ action: 'ping' }, { replay: false, onSent: (at) => (sentAt = at) })) as Pong;
    const rttMs = Date.now() - sentAt;
    return { rttMs, serverTime: pong.server_time, clockOffsetMs: pong.server_time - (sentAt + rttMs / 2) };
  }

  /** Ends the session for good (until connect()): no reconnect, pending requests fail with `closed`. */
  close(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    // A normal close ends the session on the server too: nothing to resume.
    this.#session = undefined;
    this.#lost = undefined;
    try {
      socket?.close(1000, 'closed by the client');
    } catch {
      // Closing a socket that never opened can throw in some implementations; it is going away either way.
    }
    if (this.#state !== 'closed') this.#finish(1000, 'closed by the client');
  }

  async #dial(): Promise<void> {
    let socket: SocketLike;
    try {
      const credentials = typeof this.#options.credentials === 'function' ? await this.#options.credentials() : this.#options.credentials;
      if (this.#state === 'closed') return;
      const resume = this.#lost && Date.now() - this.#lost.at < RESUME_WINDOW_MS ? this.#lost.session : undefined;
      const format = this.#options.format ?? 'json';
      const { url, protocols } = endpoint(this.#options.url, credentials, this.#options.credentialsIn ?? 'query', resume, format);
      const Socket = this.#options.WebSocket ?? (globalThis.WebSocket as unknown as SocketConstructor | undefined);
      if (!Socket) throw new Error('no WebSocket implementation: pass options.WebSocket');
      socket = new Socket(url, protocols);
      if (format === 'binary') socket.binaryType = 'arraybuffer';
    } catch (error) {
      this.#onClose(1006, `could not connect: ${(error as Error).message}`);
      return;
    }
    this.#socket = socket;
    socket.addEventListener('open', () => {
      if (socket !== this.#socket) return;
      this.#lastReceivedAt = Date.now();
      this.#startWatchdog();
    });
    socket.addEventListener('message', (event) => {
      if (socket === this.#socket) this.#onMessage(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.#socket) return;
      this.#socket = undefined;
      this.#onClose(event.code, event.reason);
    });
    // A failed connection also closes (1006), which is where it is handled.
    socket.addEventListener('error', () => {});
  }

  #onMessage(data: unknown): void {
    this.#lastReceivedAt = Date.now();
    if (typeof data !== 'string') {
      this.#onBinary(data);
      return;
    }
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      return; // Control messages are JSON; anything else is not for this client.
    }
    switch (message.type) {
      case 'welcome':
        this.#onWelcome(message);
        return;
      case 'ack': {
        const pending = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
        if ('subscribed' in message) this.#subscriptions.apply(message, pending?.mode);
        if (pending) this.#settle(message.id as number, () => pending.resolve(message));
        return;
      }
      case 'pong':
      case 'reauthed': {
        const pending = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
        if (pending) this.#settle(message.id as number, () => pending.resolve(message));
        return;
      }
      case 'snapshot':
      case 'ticks':
        this.#emitTicks(message.type, message.ticks);
        return;
      case 'status':
        this.#feed.set(message.group, message);
        this.#emit('status', message);
        return;
      case 'alert':
        this.#emit('alert', message);
        return;
      case 'candle':
      case 'candle_closed':
        this.#emit(message.type, message);
        return;
      case 'chain': {
        const { type: _, window, ...chain } = message;
        const held = this.#chains.get(chainKey({ name: chain.name, expiry: chain.expiry, strikes: window ?? undefined }));
        if (held) held.chain = chain;
        this.#emit('chain', { window, chain });
        return;
      }
      case 'chain_update': {
        const { type: _, window, ...update } = message;
        const held = this.#chains.get(chainKey({ name: update.name, expiry: update.expiry, strikes: window ?? undefined }));
        // An update applies to the chain before it; one for a chain not (or no longer) held has nothing to apply to.
        if (!held?.chain) return;
        held.chain = applyChainUpdate(held.chain, update);
        this.#emit('chain_update', { window, update, chain: held.chain });
        return;
      }
      case 'error': {
        const pending = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
        if (pending) this.#settle(message.id as number, () => pending.reject(new KiteEdgeError(message.code, message.message)));
        else this.#emit('error', message);
        if (message.code === 'closing' && message.close_code !== undefined) this.#serverClosing(message.close_code, message.message);
        return;
      }
    }
  }

  /** A binary tick frame (`format: 'binary'`); one that does not decode is reported as an error event and skipped. */
  #onBinary(data: unknown): void {
    const bytes =
      data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
    if (!bytes) return; // Not a frame of this protocol (a Blob: binaryType could not be set).
    let frame: ReturnType<typeof decodeBinaryTickFrame>;
    try {
      frame = decodeBinaryTickFrame(bytes);
    } catch (error) {
      this.#emit('error', { type: 'error', code: 'bad_message', message: `a binary frame the client could not read: ${(error as Error).message}` });
      return;
    }
    this.#emitTicks(frame.type, frame.ticks);
  }

  #emitTicks(type: 'ticks' | 'snapshot', ticks: Tick[]): void {
    this.#emit(type, ticks);
    if (this.#listeners.get('tick')?.size) for (const tick of ticks) this.#emit('tick', tick);
  }

  #onWelcome(welcome: Welcome): void {
    this.#state = 'open';
    this.#attempt = 0;
    this.#pacer.setRate(welcome.limits.messages_per_second);
    this.#session = welcome.session;
    this.#lost = undefined;
    const open = {
      session: welcome.session,
      limits: welcome.limits,
      serverTime: welcome.server_time,
      reconnected: this.#sessions++ > 0,
      resumed: welcome.resumed,
    };
    this.#emit('open', open);
    for (const waiter of this.#openWaiters.splice(0)) waiter.resolve(open);
    this.#renewBefore(welcome.expires_at);
    // A resumed session holds what it held; requests whose answers were lost are replayed below either way.
    if (!welcome.resumed || welcome.subscribed !== this.#subscriptions.size) this.#resubscribe();
    // A session's chains are not kept across a resume (docs/websocket.md): always asked for again.
    if (this.#sessions > 1) this.#resubscribeChains();
    // Candle streams are not kept across a resume either.
    if (this.#sessions > 1) this.#resubscribeCandles();
    for (const pending of this.#pending.values()) if (!pending.sent) this.#send(pending);
  }

  /** Rebuilds the lost session's subscriptions, ahead of any request that waited for this session. */
  #resubscribe(): void {
    const requests = this.#subscriptions.resubscribeRequests();
    if (requests.length === 0) return;
    const acks = requests.map(({ mode, instruments }) => this.#request({ action: 'subscribe', instruments, mode }, { replay: false }) as Promise<Ack>);
    Promise.all(acks).then(
      (answers) => this.#emit('resubscribed', { subscribed: answers.at(-1)?.subscribed ?? 0, rejected: answers.flatMap((a) => a.rejected) }),
      () => {}, // The connection dropped again: the next session resubscribes from the same set.
    );
  }

  #resubscribeChains(): void {
    for (const held of this.#chains.values()) {
      held.chain = null;
      this.#request({ action: 'subscribe_chain', ...held.stream }, { replay: false }).catch((error: KiteEdgeError) =>
        this.#emit('error', {
          type: 'error',
          code: 'unavailable',
          message: `chain ${held.stream.name} ${held.stream.expiry} not subscribed again: ${error.message}`,
        }),
      );
    }
  }

  #resubscribeCandles(): void {
    for (const [interval, instruments] of this.#candleStreams) {
      this.#request({ action: 'subscribe_candles', instruments: [...instruments], interval }, { replay: false }).catch((error: KiteEdgeError) =>
        this.#emit('error', { type: 'error', code: 'unavailable', message: `${interval} candles not subscribed again: ${error.message}` }),
      );
    }
  }

  /**
   * The server said it is closing the session, and with which code: acted on
   * now, as the close itself, since the transport may report that close
   * much later (a runtime can hold the connection open after the close
   * frame of a session that never sent anything).
   */
  #serverClosing(code: number, reason: string): void {
    const socket = this.#socket;
    this.#socket = undefined;
    try {
      socket?.close(code === 1000 || (code >= 3000 && code < 5000) ? code : 1000, reason.slice(0, 120));
    } catch {
      // Already closing.
    }
    this.#onClose(code, reason);
  }

  /** Renews a session opened with an access token before it expires, when the credentials function can give a fresh one. */
  #renewBefore(expiresAt: number | null): void {
    clearTimeout(this.#renewTimer);
    if (expiresAt === null || typeof this.#options.credentials !== 'function') return;
    const left = expiresAt - Date.now();
    this.#renewTimer = setTimeout(() => void this.#renew(), Math.max(0, left - Math.min(RENEW_AHEAD_MS, left / 2)));
  }

  async #renew(): Promise<void> {
    try {
      const credentials = await (this.#options.credentials as () => Credentials | Promise<Credentials>)();
      if (!('accessToken' in credentials) || this.#state !== 'open') return;
      const renewed = (await this.#request({ action: 'reauth', access_token: credentials.accessToken }, { replay: false })) as Reauthed;
      this.#renewBefore(renewed.expires_at);
    } catch (error) {
      // Refused or lost: the server closes the session when its token expires (4001), and the reconnect asks the function again.
      if (error instanceof KiteEdgeError && error.code === 'reauth_refused') this.#emit('error', { type: 'error', code: error.code, message: error.message });
    }
  }

  #onClose(code: number, reason: string): void {
    if (this.#session && !this.#lost) this.#lost = { session: this.#session, at: Date.now() };
    this.#pacer.clear();
    this.#stopWatchdog();
    clearTimeout(this.#renewTimer);
    for (const [id, pending] of this.#pending) {
      if (pending.replay) pending.sent = false;
      else this.#settle(id, () => pending.reject(new KiteEdgeError('closed', `the connection closed (${code}) before the answer`)));
    }
    const reconnect = this.#reconnect;
    // An expired access token opens nothing again unless the credentials function can give a fresh one.
    const expiredForGood = code === CloseCode.ACCESS_TOKEN_EXPIRED && typeof this.#options.credentials !== 'function';
    if (this.#state === 'closed' || !reconnect || FINAL_CLOSES.has(code) || expiredForGood || this.#attempt >= reconnect.maxAttempts) {
      this.#finish(code, reason);
      return;
    }
    this.#emit('close', { code, reason, reconnecting: true });
    this.#attempt++;
    const delayMs = backoffDelayMs(this.#attempt, this.#backoff);
    this.#state = 'reconnecting';
    this.#emit('reconnecting', { attempt: this.#attempt, delayMs });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#dial();
    }, delayMs);
  }

  /** Stays closed: every waiting request and connect() fails. */
  #finish(code: number, reason: string): void {
    this.#state = 'closed';
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#renewTimer);
    this.#pacer.clear();
    this.#stopWatchdog();
    const error = new KiteEdgeError('closed', `the connection closed (${code}${reason ? `: ${reason}` : ''})`);
    for (const [id, pending] of this.#pending) this.#settle(id, () => pending.reject(error));
    for (const waiter of this.#openWaiters.splice(0)) waiter.reject(error);
    this.#emit('close', { code, reason, reconnecting: false });
  }

  /** One request per 1,000 instruments, answered as one ack; what was `unavailable` is asked again (a passing registry hiccup is not the caller's problem). */
  async #batched(action: 'subscribe' | 'unsubscribe' | 'mode', instruments: InstrumentRef[], mode: ClientMode | undefined): Promise<Ack> {
    const ack: Ack = { type: 'ack', action, accepted: [], rejected: [], subscribed: this.#subscriptions.size };
    for (let attempt = 0, asking = instruments; asking.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(attempt, this.#backoff)));
      const acks = await Promise.all(
        chunk(asking).map((part) => this.#request({ action, instruments: part, ...(mode ? { mode } : {}) }, { replay: true }) as Promise<Ack>),
      );
      const again = attempt < this.#unavailableRetries && this.#state !== 'closed';
      asking = [];
      for (const part of acks) {
        ack.accepted.push(...part.accepted);
        for (const rejected of part.rejected) {
          const ref = rejected.instrument;
          if (again && rejected.code === 'unavailable' && (typeof ref === 'number' || typeof ref === 'string')) asking.push(ref);
          else ack.rejected.push(rejected);
        }
        ack.subscribed = part.subscribed;
      }
    }
    return ack;
  }

  #request(
    message: {
      action: ClientAction;
      instruments?: InstrumentRef[];
      mode?: ClientMode;
      access_token?: string;
      interval?: CandleInterval;
    } & Partial<ChainSubscription>,
    how: { replay: boolean; onSent?: (at: number) => void },
  ): Promise<Ack | ChainAck | CandleAck | Pong | Reauthed> {
    if (this.#state === 'closed') return Promise.reject(new KiteEdgeError('closed', 'the client is closed: call connect() first'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#settle(id, () => reject(new KiteEdgeError('timeout', `no answer to ${message.action} (id ${id}) within ${this.#requestTimeoutMs} ms`))),
        this.#requestTimeoutMs,
      );
      const pending: Pending = { frame: JSON.stringify({ ...message, id }), mode: message.mode, replay: how.replay, sent: false, resolve, reject, timer };
      this.#pending.set(id, pending);
      if (this.#state === 'open') this.#send(pending, how.onSent);
    });
  }

  #send(pending: Pending, onSent?: (at: number) => void): void {
    pending.sent = true;
    this.#pacer.push(pending.frame, () => onSent?.(Date.now()));
  }

  #settle(id: number, settle: () => void): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    settle();
  }

  /** Pings a quiet connection, and replaces one that stays silent (a dead network path never closes by itself). */
  #startWatchdog(): void {
    if (this.#idleTimeoutMs <= 0) return;
    this.#stopWatchdog();
    this.#watchdog = setInterval(() => {
      const silentMs = Date.now() - this.#lastReceivedAt;
      if (silentMs >= this.#idleTimeoutMs) {
        const socket = this.#socket;
        this.#socket = undefined;
        socket?.close(1000, 'no data; reconnecting');
        this.#onClose(1006, `nothing received for ${silentMs} ms`);
      } else if (silentMs >= this.#idleTimeoutMs / 3 && this.#state === 'open') {
        this.#request({ action: 'ping' }, { replay: false }).catch(() => {});
      }
    }, this.#idleTimeoutMs / 3);
  }

  #stopWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #emit<E extends keyof ClientEvents>(event: E, payload: ClientEvents[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) (listener as Listener<ClientEvents[E]>)(payload);
  }
}

/** The URL and subprotocols that carry the credentials (edge/auth/credentials.ts reads these forms), the session to resume and the tick format. */
function endpoint(
  base: string,
  credentials: Credentials,
  where: 'query' | 'subprotocol',
  resume: string | undefined,
  format: TickFormat,
): { url: string; protocols: string[] } {
  const url = new URL(base);
  if (resume) url.searchParams.set('resume', resume);
  if (format === 'binary') url.searchParams.set('format', format);
  const protocols = [V2_SUBPROTOCOL];
  if (where === 'query') {
    if ('accessToken' in credentials) url.searchParams.set('access_token', credentials.accessToken);
    else {
      url.searchParams.set('api_key', credentials.apiKey);
      url.searchParams.set('access_token', credentials.secret);
    }
  } else {
    protocols.push('accessToken' in credentials ? `bearer.${credentials.accessToken}` : `apikey.${credentials.apiKey}.${credentials.secret}`);
  }
  return { url: url.toString(), protocols };
}
