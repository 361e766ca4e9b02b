import WebSocket from 'ws';
import { Backoff, type BackoffPolicy } from '../../contracts/backoff.ts';
import type { TickMode } from '../../contracts/origin-link.ts';

/**
 * One WebSocket to Kite's ticker, owned by the pool. It holds the
 * instruments it should carry (`wanted`, token → mode) as the truth and
 * makes the socket match it: incremental subscribe/unsubscribe/mode
 * messages while connected, everything again after a reconnect.
 *
 * Liveness: Kite sends a 1-byte heartbeat every idle second. A socket is
 * `live` only once Kite has said something on it (a heartbeat, a tick, a
 * message): an open socket that stays silent is `connecting`, never live
 * (a silenced Kite was reported live on every reconnect). A socket silent
 * for `silenceMs` is dead even if it never closed; it is cut and
 * redialled with capped, jittered backoff, the access token re-read before
 * each dial. A 403 at the handshake means the token is dead: no retries
 * until `tokenChanged()` says a fresh one arrived. So does a token past its
 * known expiry: Kite drops every socket when it kills the day's tokens, and
 * that drop is reported as the expiry it is, not as a close (1006).
 *
 * `failure` is what went wrong since the connection was last live (or was
 * given a token): a first dial has none, so it reads as connecting, not
 * down.
 *
 * Unlike the official KiteTicker (socket in module globals, process.exit
 * when retries run out), any number of these live in one process.
 */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'backoff' | 'token_expired' | 'stopped';

/** An account's access token, and when it dies (null: not known). */
export type KiteToken = { accessToken: string; expiresAt: Date | null };

export type TickerConnectionOptions = {
  id: string;
  /** Kite's ticker root: wss://ws.kite.trade, or the simulator's ws://127.0.0.1:8700/ws. */
  tickerRoot: string;
  apiKey: string;
  token: () => KiteToken | undefined;
  onFrame: (frame: Uint8Array, receivedAt: number, connection: TickerConnection) => void;
  onStateChange?: (connection: TickerConnection) => void;
  log: (line: string) => void;
  silenceMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
};

export type ConnectionStats = {
  id: string;
  state: ConnectionState;
  reason: string | undefined;
  /** What failed since the connection was last live or given a token (null: nothing). */
  failure: string | null;
  instruments: number;
  ticks: number;
  ticksPerSecond: number;
  lastTickAt: number | null;
  reconnects: number;
  connectedAt: number | null;
};

/** Kite's text frames: errors about our requests, and broker messages. */
type KiteText = { type?: string; data?: unknown };

/** Redials to Kite: full jitter, so that sockets Kite dropped together do not come back together; 0.5 s doubling to 30 s. */
export const KITE_RECONNECT: BackoffPolicy = { baseMs: 500, maxMs: 30_000, jitter: 'full' };

export class TickerConnection {
  readonly id: string;
  readonly apiKey: string;
  readonly wanted = new Map<number, TickMode>();
  #state: ConnectionState = 'idle';
  #reason: string | undefined;
  #failure: string | null = null;
  #ws: WebSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #lastMessageAt = 0;
  #ticks = 0;
  #ticksAtLastSecond = 0;
  #ticksPerSecond = 0;
  #lastTickAt: number | null = null;
  #reconnects = 0;
  #connectedAt: number | null = null;
  readonly #backoff: Backoff;
  readonly #options: TickerConnectionOptions;

