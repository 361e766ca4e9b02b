import { DurableObject } from 'cloudflare:workers';
import type { BackfillAsk } from '../../contracts/candle-backfill.ts';
import { EdgeTallies, type Sample } from '../../contracts/edge-metrics.ts';
import type { FeedHealth } from '../../contracts/health.ts';
import { type GroupKey, parseGroupKey } from '../../contracts/instrument-group.ts';
import { type LeaseAnswer, LeaseRequest } from '../../contracts/origin-lease.ts';
import { type KiteFeedState, LINK_ERROR_BAD_FRAME, type OriginStatus, OriginToFeed, readLinkFrame, STATUS_INTERVAL_MS } from '../../contracts/origin-link.ts';
import { frameProblem } from '../../contracts/zod-problem.ts';
import { countingErrors } from '../metrics/handler-errors.ts';
import { ObjectCounters } from '../metrics/object-counters.ts';
import { acceptOriginLink, fenceLink, finishClose, linkConnectedAt, linkToken, openOriginLink, sendFrame } from '../origin-socket.ts';
import { BackfillRequests, type BackfillResult } from './backfill-requests.ts';

/**
 * FeedControl: one instance for the whole edge, named `feed`
 * (durable-objects/stubs.ts). It holds the origin's feed link and is where
 * the two halves of the platform agree on what to stream:
 *
 * - down the link: which instrument groups have demand (the origin opens a
 *   group link for each, and closes the others), as the whole list, on
 *   connect and on every change;
 * - up the link: the origin's `status` (Kite's state, last tick, token
 *   expiry), which `/health` reads through `feedHealth()`;
 * - the origin lease (`lease()`, contracts/origin-lease.ts): which of the
 *   origin processes is active, and its fencing token. Here because this
 *   object is already the one place the edge agrees on the feed, it is
 *   strongly consistent, and the objects that take the links can ask it
 *   (`leaseToken()`) whether a link's token is current; in Postgres every
 *   link would need the edge to consult the database.
 *
 * State. The set of groups with demand, in SQLite (`groups`), changed only by
 * the InstrumentGroups through `setGroupDemand` (each retries until this
 * object acknowledges). The origin's last status and when it arrived, in
 * memory and in `meta`. When the link last dropped, in `meta`. The lease
 * (holder, fencing token, expiry on this object's clock) in `lease`, so the
 * token never goes back, restarts included.
 *
 * Restart and hibernation: everything above is reloaded by the constructor;
 * a hibernated link survives, a restart drops it and the origin reconnects
 * (and gets the groups again). A status older than STALE_STATUS_MS, or no
 * link at all, makes the feed `stale` or `down` in `feedHealth()`.
 *
 * Metrics: the edge-wide totals of the objects that come and go (alert
 * triggers, webhook deliveries, their handler errors: `tally`), with its
 * own, in its counters (metrics/object-counters.ts); `metrics()` hands
 * them and the groups with demand to /metrics.
 */
export const STALE_STATUS_MS = 2 * STATUS_INTERVAL_MS;
/** With instruments subscribed, how long without a tick the feed is `stale` though Kite's connections are up. */
export const STALE_TICK_MS = 10_000;

/** What `GET /internal/feed` shows; `health` is what `/health` reports as `feed`. */
export type FeedView = {
  health: FeedHealth;
  origin: { connected: boolean; connected_at: number | null; disconnected_at: number | null };
  /** The origin's last status, as sent (null before the first). */
  status: OriginStatus | null;
  /** When that status reached the edge (the edge's clock), and how long ago. */
  status_received_at: number | null;
  status_age_ms: number | null;
  kite_state: KiteFeedState | null;
  last_tick_age_ms: number | null;
  token_expires_at: string | null;
  instruments: number | null;
  groups_with_demand: GroupKey[];
  /** The origin lease: who holds it, its fencing token, how long it has left without a renewal. */
  lease: { holder: string | null; token: number | null; expires_in_ms: number };
};

/**
 * What a group that just got demand learns of the origin: whether its feed
 * link is up (then it links the group in a moment), and the feed's state as
 * /health has it: what the group's sessions are told until the group's own
 * link reports (durable-objects/instrument-group/feed-status.ts).
 */
