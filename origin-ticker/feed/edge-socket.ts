import WebSocket from 'ws';
import { Backoff, type BackoffPolicy } from '../../contracts/backoff.ts';
import { FENCING_TOKEN_HEADER } from '../../contracts/origin-lease.ts';
import { LINK_CLOSE_FENCED, LINK_SUBPROTOCOL } from '../../contracts/origin-link.ts';

/**
 * One reconnecting, authenticated WebSocket from the origin to the edge
 * (the feed link or a group link): Bearer ORIGIN_LINK_SECRET, the link
 * subprotocol and the lease's fencing token on every dial, capped jittered
 * backoff between dials, and a clear log line for why the edge refused
 * (401: wrong secret; 426/400: a protocol version the edge does not speak).
 * Nothing is sent unless `permit()` says this origin still holds the lease;
 * a close with 4002 (the edge holds a newer lease) is not redialled but
 * handed to `onFenced`.
 */
/** What every link of one active term carries and obeys (origin-ticker/lease/origin-role.ts). */
export type EdgeLinkAuth = {
  secret: string;
  fencingToken: number;
  /** Asked before every send: false once this origin's lease may have lapsed. */
  permit: () => boolean;
  onFenced: (reason: string) => void;
};

export type EdgeSocketOptions = {
  url: string;
  auth: EdgeLinkAuth;
  name: string;
  onOpen: () => void;
  onText: (text: string) => void;
  onClose?: () => void;
  log: (line: string) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
};

/** The edge is close and cheap to redial: a short cap brings the links back soon after it restarts. Full jitter, 0.25 s doubling to 2 s. */
export const EDGE_RECONNECT: BackoffPolicy = { baseMs: 250, maxMs: 2_000, jitter: 'full' };

export class EdgeSocket {
  #ws: WebSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #reconnects = 0;
  #connectedAt: number | null = null;
  #lastError: string | undefined;
  readonly #backoff: Backoff;
  readonly #options: EdgeSocketOptions;

  constructor(options: EdgeSocketOptions) {
    this.#options = options;
    this.#backoff = new Backoff({
      ...EDGE_RECONNECT,
      baseMs: options.backoffBaseMs ?? EDGE_RECONNECT.baseMs,
      maxMs: options.backoffMaxMs ?? EDGE_RECONNECT.maxMs,
    });
    this.#dial();
  }

  get open(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  stats() {
    return { connected: this.open, connected_at: this.#connectedAt, reconnects: this.#reconnects, last_error: this.#lastError ?? null };
  }

  /** Sends when open; false otherwise (the caller keeps what matters for the reconnect). */
  send(data: string | Uint8Array): boolean {
    if (!this.open || !this.#options.auth.permit()) return false;
    this.#ws?.send(data);
    return true;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws?.readyState === WebSocket.OPEN) ws.close(1000, 'origin stopping');
    else ws?.terminate();
  }

  #dial(): void {
    if (this.#closed) return;
    const ws = new WebSocket(this.#options.url, LINK_SUBPROTOCOL, {
      headers: { Authorization: `Bearer ${this.#options.auth.secret}`, [FENCING_TOKEN_HEADER]: String(this.#options.auth.fencingToken) },
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
    this.#ws = ws;
    ws.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8').slice(0, 500)));
      response.on('end', () => this.#retry(ws, `edge refused the ${this.#options.name} link with HTTP ${status}: ${body.slice(0, 300)}`));
      response.on('error', () => this.#retry(ws, `edge refused the ${this.#options.name} link with HTTP ${status}`));
    });
    ws.on('open', () => {
      if (this.#ws !== ws) return;
      this.#backoff.reset();
      this.#connectedAt = Date.now();
      this.#lastError = undefined;
      this.#options.onOpen();
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (this.#ws === ws && !isBinary) this.#options.onText(data.toString('utf8'));
    });
    ws.on('close', (code, reason) => {
      const why = `${this.#options.name} link closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`;
      if (code === LINK_CLOSE_FENCED && this.#ws === ws) {
        this.close();
        this.#options.auth.onFenced(why);
        return;
      }
      this.#retry(ws, why);
    });
    ws.on('error', (error) => this.#retry(ws, `${this.#options.name} link: ${error.message}`));
  }

  #retry(ws: WebSocket, reason: string): void {
    if (this.#ws !== ws) return;
    this.#ws = undefined;
    ws.terminate();
    if (this.#connectedAt !== null) this.#options.onClose?.();
    this.#connectedAt = null;
    if (this.#closed) return;
    this.#reconnects++;
    const delay = this.#backoff.next();
    // The same failure every second is noise: log when it changes, or every tenth attempt.
    if (reason !== this.#lastError || this.#backoff.attempts % 10 === 0) this.#options.log(`${reason}; retrying in ${delay} ms`);
    this.#lastError = reason;
    this.#timer = setTimeout(() => this.#dial(), delay);
  }
}
