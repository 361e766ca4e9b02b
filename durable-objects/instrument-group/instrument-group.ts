import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import type { FeedState } from '../../contracts/client-protocol.ts';
import {
  ConsumerName,
  type DemandSummary,
  type GroupCapacity,
  type GroupFeedState,
  type GroupState,
  type LatestPacket,
  MAX_CONSUMER_TOKENS,
  MAX_KEPT_REJECTIONS,
} from '../../contracts/group-state.ts';
import { type GroupStatus, HUB_LINK_PATH, HubToGroup } from '../../contracts/hub-link.ts';
import { type GroupKey, parseGroupKey } from '../../contracts/instrument-group.ts';
import {
  Demand,
  decodeTickBatch,
  encodeTickBatch,
  LINK_ERROR_BAD_FRAME,
  OriginToGroup,
  packetToken,
  SNAPSHOT_BATCH_KIND,
  TICK_BATCH_KIND,
  type TickMode,
} from '../../contracts/origin-link.ts';
import { GroupAlerts, type GroupAlertsState } from '../alerts/group-alerts.ts';
import { type DemandChange, DemandIndex } from './demand-index.ts';
import { decodeHeldChunk, encodeHeldChunks } from './held-packets.ts';
import { HubLinks, sendToHub } from './hub-socket.ts';
import { acceptOriginLink, finishClose, frameProblem, linkConnectedAt, openOriginLink, sendFrame } from '../origin-socket.ts';
import { feedControl } from '../stubs.ts';

/**
 * InstrumentGroup: one instance per instrument group, named by its group key
 * (contracts/instrument-group.ts: `index:NSE`, `fno:NFO:NIFTY`, `cash:NSE:07`).
 * It owns the group's side of the origin link (tick batches in, demand out),
 * the latest Kite packet of each of the group's instruments, the group's
 * demand: which consumers (fan-out hubs, operators) want which tokens in
 * which mode, and the links of the SessionHubs (contracts/hub-link.ts): each
 * hub gets one batch per origin batch holding the packets it wants, a
 * snapshot when it asks, and the group's feed state as sessions see it.
 * It also evaluates the price alerts on its instruments on every tick
 * (alerts/group-alerts.ts: held in SQLite `alert_*` tables, reloaded and
 * reconciled with Postgres at each start; docs/alerts.md).
 *
 * State. In memory: the latest packet per token (a copy of Kite's bytes and
 * when the origin received it), tick counters, the feed state and capacity
 * rejections the origin last reported, and the demand index. In SQLite:
 * `latest_chunks` (the snapshot, a few rows: held-packets.ts), `demand_sets`
 * (each consumer's wants, a row each) and `meta` (feed state, rejections,
 * counters, what FeedControl was last told).
 *
 * Single-threaded: a tick batch, an RPC and the alarm never run at once, so
 * the maps need no locks. The one await that lets other events in midway is
 * the call to FeedControl: one call is in flight at a time, and it re-reads
 * the demand after each answer, so interleaved demand changes still end with
 * FeedControl told the last state.
 *
 * Restart (eviction, deploy, `restart()`) and hibernation: the constructor
 * reloads the snapshot and the demand, so the object starts warm. Ticks and
 * hubs' demand changes that arrived after the last snapshot write (at most
 * SNAPSHOT_INTERVAL_MS, about five seconds) are lost unless `restart()` wrote
 * them first; the origin's next ticks replace the ticks, and each hub says
 * its whole demand again as its link reconnects. The links survive
 * hibernation (the runtime holds them); a restart drops them and the origin
 * and the hubs reconnect.
 *
 * Bounds. At most MAX_HELD_INSTRUMENTS tokens are held (the least recently
 * ticked is dropped first, from memory and from the snapshot), and a token
 * no consumer wants is dropped once its last packet is older than
 * UNDEMANDED_RETENTION_MS. Demand is at most MAX_CONSUMER_TOKENS per consumer.
 */
/**
 * How often the snapshot (and changed demand) is written. When it was a row
 * per token and every second, the writes were a fifth of the edge's CPU
 * under the fan-out bench (a profile of 200 sessions), for ticks the
 * origin's next ones replace anyway.
 */