export type OriginLinkView = { linked: boolean; state: FeedHealth['status']; reason?: string };

type ReceivedStatus = { status: OriginStatus; receivedAt: number };
type LinkHistory = { ever_connected: boolean; disconnected_at: number | null };
/** `holder` stays after the lease lapses or is released (it is the previous holder for the next); held while now < expiresAt. */
type Lease = { holder: string | null; token: number; expiresAt: number };

export class FeedControl extends DurableObject {
  readonly #sql: SqlStorage;
  readonly #groups = new Set<GroupKey>();
  #status: ReceivedStatus | null = null;
  #history: LinkHistory = { ever_connected: false, disconnected_at: null };
  readonly #backfills = new BackfillRequests();
  #lease: Lease = { holder: null, token: 0, expiresAt: 0 };
  readonly #counters: ObjectCounters;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#counters = new ObjectCounters(ctx.storage.sql, env.METRICS);
    void ctx.blockConcurrencyWhile(async () => this.#load());
  }

  // ---- the origin's feed link ----

  override fetch(request: Request): Response {
    return this.#counting(() => this.#acceptLink(request));
  }

  override webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    this.#counting(() => this.#onMessage(socket, message));
  }

  override webSocketClose(socket: WebSocket, code: number, reason: string): void {
    this.#counting(() => this.#onClose(socket, code, reason));
  }

  override webSocketError(socket: WebSocket, error: unknown): void {
    console.warn(`FeedControl: origin link error: ${String(error)}`);
    this.webSocketClose(socket, 1006, '');
  }

  #acceptLink(request: Request): Response {
    const accepted = acceptOriginLink(this.ctx, request, this.leaseToken());
    if (accepted instanceof Response || accepted.fenced) return accepted instanceof Response ? accepted : accepted.response;
    this.#history = { ever_connected: true, disconnected_at: null };
    this.#putMeta('link', this.#history);
    sendFrame(accepted.socket, { type: 'groups', groups: this.#groupList() });
    return accepted.response;
  }

  #onMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    if (typeof message !== 'string') {
      sendFrame(socket, { type: 'error', code: LINK_ERROR_BAD_FRAME, message: 'the feed link carries JSON text frames only; tick batches go on group links' });
      return;
    }
    const token = linkToken(socket);
    if (token !== this.leaseToken()) {
      // A hung active woke after its lease lapsed: what it reports is no longer the feed's state.
      fenceLink(socket, token ?? 0, this.leaseToken());
      return;
    }
    const read = readLinkFrame(OriginToFeed, message);
    if ('problem' in read) {
      sendFrame(socket, { type: 'error', code: LINK_ERROR_BAD_FRAME, message: `frame refused: ${read.problem}` });
      return;
    }
    const frame = read.frame;
    if (frame.type !== 'status') {
      this.#backfills.answered(frame);
      return;
    }
    this.#status = { status: frame, receivedAt: Date.now() };
    this.#putMeta('status', this.#status);
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    finishClose(socket, code, reason);
    if (!openOriginLink(this.ctx)) {
      this.#history = { ever_connected: true, disconnected_at: Date.now() };
      this.#putMeta('link', this.#history);
      this.#backfills.linkLost();
    }
  }

  #counting<T>(handler: () => T): T {
    return countingErrors(() => this.#counters.add('kite_edge_object_errors_total', { object: 'FeedControl' }), handler);
  }

  // ---- RPC ----

  /** An InstrumentGroup says whether it has demand now; the origin hears of any change at once. The answer: the origin as this object sees it. */
  setGroupDemand(group: GroupKey, hasDemand: boolean): OriginLinkView {
    if (typeof group !== 'string' || !parseGroupKey(group)) throw new TypeError(`${JSON.stringify(group)} is not an instrument group key`);
    if (typeof hasDemand !== 'boolean') throw new TypeError('hasDemand must be true or false');
    if (this.#groups.has(group) !== hasDemand) this.#changeGroups(group, hasDemand);
    const { health, origin } = this.feedHealth();
    return { linked: origin.connected, state: health.status, ...(health.reason === undefined ? {} : { reason: health.reason }) };
  }

  /**
   * Asks the origin to fetch candles the platform has not recorded from
   * Kite's historical API into Postgres (contracts/candle-backfill.ts);
   * resolves once they are there. Throws BackfillUnavailable without a link
   * or an answer.
   */
  backfill(ask: BackfillAsk): Promise<BackfillResult> {
    return this.#backfills.request(ask, (frame) => sendFrame(openOriginLink(this.ctx), frame));
  }

  /**
   * The origin lease: taken (no `token`) when free or lapsed, with a new
   * fencing token one above the last; renewed (`token`: the holder's own)
   * for another `ttl_ms`; given up (`release`). A new holder's token closes
   * the older holder's feed link (4002).
   */
  lease(request: LeaseRequest): LeaseAnswer {
    const parsed = LeaseRequest.safeParse(request);
    if (!parsed.success) throw new TypeError(`lease request refused: ${frameProblem(parsed.error)}`);
    const { origin_id, ttl_ms, token, release } = parsed.data;
    const now = Date.now();
    const lease = this.#lease;
    const held = lease.holder !== null && now < lease.expiresAt;
    const holds = held && lease.holder === origin_id && lease.token === token;
    if (release || token !== undefined) {
      if (holds) this.#putLease({ ...lease, expiresAt: release ? now : now + ttl_ms });
      return this.#leaseAnswer(holds, now);
    }
    if (held) return this.#leaseAnswer(false, now);
    this.#putLease({ holder: origin_id, token: lease.token + 1, expiresAt: now + ttl_ms });
    const link = openOriginLink(this.ctx);
    const linked = link ? linkToken(link) : null;
    if (link && linked !== this.#lease.token) fenceLink(link, linked ?? 0, this.#lease.token);
    return { ...this.#leaseAnswer(true, now), previous_holder: lease.holder };
  }

  /** The current lease's fencing token, or null when nobody holds it (it lapsed, was released, or never was taken). */
  leaseToken(): number | null {
    return this.#lease.holder !== null && Date.now() < this.#lease.expiresAt ? this.#lease.token : null;
  }

  #leaseAnswer(granted: boolean, now: number): LeaseAnswer {
    const { holder, token, expiresAt } = this.#lease;
    return { granted, holder, token: token === 0 ? null : token, expires_in_ms: Math.max(0, expiresAt - now) };
  }

  #putLease(lease: Lease): void {
    this.#lease = lease;
    this.#sql.exec(
      `INSERT INTO lease (id, holder, token, expires_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at`,
      lease.holder,
      lease.token,
      lease.expiresAt,
    );
  }

  #changeGroups(group: GroupKey, hasDemand: boolean): void {
    if (hasDemand) {
      this.#groups.add(group);
      this.#sql.exec('INSERT INTO groups (group_key) VALUES (?) ON CONFLICT DO NOTHING', group);
    } else {
      this.#groups.delete(group);
      this.#sql.exec('DELETE FROM groups WHERE group_key = ?', group);
    }
    sendFrame(openOriginLink(this.ctx), { type: 'groups', groups: this.#groupList() });
  }

  /** Counts from the objects that come and go (metrics/edge-tally.ts), added to the edge's totals. */
  tally(tallies: unknown): void {
    const read = EdgeTallies.safeParse(tallies);
    if (!read.success) throw new TypeError(`tallies.${frameProblem(read.error)}`);
    for (const { name, labels, value } of read.data) this.#counters.add(name, labels, value);
  }

  /** What /metrics reads here: the edge-wide totals, and the groups with demand (whose feed ages it asks them for). */
  metrics(): { samples: Sample[]; groups: GroupKey[] } {
    return { samples: this.#counters.samples(), groups: this.#groupList() };
  }

  /** The feed as /health and operators see it. */
  feedHealth(): FeedView {
    const now = Date.now();
    const link = openOriginLink(this.ctx);
    const received = this.#status;
    const status = received?.status ?? null;
    const statusAge = received ? Math.max(0, now - received.receivedAt) : null;
    // Age measured on each side's own clock (the origin's for tick → status, the edge's since), so clock skew cancels.
    const lastTickAge = received && status?.last_tick_at != null ? Math.max(0, status.at - status.last_tick_at) + (statusAge ?? 0) : null;
    return {
      health: this.#health(link !== undefined, status, statusAge, lastTickAge),
      origin: { connected: link !== undefined, connected_at: linkConnectedAt(link), disconnected_at: link ? null : this.#history.disconnected_at },
      status,
      status_received_at: received?.receivedAt ?? null,
      status_age_ms: statusAge,
      kite_state: status?.state ?? null,
      last_tick_age_ms: lastTickAge,
      token_expires_at: status?.token_expires_at ?? null,
      instruments: status?.instruments ?? null,
      groups_with_demand: this.#groupList(),
      lease: { holder: this.#lease.holder, token: this.#lease.token === 0 ? null : this.#lease.token, expires_in_ms: Math.max(0, this.#lease.expiresAt - now) },
    };
  }

  #health(connected: boolean, status: OriginStatus | null, statusAge: number | null, lastTickAge: number | null): FeedHealth {
    const last_tick_age_ms = lastTickAge;
    if (!connected) {
      if (!this.#history.ever_connected) return { status: 'down', last_tick_age_ms, reason: 'no origin ticker has connected to the edge' };
      const since = this.#history.disconnected_at === null ? '' : ` since ${new Date(this.#history.disconnected_at).toISOString()}`;
      return { status: 'down', last_tick_age_ms, reason: `the origin's feed link is down${since}` };
    }
    if (!status || statusAge === null) return { status: 'down', last_tick_age_ms, reason: 'the origin is linked but has not reported its status yet' };
    if (statusAge > STALE_STATUS_MS) {
      return {
        status: 'stale',
        last_tick_age_ms,
        reason: `the origin's last status is ${seconds(statusAge)} old (it reports every ${seconds(STATUS_INTERVAL_MS)})`,
      };
    }
    const why = status.reason ? `: ${status.reason}` : '';
    switch (status.state) {
      case 'live':
        // Live means ticks are arriving: connections that are up but bring nothing are not (issue 21, defect 3).
        if (status.instruments > 0 && lastTickAge !== null && lastTickAge > STALE_TICK_MS) {
          return { status: 'stale', last_tick_age_ms, reason: `Kite is connected but no tick has arrived for ${seconds(lastTickAge)}` };
        }
        return { status: 'live', last_tick_age_ms };
      case 'stale':
        return { status: 'stale', last_tick_age_ms, reason: `the origin reports Kite's ticks stale${why}` };
      case 'down':
        return { status: 'down', last_tick_age_ms, reason: `the origin reports Kite down${why}` };
      case 'token_expired':
        return { status: 'down', last_tick_age_ms, reason: `the Kite access token has expired; log in again${why}` };
    }
  }

  #groupList(): GroupKey[] {
    return [...this.#groups].sort();
  }

  // ---- storage ----

  #load(): void {
    this.#sql.exec('CREATE TABLE IF NOT EXISTS groups (group_key TEXT PRIMARY KEY)');
    this.#sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.#sql.exec(
      'CREATE TABLE IF NOT EXISTS lease (id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT, token INTEGER NOT NULL, expires_at INTEGER NOT NULL)',
    );
    for (const row of this.#sql.exec<{ holder: string | null; token: number; expires_at: number }>('SELECT holder, token, expires_at FROM lease')) {
      this.#lease = { holder: row.holder, token: row.token, expiresAt: row.expires_at };
    }
    for (const row of this.#sql.exec<{ group_key: string }>('SELECT group_key FROM groups')) this.#groups.add(row.group_key);
    for (const row of this.#sql.exec<{ key: string; value: string }>('SELECT key, value FROM meta')) {
      if (row.key === 'status') this.#status = JSON.parse(row.value) as ReceivedStatus;
      if (row.key === 'link') this.#history = JSON.parse(row.value) as LinkHistory;
    }
  }

  #putMeta(key: string, value: unknown): void {
    this.#sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, JSON.stringify(value));
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
