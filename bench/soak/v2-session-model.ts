import type { Accepted, ClientMode, Rejected } from '../../contracts/client-protocol.ts';
import type { Findings } from './findings.ts';

/**
 * What one /v2/ws session of the soak holds, as its own requests and the
 * server's answers make it, and the check of every frame against it
 * (findings.ts says what counts as seeing another's data).
 *
 * The protocol's order (docs/websocket.md, session-hub.ts): a request's
 * ack is written before any frame that follows from it, and a session's
 * requests are handled one after another. So a tick of an instrument is
 * allowed once its subscribe is acknowledged and until its unsubscribe is:
 * between the unsubscribe's sending and its ack, frames already in flight
 * may still carry it (the grace); after the ack nothing of it may come.
 * A mode change takes effect after the one frame in flight at its ack.
 */
export type Request =
  | { action: 'subscribe'; tokens: number[]; mode: ClientMode }
  | { action: 'unsubscribe'; tokens: number[] }
  | { action: 'mode'; tokens: number[]; mode: ClientMode }
  | { action: 'ping' };

/** What an answer changed in what the session holds, for the loss accounting. */
export type Holdings = { held: [number, ClientMode][]; released: number[] };

type AckFrame = { id?: string | number; action: string; accepted: Accepted[]; rejected: Rejected[]; subscribed: number };

const RICHNESS: Record<ClientMode, number> = { ltp: 0, quote: 1, full: 2 };

export class V2SessionModel {
  readonly held = new Map<number, ClientMode>();
  readonly #slot: number;
  readonly #findings: Findings;
  readonly #pending = new Map<string, Request>();
  readonly #subscribing = new Set<number>();
  readonly #unsubscribing = new Set<number>();
  /** Instruments whose mode was lowered: the next frame carrying them may still have the old mode. */
  readonly #lowered = new Set<number>();
  /** When each instrument's mode last changed, for the anomaly's detail. */
  readonly #modedAt = new Map<number, number>();
  #nextId = 1;

  constructor(slot: number, findings: Findings) {
    this.#slot = slot;
    this.#findings = findings;
  }

  /** Requests sent and not answered yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** A request about to be sent: its id (unique to this session). */
  send(request: Request): string {
    const id = `${this.#slot}.${this.#nextId++}`;
    this.#pending.set(id, request);
    if (request.action === 'subscribe') for (const t of request.tokens) this.#subscribing.add(t);
    if (request.action === 'unsubscribe') for (const t of request.tokens) this.#unsubscribing.add(t);
    return id;
  }

  /**
   * A new socket's welcome. A session that was not resumed holds nothing;
   * a resumed one holds what it held, and says how many.
   */
  welcome(resumed: boolean, subscribed: number): Holdings {
    this.#forgetRequests();
    if (!resumed) {
      const released = [...this.held.keys()];
      this.held.clear();
      return { held: [], released };
    }
    if (subscribed !== this.held.size) this.#findings.anomaly('count-mismatch', this.#slot, `resumed holding ${subscribed}, expected ${this.held.size}`);
    return { held: [...this.held], released: [] };
  }

  ack(frame: AckFrame): Holdings {
    const request = this.#answer(frame.id, 'ack');
    const change: Holdings = { held: [], released: [] };
    if (!request || request.action === 'ping' || request.action !== frame.action) {
      if (request) this.#findings.violation('answer-not-asked', this.#slot, `a ${frame.action} ack for the ${request.action} ${frame.id}`);
      return change;
    }
    for (const { instrument_token: token, mode } of frame.accepted) {
      if (request.action === 'unsubscribe') {
        this.held.delete(token);
        this.#modedAt.delete(token);
        change.released.push(token);
        continue;
      }
      const now = mode ?? request.mode;
      const before = this.held.get(token);
      if (before && RICHNESS[now] < RICHNESS[before]) this.#lowered.add(token);
      if (before && before !== now) this.#modedAt.set(token, Date.now());
      this.held.set(token, now);
      change.held.push([token, now]);
    }
    for (const rejected of frame.rejected) {
      this.#findings.anomaly('rejected', this.#slot, `${request.action} ${String(rejected.instrument)}: ${rejected.reason}`, rejected.code);
      // The server does not hold what it says this session is not subscribed to.
      if (rejected.code === 'not_subscribed' && typeof rejected.instrument === 'number' && this.held.delete(rejected.instrument))
        change.released.push(rejected.instrument);
    }
    this.#settle(request);
    if (frame.subscribed !== this.held.size)
      this.#findings.anomaly('count-mismatch', this.#slot, `ack ${frame.id} says ${frame.subscribed} held, the session's requests make ${this.held.size}`);
    return change;
  }

  pong(id: string | number | undefined): void {
    const request = this.#answer(id, 'pong');
    if (request && request.action !== 'ping') this.#findings.violation('answer-not-asked', this.#slot, `a pong for the ${request.action} ${id}`);
  }

  /** An error frame: one with an id answers (and cancels) that request. */
  error(id: string | number | undefined, code: string, message: string): void {
    this.#findings.anomaly('error-frame', this.#slot, message, code);
    if (id === undefined) return;
    const request = this.#answer(id, 'error');
    if (request) this.#settle(request);
  }

  /** The instruments of one ticks or snapshot frame (`kind`), each with its mode. */
  ticks(kind: string, ticks: readonly { token: number; mode: ClientMode }[]): void {
    for (const { token, mode } of ticks) {
      const held = this.held.get(token);
      if (held !== undefined) {
        if (RICHNESS[mode] > RICHNESS[held] && !this.#lowered.has(token)) {
          const moded = this.#modedAt.get(token);
          const since = moded === undefined ? 'never re-moded' : `re-moded ${Date.now() - moded} ms before`;
          this.#findings.anomaly('richer-mode', this.#slot, `${token} in ${mode}, held in ${held}, in a ${kind} frame, ${since}`);
        }
      } else if (this.#subscribing.has(token)) this.#findings.anomaly('tick-before-ack', this.#slot, `${token}`);
      else if (!this.#unsubscribing.has(token)) this.#findings.violation('tick-not-held', this.#slot, `${token} (${mode})`);
    }
    for (const { token } of ticks) this.#lowered.delete(token);
  }

  status(group: string, instruments: readonly number[]): void {
    const foreign = instruments.filter((t) => !this.held.has(t) && !this.#unsubscribing.has(t) && !this.#subscribing.has(t));
    if (foreign.length > 0) this.#findings.violation('status-not-held', this.#slot, `${group}: ${foreign.join(', ')}`);
  }

  /** The request an answer is for, or a violation when the session never sent it (or it was answered already). */
  #answer(id: string | number | undefined, what: string): Request | undefined {
    const request = id === undefined ? undefined : this.#pending.get(String(id));
    if (!request) {
      this.#findings.violation('answer-not-asked', this.#slot, `${what} ${id === undefined ? 'without an id' : `for ${id}`}`);
      return undefined;
    }
    this.#pending.delete(String(id));
    return request;
  }

  #settle(request: Request): void {
    if (request.action === 'subscribe') for (const t of request.tokens) this.#subscribing.delete(t);
    if (request.action === 'unsubscribe') for (const t of request.tokens) this.#unsubscribing.delete(t);
  }

  /** A new socket: what the old one asked is answered there or nowhere. */
  #forgetRequests(): void {
    this.#pending.clear();
    this.#subscribing.clear();
    this.#unsubscribing.clear();
    this.#lowered.clear();
    this.#modedAt.clear();
  }
}