export const SNAPSHOT_INTERVAL_MS = 5_000;
export const MAX_HELD_INSTRUMENTS = 20_000;
export const UNDEMANDED_RETENTION_MS = 60 * 60_000;
/** How long without an origin link the feed counts as `stale` (reconnecting) before it is `down`. */
export const DOWN_AFTER_MS = 30_000;
/** How soon a failed call to FeedControl is tried again. */
const FEED_CONTROL_RETRY_MS = 5_000;

type Held = { packet: Uint8Array; receivedAt: number };
type Counters = { ticks_received: number; last_tick_at: number | null; last_written_at?: number | null };
type LinkHistory = { disconnected_at: number | null };

export class InstrumentGroup extends DurableObject {
  readonly #sql: SqlStorage;
  readonly #group: GroupKey;
  /** token → latest packet, least recently ticked first (re-inserted on every tick). */
  readonly #latest = new Map<number, Held>();
  /** Tokens whose stored snapshot is behind memory (ticked or dropped since the last write). */
  readonly #behind = new Set<number>();
  /** Consumers whose stored demand is behind memory. */
  readonly #demandBehind = new Set<string>();
  readonly #hubs: HubLinks;
  readonly #demand = new DemandIndex();
  #counters: Counters = { ticks_received: 0, last_tick_at: null };
  #countersDirty = false;
  #feed: GroupFeedState | null = null;
  #capacity: GroupCapacity | null = null;
  #history: LinkHistory = { disconnected_at: null };
  #lastWrittenAt: number | null = null;
  #alarmAt: number | null = null;
  /** What FeedControl last acknowledged about this group: has demand or not. */
  #feedControlKnows = false;
  #tellingFeedControl: Promise<void> | null = null;
  /** The feed state hubs were last told (undefined until the first hub asks after a start). */
  #toldHubs: { state: FeedState; reason?: string } | undefined;
  /** The group's price alerts (alerts/group-alerts.ts); none for a name that is not a group key. */
  readonly #alerts: GroupAlerts | undefined;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#group = ctx.id.name ?? '';
    this.#hubs = new HubLinks(ctx);
    this.#alerts = parseGroupKey(this.#group)
      ? new GroupAlerts(ctx, env, this.#group, {
          latestPacket: (token) => this.#latest.get(token)?.packet,
          setDemand: (demand) => void this.#applyDemand(ALERTS_CONSUMER, this.#demand.set(ALERTS_CONSUMER, demand)),
          wakeAt: (at) => this.#scheduleAlarm(at),
        })
      : undefined;
    void ctx.blockConcurrencyWhile(async () => {
      this.#alarmAt = await ctx.storage.getAlarm();
      this.#load();
      this.#alerts?.start(Date.now());
    });
  }

  // ---- the origin link ----

  override fetch(request: Request): Response {
    if (!parseGroupKey(this.#group)) return new Response(`${JSON.stringify(this.#group)} is not an instrument group key`, { status: 400 });
    if (new URL(request.url).pathname === HUB_LINK_PATH) {
      const hub = this.#hubs.accept(request);
      if (hub instanceof Response) return hub;
      sendToHub(hub.socket, this.#feedStatus(Date.now()));
      return hub.response;
    }
    const accepted = acceptOriginLink(this.ctx, request);
    if (accepted instanceof Response) return accepted;
    sendFrame(accepted.socket, { type: 'demand', tokens: this.#demand.union() });
    this.#tellHubs();
    return accepted.response;
  }

  override webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    const hub = this.#hubs.hubOf(socket);
    if (hub !== undefined) this.#onHubMessage(socket, hub, message);
    else if (typeof message === 'string') this.#onText(socket, message);
    else this.#onBatch(socket, message);
  }

  override webSocketClose(socket: WebSocket, code: number, reason: string): void {
    finishClose(socket, code, reason);
    const hub = this.#hubs.hubOf(socket);
    if (hub !== undefined) {
      this.#hubs.closed();
      // The hub reconnects and says again what it wants; until then nobody here needs its demand.
      if (!this.#hubs.stillLinked(hub, socket)) void this.#applyDemand(hubConsumer(hub), this.#demand.set(hubConsumer(hub), new Map()));
      return;
    }
    if (!openOriginLink(this.ctx)) {
      this.#history = { disconnected_at: Date.now() };
      this.#putMeta('link', this.#history);
      this.#tellHubs();
      this.#scheduleAlarm(Date.now() + DOWN_AFTER_MS);
    }
  }

  override webSocketError(socket: WebSocket, error: unknown): void {
    console.warn(`InstrumentGroup ${this.#group}: origin link error: ${String(error)}`);
    this.webSocketClose(socket, 1006, '');
  }

  #onBatch(socket: WebSocket, data: ArrayBuffer): void {
    let batch: ReturnType<typeof decodeTickBatch>;
    try {
      batch = decodeTickBatch(data);
    } catch (error) {
      sendFrame(socket, { type: 'error', code: LINK_ERROR_BAD_FRAME, message: `tick batch refused: ${frameProblem(error)}` });
      return;
    }
    if (batch.kind !== TICK_BATCH_KIND) {
      sendFrame(socket, { type: 'error', code: LINK_ERROR_BAD_FRAME, message: `tick batch refused: kind ${batch.kind} is not a tick batch` });
      return;
    }
    if (batch.packets.length === 0) return;
    for (const packet of batch.packets) {
      const token = packetToken(packet);
      // Delete first so the map stays ordered by last tick (the oldest goes first when full).
      this.#latest.delete(token);
      this.#latest.set(token, { packet: packet.slice(), receivedAt: batch.receivedAt });
      this.#behind.add(token);
    }
    this.#counters = { ticks_received: this.#counters.ticks_received + batch.packets.length, last_tick_at: Date.now() };
    this.#countersDirty = true;
    this.#dropOverCapacity();
    this.#scheduleAlarm(Date.now() + SNAPSHOT_INTERVAL_MS);
    this.#forwardToHubs(data, batch.receivedAt, batch.packets);
    this.#alerts?.onTicks(batch.packets, batch.receivedAt);
  }

  /**
   * One batch per hub with the packets it wants, in the richest mode the
   * group holds them: the origin's own batch when the hub wants all of it
   * (the common case once a hub has many sessions), else a new one.
   */
  #forwardToHubs(original: ArrayBuffer, receivedAt: number, packets: readonly Uint8Array[]): void {
    for (const { socket, hub } of this.#hubs.open()) {
      const wants = this.#demand.wantsOf(hubConsumer(hub));
      if (wants.size === 0) continue;
      const wanted = packets.filter((packet) => wants.has(packetToken(packet)));
      if (wanted.length === packets.length) sendToHub(socket, new Uint8Array(original));
      else if (wanted.length > 0) sendToHub(socket, encodeTickBatch(receivedAt, wanted));
    }
  }

  #onHubMessage(socket: WebSocket, hub: string, message: string | ArrayBuffer): void {
    let frame: HubToGroup;
    try {
      if (typeof message !== 'string') throw new TypeError('a hub sends JSON text frames only');
      frame = HubToGroup.parse(JSON.parse(message));
    } catch (error) {
      // Hubs are our own code: a frame that does not parse is a bug to log, and the link goes on.
      console.error(`InstrumentGroup ${this.#group}: hub ${hub} sent a bad frame: ${frameProblem(error)}`);
      return;
    }
    const consumer = hubConsumer(hub);
    const wants = new Map(Object.entries(frame.type === 'want' ? frame.tokens : frame.set).map(([token, mode]) => [Number(token), mode]));
    const size = frame.type === 'want' ? wants.size : this.#demand.wantsOf(consumer).size + wants.size;
    if (size > MAX_CONSUMER_TOKENS) {
      console.error(`InstrumentGroup ${this.#group}: hub ${hub} wants ${size} tokens, more than ${MAX_CONSUMER_TOKENS}; ignored`);
      return;
    }
    void this.#applyDemand(consumer, frame.type === 'want' ? this.#demand.set(consumer, wants) : this.#demand.update(consumer, wants, frame.drop));
    if (frame.snapshot.length > 0) {
      const held: Uint8Array[] = [];
      let newest = 0;
      for (const token of frame.snapshot) {
        const latest = this.#latest.get(token);
        if (!latest) continue;
        held.push(latest.packet);
        newest = Math.max(newest, latest.receivedAt);
      }
      sendToHub(socket, encodeTickBatch(newest || Date.now(), held, SNAPSHOT_BATCH_KIND));
    }
  }

  /** The feed state sessions of this group see (docs/websocket.md, "feed status"). */
  #feedStatus(now: number): GroupStatus {
    if (!openOriginLink(this.ctx)) {
      const since = this.#history.disconnected_at;
      if (since !== null && now - since < DOWN_AFTER_MS)
        return { type: 'status', state: 'stale', reason: 'the origin link dropped; it is reconnecting', at: now };
      return { type: 'status', state: 'down', reason: 'the origin is not connected', at: now };
    }
    const feed = this.#feed;
    if (!feed || feed.state === 'live') return { type: 'status', state: 'live', at: now };
    const reason = feed.reason ?? (feed.state === 'token_expired' ? 'the Kite access token expired' : `Kite is ${feed.state}`);
    return { type: 'status', state: feed.state === 'stale' ? 'stale' : 'down', reason, at: now };
  }

  /** Tells every hub the feed state when it changed since they were last told. */
  #tellHubs(): void {
    const status = this.#feedStatus(Date.now());
    if (this.#toldHubs?.state === status.state && this.#toldHubs.reason === status.reason) return;
    this.#toldHubs = { state: status.state, ...(status.reason === undefined ? {} : { reason: status.reason }) };
    for (const { socket } of this.#hubs.open()) sendToHub(socket, status);
  }

  #onText(socket: WebSocket, text: string): void {
    let frame: OriginToGroup;
    try {
      frame = OriginToGroup.parse(JSON.parse(text));
    } catch (error) {
      sendFrame(socket, { type: 'error', code: LINK_ERROR_BAD_FRAME, message: `frame refused: ${frameProblem(error)}` });
      return;
    }
    const now = Date.now();
    if (frame.type === 'feed') {
      this.#feed = { state: frame.state, ...(frame.reason === undefined ? {} : { reason: frame.reason }), at: frame.at, received_at: now };
      this.#putMeta('feed', this.#feed);
      this.#tellHubs();
    } else {
      this.#capacity = { rejected_count: frame.rejected.length, rejected: frame.rejected.slice(0, MAX_KEPT_REJECTIONS), received_at: now };
      this.#putMeta('capacity', this.#capacity);
    }
  }

  // ---- RPC ----

  /**
   * Replaces one consumer's whole demand for this group (an empty `tokens`
   * removes the consumer). The group's demand is the union over consumers,
   * each token in the richest mode any of them wants. A change of the union
   * goes to the origin on the link; a change between empty and not goes to
   * FeedControl (retried by the alarm until it is acknowledged).
   */
  async setDemand(consumer: string, tokens: Demand): Promise<DemandSummary> {
    this.#requireGroupKey();
    const name = ConsumerName.safeParse(consumer);
    if (!name.success) throw new TypeError(`consumer: ${name.error.issues[0]?.message}`);
    const wants = Demand.safeParse(tokens);
    if (!wants.success) throw new TypeError(`tokens.${frameProblem(wants.error)}`);
    const entries = Object.entries(wants.data);
    if (entries.length > MAX_CONSUMER_TOKENS)
      throw new RangeError(`a consumer may want at most ${MAX_CONSUMER_TOKENS} tokens of one group, not ${entries.length}`);
    const applied = this.#applyDemand(consumer, this.#demand.set(consumer, new Map(entries.map(([token, mode]) => [Number(token), mode]))));
    // An operator's call is rare and nobody would say it again after a restart: stored now.
    this.#writeDemand();
    await applied;
    return { group: this.#group, tokens: this.#demand.size, consumers: this.#demand.consumers() };
  }

  /**
   * Takes a change of one consumer's demand (made on this.#demand): stored
   * with the next snapshot, and a new union goes on to the origin now. Hubs
   * change demand with every subscription of every session, so it is written
   * once per consumer per snapshot interval, not per change; what a restart
   * loses of it, each hub says again as its link reconnects, and the alerts
   * recompute at start.
   */
  async #applyDemand(consumer: string, change: DemandChange): Promise<void> {
    if (change.removed.length > 0 || change.upserted.size > 0) {
      this.#demandBehind.add(consumer);
      this.#scheduleAlarm(Date.now() + SNAPSHOT_INTERVAL_MS);
    }
    if (change.unionChanged) sendFrame(openOriginLink(this.ctx), { type: 'demand', tokens: this.#demand.union() });
    await this.#tellFeedControl();
  }

  /**
   * The REST API changed these alerts of this group in Postgres: the group
   * reads them and evaluates them from the next tick (a deleted one is
   * dropped). Resolves once applied.
   */
  async alertsChanged(ids: string[]): Promise<GroupAlertsState> {
    this.#requireGroupKey();
    const valid = z.array(z.uuid()).max(1_000).safeParse(ids);
    if (!valid.success) throw new TypeError(`ids: ${frameProblem(valid.error)}`);
    await this.#alerts?.changed(valid.data);
    return this.alertState();
  }

  /** The alerts this group holds and the triggers it has not recorded yet. */
  alertState(): GroupAlertsState {
    this.#requireGroupKey();
    return this.#alerts?.state() ?? { held: 0, pending: 0, next_sync_at: null };
  }

  /** What operators and tests read: the link, the feed, the counters, the demand. */
  state(): GroupState {
    const now = Date.now();
    const link = openOriginLink(this.ctx);
    const lastTickAt = this.#counters.last_tick_at;
    return {
      group: this.#group,
      link: { connected: link !== undefined, connected_at: linkConnectedAt(link), disconnected_at: link ? null : this.#history.disconnected_at },
      feed: this.#feed,
      ticks_received: this.#counters.ticks_received,
      last_tick_at: lastTickAt,
      last_tick_age_ms: lastTickAt === null ? null : Math.max(0, now - lastTickAt),
      instruments_held: this.#latest.size,
      demand: { tokens: this.#demand.union(), consumers: this.#demand.consumers() },
      capacity: this.#capacity,
      snapshot: { pending_writes: this.#behind.size, last_written_at: this.#lastWrittenAt },
    };
  }

  /** The latest packet of each of `tokens` this group holds (all it holds when omitted); tokens it does not hold are left out. */
  latest(tokens?: number[]): LatestPacket[] {
    if (tokens !== undefined && (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t)))) {
      throw new TypeError('tokens must be an array of instrument tokens');
    }
    const out: LatestPacket[] = [];
    for (const token of tokens ?? this.#latest.keys()) {
      const held = this.#latest.get(token);
      if (held) out.push({ token, received_at: held.receivedAt, packet: toBase64(held.packet) });
    }
    return out;
  }

  /**
   * Writes the snapshot, waits until it is durable (an abort breaks the
   * output gate, which would drop writes not yet committed), then resets the
   * object: the next call gets a fresh instance loaded from the snapshot. The
   * call itself fails with "restart requested"; the link drops (1006) and the
   * origin reconnects.
   */
  async restart(): Promise<void> {
    this.#writeSnapshot();
    if (openOriginLink(this.ctx)) {
      this.#history = { disconnected_at: Date.now() };
      this.#putMeta('link', this.#history);
    }
    await this.ctx.storage.sync();
    this.ctx.abort('restart requested');
  }

  // ---- the alarm: snapshot, bounds, FeedControl retries ----

  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    this.#tellHubs();
    this.#dropUndemanded(Date.now());
    this.#writeSnapshot();
    await this.#tellFeedControl();
    await this.#alerts?.alarm(Date.now());
  }

  #scheduleAlarm(at: number): void {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** Writes what is behind in SQLite: the held packets (all of them, in a few rows: held-packets.ts), the counters, changed demand. */
  #writeSnapshot(): void {
    this.#writeDemand();
    if (this.#behind.size === 0 && !this.#countersDirty) return;
    if (this.#behind.size > 0) {
      const chunks = encodeHeldChunks(this.#latest.values());
      chunks.forEach((chunk, i) => this.#sql.exec('INSERT OR REPLACE INTO latest_chunks (chunk, data) VALUES (?, ?)', i, exactBuffer(chunk)));
      this.#sql.exec('DELETE FROM latest_chunks WHERE chunk >= ?', chunks.length);
    }
    this.#lastWrittenAt = Date.now();
    this.#putMeta('counters', { ...this.#counters, last_written_at: this.#lastWrittenAt });
    this.#behind.clear();
    this.#countersDirty = false;
  }

  /** Each changed consumer's whole demand as one row (token → mode, JSON): a row per token was one statement per subscription. */
  #writeDemand(): void {
    for (const consumer of this.#demandBehind) {
      const wants = this.#demand.wantsOf(consumer);
      if (wants.size === 0) this.#sql.exec('DELETE FROM demand_sets WHERE consumer = ?', consumer);
      else this.#sql.exec('INSERT OR REPLACE INTO demand_sets (consumer, tokens) VALUES (?, ?)', consumer, JSON.stringify(Object.fromEntries(wants)));
    }
    this.#demandBehind.clear();
  }

  #dropOverCapacity(): void {
    while (this.#latest.size > MAX_HELD_INSTRUMENTS) {
      const oldest = this.#latest.keys().next().value as number;
      this.#drop(oldest);
    }
  }

  #dropUndemanded(now: number): void {
    for (const [token, held] of this.#latest) {
      if (now - held.receivedAt > UNDEMANDED_RETENTION_MS && !this.#demand.has(token)) this.#drop(token);
    }
  }

  #drop(token: number): void {
    this.#latest.delete(token);
    this.#behind.add(token);
  }

  /** Brings FeedControl to whether this group has demand; one call in flight, re-checked after each. */
  #tellFeedControl(): Promise<void> {
    this.#tellingFeedControl ??= this.#syncFeedControl().finally(() => {
      this.#tellingFeedControl = null;
    });
    return this.#tellingFeedControl;
  }

  async #syncFeedControl(): Promise<void> {
    for (;;) {
      const hasDemand = this.#demand.size > 0;
      if (this.#feedControlKnows === hasDemand) return;
      try {
        await feedControl(this.env).setGroupDemand(this.#group, hasDemand);
      } catch (error) {
        console.warn(`InstrumentGroup ${this.#group}: FeedControl did not take the demand change (retrying): ${String(error)}`);
        this.#scheduleAlarm(Date.now() + FEED_CONTROL_RETRY_MS);
        return;
      }
      this.#feedControlKnows = hasDemand;
      this.#putMeta('feed_control_knows', hasDemand);
    }
  }

  // ---- storage ----

  #load(): void {
    this.#sql.exec('CREATE TABLE IF NOT EXISTS latest_chunks (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL)');
    this.#sql.exec('CREATE TABLE IF NOT EXISTS demand_sets (consumer TEXT PRIMARY KEY, tokens TEXT NOT NULL)');
    this.#sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');

    for (const row of this.#sql.exec<{ data: ArrayBuffer }>('SELECT data FROM latest_chunks ORDER BY chunk')) {
      for (const held of decodeHeldChunk(row.data)) this.#latest.set(packetToken(held.packet), held);
    }
    for (const row of this.#sql.exec<{ consumer: string; tokens: string }>('SELECT consumer, tokens FROM demand_sets')) {
      const wants = Object.entries(JSON.parse(row.tokens) as Record<string, TickMode>).map(([token, mode]) => [Number(token), mode] as const);
      this.#demand.set(row.consumer, new Map(wants));
    }

    const meta = new Map<string, unknown>();
    for (const row of this.#sql.exec<{ key: string; value: string }>('SELECT key, value FROM meta')) meta.set(row.key, JSON.parse(row.value));
    const counters = meta.get('counters') as Counters | undefined;
    if (counters) {
      this.#counters = { ticks_received: counters.ticks_received, last_tick_at: counters.last_tick_at };
      this.#lastWrittenAt = counters.last_written_at ?? null;
    }
    this.#feed = (meta.get('feed') as GroupFeedState | undefined) ?? null;
    this.#capacity = (meta.get('capacity') as GroupCapacity | undefined) ?? null;
    this.#history = (meta.get('link') as LinkHistory | undefined) ?? this.#history;
    this.#feedControlKnows = meta.get('feed_control_knows') === true;
    // A demand change FeedControl never acknowledged (the object restarted first) is retried now.
    if (this.#feedControlKnows !== this.#demand.size > 0) this.#scheduleAlarm(Date.now());
  }

  #putMeta(key: string, value: unknown): void {
    this.#sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, JSON.stringify(value));
  }

  #requireGroupKey(): void {
    if (!parseGroupKey(this.#group)) throw new TypeError(`${JSON.stringify(this.#group)} is not an instrument group key`);
  }
}

const hubConsumer = (hub: string) => `hub:${hub}`;
/** The demand consumer of the group's alerts: each watched instrument in the mode its alerts read. */
const ALERTS_CONSUMER = 'alerts';

function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
