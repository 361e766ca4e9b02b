import type { LeaseAnswer } from '../../contracts/origin-lease.ts';
import type { LeaseClient } from './lease-client.ts';

/**
 * Whether this origin is the `active` one (holds the lease: connects to
 * Kite, links the edge) or a `standby` (holds nothing, asks for the lease
 * every `renewMs`). docs/origin.md, "Roles".
 *
 *   standby ── lease granted ──────────────────────────────► active (onActive(token))
 *   active  ── renewed ────────────────────────────────────► active
 *   active  ── refused, fenced by the edge (4002), or no
 *              renewal for ttlMs on this process's own clock ► standby (onStandby(why))
 *
 * The lease's age is measured on a monotonic clock from when the last
 * successful request was sent (the edge counts from when it arrived, so it
 * holds the lease a little longer than this origin believes it holds it).
 * `mayAct()` is asked before anything goes to Kite or the edge: a process
 * resumed after a SIGSTOP longer than the time to live finds its lease
 * lapsed there, before its first send, and steps down.
 */
export type Role = 'active' | 'standby';

export type OriginRoleOptions = {
  originId: string;
  renewMs: number;
  ttlMs: number;
  lease: LeaseClient;
  /** Milliseconds on a monotonic clock (performance.now: a wall clock stepped by NTP would stretch or cut the lease). */
  now: () => number;
  /** This origin holds the lease with `token` now: connect to Kite and link the edge. */
  onActive: (token: number) => void;
  /** It no longer does: drop the Kite connections and the links at once. */
  onStandby: (why: string) => void;
  log: (line: string) => void;
};

export type RoleView = {
  role: Role;
  origin_id: string;
  /** The fencing token this origin holds (active), or the current lease's as last heard (standby). */
  token: number | null;
  /** Who holds the lease, as last heard. */
  holder: string | null;
  /** Active: time since the last successful renewal (on this process's clock); standby: null. */
  age_ms: number | null;
  ttl_ms: number;
  renew_ms: number;
  /** Times this process took the lease over from another holder. */
  failovers: number;
  /** Why the last lease request failed (null after one that got an answer). */
  last_error: string | null;
};

export class OriginRole {
  #role: Role = 'standby';
  #token: number | null = null;
  #holder: string | null = null;
  /** When the request behind the last grant or renewal was sent (monotonic ms). */
  #renewedAt = 0;
  #failovers = 0;
  #lastError: string | null = null;
  #asking: Promise<void> | null = null;
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #options: OriginRoleOptions;

  constructor(options: OriginRoleOptions) {
    this.#options = options;
  }

  get role(): Role {
    return this.#role;
  }

  /** Asks for the lease now and then every renewMs, until stop(). */
  start(): Promise<void> {
    this.#timer = setInterval(() => void this.tick(), this.#options.renewMs);
    return this.tick();
  }

  /** Stops asking, and gives the lease up if held so that a standby takes over at once (SIGTERM). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopping = true;
    // A take in flight may still be granted: wait for its answer, so a lease granted now is given back, not left to lapse.
    await this.#asking;
    const token = this.#token;
    if (this.#role !== 'active' || token === null) return;
    this.#stepDown('stopping');
    await this.#options
      .lease({ origin_id: this.#options.originId, ttl_ms: this.#options.ttlMs, token, release: true }, this.#options.renewMs)
      .catch((error: unknown) => this.#options.log(`could not give the lease up (a standby takes over once it lapses): ${(error as Error).message}`));
  }

  /** True while this origin holds the lease by its own clock; the first call after it lapsed steps down. */
  mayAct(): boolean {
    if (this.#role !== 'active') return false;
    const age = this.#options.now() - this.#renewedAt;
    if (age < this.#options.ttlMs) return true;
    this.#stepDown(`the lease lapsed: no renewal for ${Math.round(age)} ms (time to live ${this.#options.ttlMs} ms)`);
    return false;
  }

  /** The edge closed a link of this term with 4002: another origin holds a newer lease. */
  fenced(why: string): void {
    if (this.#role === 'active') this.#stepDown(`the edge refused this origin's fencing token: ${why}`);
  }

  view(): RoleView {
    const active = this.#role === 'active';
    return {
      role: this.#role,
      origin_id: this.#options.originId,
      token: this.#token,
      holder: this.#holder,
      age_ms: active ? Math.round(this.#options.now() - this.#renewedAt) : null,
      ttl_ms: this.#options.ttlMs,
      renew_ms: this.#options.renewMs,
      failovers: this.#failovers,
      last_error: this.#lastError,
    };
  }

  /** One round: renew (active) or ask (standby); one request at a time. */
  tick(): Promise<void> {
    if (this.#asking || this.#stopping) return this.#asking ?? Promise.resolve();
    if (this.#role === 'active' && !this.mayAct()) return Promise.resolve();
    this.#asking = this.#ask().finally(() => {
      this.#asking = null;
    });
    return this.#asking;
  }

  async #ask(): Promise<void> {
    const sentAt = this.#options.now();
    const held = this.#role === 'active' ? this.#token : null;
    const { originId, ttlMs } = this.#options;
    try {
      // An answer that comes after the lease would have lapsed is of no use: wait no longer than what is left (a
      // whole time to live for a lease being taken). A take that waited only a round lost every grant of an edge
      // slower than that: the lease stood granted to an origin that did not know it, lapsed, and went the same way
      // again, so on a busy machine a dead active's standby never took over.
      const timeout = ttlMs - (held === null ? 0 : sentAt - this.#renewedAt);
      const answer = await this.#options.lease({ origin_id: originId, ttl_ms: ttlMs, ...(held === null ? {} : { token: held }) }, timeout);
      this.#lastError = null;
      this.#heard(answer, sentAt, held);
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.#lastError) this.#options.log(`lease request failed: ${message}`);
      this.#lastError = message;
    }
  }

  #heard(answer: LeaseAnswer, sentAt: number, held: number | null): void {
    this.#holder = answer.holder;
    if (held !== null) {
      // Stepped down meanwhile (lapsed, fenced): a late renewal does not make this origin active again.
      if (this.#role !== 'active' || this.#token !== held) return;
      if (answer.granted) this.#renewedAt = sentAt;
      else this.#stepDown(`the edge did not renew the lease: ${answer.holder ?? 'nobody'} holds it with token ${answer.token}`);
      return;
    }
    if (!answer.granted) {
      this.#token = answer.token;
      return;
    }
    if (answer.token === null) throw new Error('the edge granted the lease without a fencing token');
    this.#role = 'active';
    this.#token = answer.token;
    this.#renewedAt = sentAt;
    if (this.#stopping) {
      // Granted to an origin on its way out: held only until stop() gives it back, never acted on.
      this.#options.log(`granted the lease with fencing token ${answer.token} while stopping: giving it back`);
      return;
    }
    const previous = answer.previous_holder ?? null;
    if (previous !== null && previous !== this.#options.originId) this.#failovers++;
    this.#options.log(`active: holds the lease with fencing token ${answer.token}${previous ? ` (taken over from ${previous})` : ''}`);
    this.#options.onActive(answer.token);
  }

  #stepDown(why: string): void {
    this.#role = 'standby';
    this.#options.log(`standby: ${why}; dropping the Kite connections and the links`);
    // After the current callback (a send, a Kite frame): the feed is not torn down from inside its own loops.
    queueMicrotask(() => this.#options.onStandby(why));
  }
}