  constructor(options: TickerConnectionOptions) {
    this.id = options.id;
    this.apiKey = options.apiKey;
    this.#options = options;
    this.#backoff = new Backoff({
      ...KITE_RECONNECT,
      baseMs: options.backoffBaseMs ?? KITE_RECONNECT.baseMs,
      maxMs: options.backoffMaxMs ?? KITE_RECONNECT.maxMs,
    });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  stats(): ConnectionStats {
    return {
      id: this.id,
      state: this.#state,
      reason: this.#reason,
      failure: this.#failure,
      instruments: this.wanted.size,
      ticks: this.#ticks,
      ticksPerSecond: this.#ticksPerSecond,
      lastTickAt: this.#lastTickAt,
      reconnects: this.#reconnects,
      connectedAt: this.#connectedAt,
    };
  }

  /**
   * Adds, changes the mode of, or removes instruments; only the difference
   * travels to Kite, and a new instrument's mode goes with its subscribe.
   */
  apply(set: ReadonlyMap<number, TickMode>, remove: Iterable<number>): void {
    const unsubscribe: number[] = [];
    for (const token of remove) if (this.wanted.delete(token)) unsubscribe.push(token);
    const subscribe = new Map<TickMode, number[]>();
    const modeOnly = new Map<TickMode, number[]>();
    for (const [token, mode] of set) {
      const before = this.wanted.get(token);
      if (before === mode) continue;
      this.wanted.set(token, mode);
      const into = before === undefined ? subscribe : modeOnly;
      (into.get(mode) ?? into.set(mode, []).get(mode))?.push(token);
    }
    if (this.#ws?.readyState === WebSocket.OPEN) {
      if (unsubscribe.length) this.#send({ a: 'unsubscribe', v: unsubscribe });
      for (const [mode, tokens] of subscribe) {
        this.#send({ a: 'subscribe', v: tokens });
        this.#send({ a: 'mode', v: [mode, tokens] });
      }
      for (const [mode, tokens] of modeOnly) this.#send({ a: 'mode', v: [mode, tokens] });
    }
    if (this.wanted.size === 0) this.#goIdle('no instruments');
    else if (this.#state === 'idle') this.#dial();
  }

  /** A fresh access token arrived: a connection waiting on one (or on backoff) dials now. */
  tokenChanged(): void {
    this.#failure = null;
    if (this.#state === 'token_expired' || this.#state === 'backoff') {
      clearTimeout(this.#timer);
      this.#dial();
    }
  }

  stop(): void {
    this.#setState('stopped', 'stopped');
    this.#teardown(1000, 'stopping');
  }

  #dial(): void {
    if (this.wanted.size === 0 || this.#state === 'stopped') return;
    const token = this.#options.token();
    if (!token) {
      this.#setState('token_expired', "no Kite access token: log in at the origin's /login");
      return;
    }
    if (this.#tokenExpired()) return;
    this.#setState('connecting', undefined);
    const url = new URL(this.#options.tickerRoot);
    url.searchParams.set('api_key', this.#options.apiKey);
    url.searchParams.set('access_token', token.accessToken);
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    this.#ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      ws.terminate();
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      if (status === 403) {
        this.#setState('token_expired', "Kite access token expired or revoked (Kite answered 403): log in at the origin's /login");
        this.#options.log(`${this.id}: access token refused by Kite (403); waiting for a new one`);
        return;
      }
      this.#retry(`Kite answered HTTP ${status} to the connection`);
    });
    ws.on('open', () => {
      if (this.#ws !== ws) return;
      this.#connectedAt = Date.now();
      this.#lastMessageAt = Date.now();
      this.#setState('connecting', "connected; waiting for Kite's first heartbeat or tick");
      this.#resubscribeAll();
      this.#startWatchdog();
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (this.#ws !== ws) return;
      const now = Date.now();
      this.#lastMessageAt = now;
      if (this.#state === 'connecting') {
        this.#failure = null;
        this.#setState('live', undefined);
      }
      if (!isBinary) return this.#onText(data.toString('utf8'));
      if (data.length < 2) return; // heartbeat
      const count = data.readUInt16BE(0);
      this.#ticks += count;
      this.#lastTickAt = now;
      this.#backoff.reset();
      this.#options.onFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), now, this);
    });
    ws.on('close', (code, reason) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      if (this.#tokenExpired()) return;
      this.#retry(`closed by Kite (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
    });
    ws.on('error', (error) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      ws.terminate();
      this.#retry(error.message);
    });
  }

  #resubscribeAll(): void {
    const byMode = new Map<TickMode, number[]>();
    for (const [token, mode] of this.wanted) (byMode.get(mode) ?? byMode.set(mode, []).get(mode))?.push(token);
    for (const [mode, tokens] of byMode) {
      this.#send({ a: 'subscribe', v: tokens });
      this.#send({ a: 'mode', v: [mode, tokens] });
    }
  }

  #onText(text: string): void {
    let message: KiteText;
    try {
      message = JSON.parse(text) as KiteText;
    } catch {
      this.#options.log(`${this.id}: Kite sent a text frame that is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (message.type === 'error') this.#options.log(`${this.id}: Kite error: ${String(message.data).slice(0, 500)}`);
    else if (message.type === 'message') this.#options.log(`${this.id}: Kite message: ${String(message.data).slice(0, 500)}`);
  }

  #startWatchdog(): void {
    clearInterval(this.#watchdog);
    const silenceMs = this.#options.silenceMs ?? 5_000;
    this.#watchdog = setInterval(() => {
      const now = Date.now();
      this.#ticksPerSecond = this.#ticks - this.#ticksAtLastSecond;
      this.#ticksAtLastSecond = this.#ticks;
      if (this.#ws === undefined || now - this.#lastMessageAt <= silenceMs) return;
      // Timers run before the event loop polls sockets: after a stall of this process (GC, a starved CPU) the
      // heartbeats may be waiting unread. setImmediate runs after the poll, so only a socket still silent then is cut.
      setImmediate(() => {
        const silent = Date.now() - this.#lastMessageAt;
        if (this.#ws === undefined || silent <= silenceMs) return;
        this.#options.log(`${this.id}: no heartbeat for ${Math.round(silent / 1000)} s; reconnecting`);
        this.#teardown(4000, 'silent');
        this.#retry(`silent for ${silenceMs / 1000} s`);
      });
    }, 1000);
    this.#watchdog.unref();
  }

  /** Whether the token is past its known expiry: then the connection waits for a fresh one instead of dialling. */
  #tokenExpired(): boolean {
    const expiresAt = this.#options.token()?.expiresAt;
    if (!expiresAt || expiresAt.getTime() > Date.now()) return false;
    clearInterval(this.#watchdog);
    this.#connectedAt = null;
    this.#setState('token_expired', `Kite access token expired at ${expiresAt.toISOString()}: log in at the origin's /login`);
    return true;
  }

  #retry(reason: string): void {
    if (this.#state === 'stopped' || this.#state === 'idle') return;
    this.#failure = reason;
    clearInterval(this.#watchdog);
    this.#ticksPerSecond = 0;
    const delay = this.#backoff.next();
    this.#reconnects++;
    this.#setState('backoff', reason);
    this.#options.log(`${this.id}: ${reason}; reconnecting in ${delay} ms`);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#dial(), delay);
  }

  #goIdle(reason: string): void {
    this.#teardown(1000, 'no instruments');
    this.#setState('idle', reason);
  }

  #teardown(code: number, reason: string): void {
    clearTimeout(this.#timer);
    clearInterval(this.#watchdog);
    const ws = this.#ws;
    this.#ws = undefined;
    this.#connectedAt = null;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
    else ws.terminate();
    // A close handshake Kite never answers must not keep the socket alive.
    setTimeout(() => ws.terminate(), 2_000).unref();
  }

  #setState(state: ConnectionState, reason: string | undefined): void {
    if (this.#state === 'stopped' && state !== 'stopped') return;
    const changed = this.#state !== state || this.#reason !== reason;
    this.#state = state;
    this.#reason = reason;
    if (changed) this.#options.onStateChange?.(this);
  }

  #send(message: unknown): void {
    this.#ws?.send(JSON.stringify(message));
  }
}
