import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import type { Sample } from '../../contracts/edge-metrics.ts';
import type { ChainAnswer, FnoSummary } from '../../contracts/fno-chain.ts';
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
import type { KiteExchange } from '../../contracts/kite-instrument.ts';
import { Demand, decodeTickBatch, LINK_ERROR_BAD_FRAME, ORIGIN_SILENT_MS, OriginToGroup, readLinkFrame, TICK_BATCH_KIND } from '../../contracts/origin-link.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { frameProblem, zodMessage } from '../../contracts/zod-problem.ts';
import { openDatabase } from '../../storage/database.ts';
import { GroupAlerts, type GroupAlertsState } from '../alerts/group-alerts.ts';
import type { OriginLinkView } from '../feed-control/feed-control.ts';
import { tally } from '../metrics/edge-tally.ts';
import { countingErrors } from '../metrics/handler-errors.ts';
import { acceptOriginLink, fenceLink, finishClose, linkConnectedAt, linkToken, ORIGIN_TAG, openOriginLink, sendFrame } from '../origin-socket.ts';
import { feedControl, instrumentGroup } from '../stubs.ts';
import { CandleStreams, PUSH_INTERVAL_MS } from './candles/candle-streams.ts';
import { GroupCandles, type UnwrittenCandles } from './candles/group-candles.ts';
import { ChainStreams } from './chain-streams.ts';
import { type DemandChange, DemandIndex } from './demand-index.ts';
import { FeedControlSync } from './feed-control-sync.ts';
import { DOWN_AFTER_MS, feedStatus, type OriginView } from './feed-status.ts';
import { GroupChains } from './group-chains.ts';
import { GroupStore, type LinkHistory } from './group-store.ts';
import { HubFanOut } from './hub-fan-out.ts';
import { HubLinks } from './hub-socket.ts';
import { LatestPackets } from './latest-packets.ts';
import { TokenSlots } from './token-slots.ts';

/**
 * InstrumentGroup: the edge's end of one instrument group's origin link
 * (docs/origin-link.md).
 *
 * Key: the group key (contracts/instrument-group.ts: `index:NSE`,
 * `fno:NFO:NIFTY`, `cash:NSE:07`).
 *
 * State: the latest packet of each of the group's instruments
 * (latest-packets.ts); the demand of its consumers (the SessionHubs'
 * links, operators, its alerts: demand-index.ts), whose union goes to the
 * origin; the hubs' links (hub-socket.ts, hub-fan-out.ts); its price
 * alerts (alerts/); an fno group's option chains (group-chains.ts). SQLite
 * holds the snapshot, the demand, the chains' definitions and the last
 * reported states (group-store.ts), and the alerts' own tables.
 *
 * Restart and hibernation: the constructor reloads the snapshot and the
 * demand, so the object starts warm; what arrived after the last snapshot
 * write (at most SNAPSHOT_INTERVAL_MS) is lost unless `restart()` wrote it
 * first, and the origin's next ticks and the hubs' reconnecting links say
 * it again. Links survive hibernation; after a restart the origin and the
 * hubs reconnect.
 *
 * Metrics: `metrics()` gives the feed's age; its alert triggers and
 * handler errors are counted at FeedControl (metrics/edge-tally.ts), as a
 * group without demand is no longer asked.
 *
 * Single-threaded; the one await that lets other events in midway is the
 * call to FeedControl (feed-control-sync.ts).
 */
/** How often the snapshot (and changed demand) is written: the origin's next ticks replace what a restart loses. */
export const SNAPSHOT_INTERVAL_MS = 5_000;

export class InstrumentGroup extends DurableObject {
  readonly #group: GroupKey;
  readonly #store: GroupStore;
  /** The one token → slot lookup of the tick path, shared by the latest packets and the candles (token-slots.ts). */
  readonly #slots = new TokenSlots();
  readonly #latest = new LatestPackets(this.#slots);
  readonly #demand = new DemandIndex();
  readonly #hubs: HubLinks;
  readonly #toHubs: HubFanOut;
  readonly #feedControl: FeedControlSync<OriginLinkView>;
  /** The group's price alerts (alerts/group-alerts.ts); none for a name that is not a group key. */
  readonly #alerts: GroupAlerts | undefined;
  /** The option chains of an `fno` group (none for the others). */
  readonly #chains: GroupChains | undefined;
  /** The chains' streams to the hubs (with #chains). */
  readonly #chainStreams: ChainStreams | undefined;
  /** The minute and day candles of the group's instruments (candles/). */
  readonly #candles: GroupCandles;
  /** The candle streams to the hubs (candles/candle-streams.ts), pushed by #candlePush at most once a second. */
  readonly #candleStreams: CandleStreams;
  #candlePush: ReturnType<typeof setTimeout> | undefined;
  #feed: GroupFeedState | null = null;
  /** What FeedControl said of the origin when it last took this group's demand (memory only). */
  #origin: OriginView | null = null;
  #capacity: GroupCapacity | null = null;
  #history: LinkHistory = { disconnected_at: null };
  #alarmAt: number | null = null;
  /** When the linked origin last sent anything; a fresh instance gives it the benefit of the doubt. */
  #heardAt = Date.now();
  /** The newest fencing token a link was accepted with: frames still arriving on an older link are refused. */
  #fence = 0;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#group = ctx.id.name ?? '';
    this.#store = new GroupStore(ctx.storage.sql);
    this.#hubs = new HubLinks(ctx);
    this.#toHubs = new HubFanOut(this.#hubs);
    this.#feedControl = new FeedControlSync({
      tell: (hasDemand) => feedControl(env).setGroupDemand(this.#group, hasDemand),
      hasDemand: () => this.#demand.size > 0,
      acknowledged: (hasDemand, view) => {
        this.#store.putMeta('feed_control_knows', hasDemand);
        if (!hasDemand) return;
        // The origin links the group in a moment, if it is connected; the alarm says down if it has not by then.
        this.#origin = { ...view, at: Date.now() };
        this.#scheduleAlarm(this.#origin.at + DOWN_AFTER_MS);
      },
      retryAt: (at, error) => {
        console.warn(`InstrumentGroup ${this.#group}: FeedControl did not take the demand change (retrying): ${String(error)}`);
        this.#scheduleAlarm(at);
      },
    });
    this.#alerts = parseGroupKey(this.#group)
      ? new GroupAlerts(ctx, env, this.#group, {
          latestPacket: (token) => this.#latest.get(token)?.packet,
          setDemand: (demand) => void this.#applyDemand(ALERTS_CONSUMER, this.#demand.set(ALERTS_CONSUMER, demand)),
          wakeAt: (at) => this.#scheduleAlarm(at),
        })
      : undefined;
    this.#chains =
      parseGroupKey(this.#group)?.kind === 'fno'
        ? new GroupChains({
            group: this.#group,
            store: this.#store,
            setDemand: async (consumer, wants) => {
              const applied = this.#applyDemand(consumer, this.#demand.set(consumer, wants));
              // A chain's demand is said once, by the edge: stored now, as an operator's is.
              this.#store.writeDemand((c) => this.#demand.wantsOf(c));
              await applied;
            },
            latestPacket: (token) => this.#latest.get(token),
            rejected: () => new Set(this.#capacity?.rejected.map((r) => r.token)),
            spotGroup: (group) => instrumentGroup(env, group),
            wakeAt: (at) => this.#scheduleAlarm(at),
            published: (expiry) => this.#chainStreams?.published(expiry),
          })
        : undefined;
    this.#chainStreams = this.#chains ? new ChainStreams(this.#chains.book, this.#hubs) : undefined;
    this.#candles = new GroupCandles({
      sql: ctx.storage.sql,
      db: () => {
        const config = edgeConfig(env);
        return openDatabase(config.database, config.queryTimeoutMs);
      },
      group: this.#group,
      wakeAt: (at) => this.#scheduleAlarm(at),
      minuteClosed: (token, minute) => this.#candleStreams.minuteClosed(token, minute),
      slots: this.#slots,
    });
    this.#candleStreams = new CandleStreams({
      hubs: this.#hubs,
      exchange: (parseGroupKey(this.#group)?.exchange ?? 'NSE') as KiteExchange,
      forming: (token) => this.#candles.forming(token),
      closedMinutes: (token, from, to) => this.#candles.closedMinutes(token, from, to),
      setDemand: (wants) => void this.#applyDemand(CANDLES_CONSUMER, this.#demand.set(CANDLES_CONSUMER, wants)),
      wakeIn: (ms) => this.#wakeCandleStreams(ms),
    });
    for (const socket of ctx.getWebSockets(ORIGIN_TAG)) this.#fence = Math.max(this.#fence, linkToken(socket) ?? 0);
    void ctx.blockConcurrencyWhile(async () => {
      this.#alarmAt = await ctx.storage.getAlarm();
      this.#load();
      this.#alerts?.start(Date.now());
    });
  }

  // ---- the links: the origin's and the hubs' ----

  override fetch(request: Request): Promise<Response> {
    return this.#counting(() => this.#accept(request));
  }

  override webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    this.#counting(() => this.#onMessage(socket, message));
  }

  override webSocketClose(socket: WebSocket, code: number, reason: string): void {
    this.#counting(() => this.#onClose(socket, code, reason));
  }

  override webSocketError(socket: WebSocket, error: unknown): void {
    console.warn(`InstrumentGroup ${this.#group}: origin link error: ${String(error)}`);
    this.webSocketClose(socket, 1006, '');
  }

  async #accept(request: Request): Promise<Response> {
    if (!parseGroupKey(this.#group)) return new Response(`${JSON.stringify(this.#group)} is not an instrument group key`, { status: 400 });
    if (new URL(request.url).pathname === HUB_LINK_PATH) {
      const hub = this.#hubs.accept(request);
      if (hub instanceof Response) return hub;
      // A hub's new link starts its chain streams over: it names them again, and gets each chain whole.
      this.#chainStreams?.drop(hub.hub);
      this.#candleStreams.drop(hub.hub);
      this.#toHubs.welcome(hub.socket, this.#feedStatus(Date.now()));
      return hub.response;
    }
    // Only the active origin may feed the group: FeedControl holds the lease and says whose token is current.
    const accepted = acceptOriginLink(this.ctx, request, await feedControl(this.env).leaseToken());
    if (accepted instanceof Response) return accepted;
    if (accepted.fenced) return accepted.response;
    this.#fence = Math.max(this.#fence, linkToken(accepted.socket) ?? 0);
    this.#heard(Date.now());
    // What the origin reported on its last link may not hold for this one: the hubs hear the first report of this one.
    this.#feed = null;
    sendFrame(accepted.socket, { type: 'demand', tokens: this.#demand.union() });
    return accepted.response;
  }

  #onMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    const hub = this.#hubs.hubOf(socket);
    if (hub !== undefined) this.#onHubMessage(socket, hub, message);
    else if (this.#fenced(socket)) return;
    else if (typeof message === 'string') this.#onText(socket, message);
    else this.#onBatch(socket, message);
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    finishClose(socket, code, reason);
    const hub = this.#hubs.hubOf(socket);
    if (hub !== undefined) {
      this.#hubs.closed();
      // The hub reconnects and says again what it wants; until then nobody here needs its demand.
      if (!this.#hubs.stillLinked(hub, socket)) {
        void this.#applyDemand(hubConsumer(hub), this.#demand.set(hubConsumer(hub), new Map()));
        this.#chainStreams?.drop(hub);
        this.#candleStreams.drop(hub);
      }
      return;
    }
    if (!openOriginLink(this.ctx)) {
      this.#history = { disconnected_at: Date.now(), wanted: this.#demand.size > 0 };
      this.#store.putMeta('link', this.#history);
      this.#tellHubs();
      this.#scheduleAlarm(Date.now() + DOWN_AFTER_MS);
    }
  }

  /** A handler's escaping error counts at FeedControl: a group's own total would leave /metrics with its demand. */
  #counting<T>(handler: () => T): T {
    return countingErrors(() => void tally(this.env, `InstrumentGroup ${this.#group}`, [errorTally]), handler);
  }

  /** A frame on a link older than the newest accepted (a hung origin's, sent as it woke): refused, and the link closed (4002). */
  #fenced(socket: WebSocket): boolean {
    const token = linkToken(socket) ?? 0;
    if (token >= this.#fence) return false;
    fenceLink(socket, token, this.#fence);
    return true;
  }

  /**
   * At each of the origin's feed reports (every GROUP_HEARTBEAT_MS), whether
   * its link's token is still the lease's: an origin that lost the lease
   * while hung, linked to a group its successor has not linked yet, is
   * closed out within one report of waking.
   */
  async #checkLease(socket: WebSocket): Promise<void> {
    const token = linkToken(socket) ?? 0;
    const current = await feedControl(this.env)
      .leaseToken()
      .catch(() => token);
    if (current !== token) fenceLink(socket, token, current);
  }

  /** A tick batch from the origin: held, forwarded to the hubs that want its packets, evaluated for alerts. */
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
    this.#heard(Date.now());
    if (batch.packets.length === 0) return;
    const slots = this.#latest.put(batch.packets, batch.receivedAt, Date.now());
    this.#scheduleAlarm(Date.now() + SNAPSHOT_INTERVAL_MS);
    this.#toHubs.forward((hub) => this.#demand.wantsOf(hubConsumer(hub)), data, batch.receivedAt, batch.packets);
    this.#alerts?.onTicks(batch.packets, batch.receivedAt);
    this.#chains?.onTicks(batch.packets, Date.now());
    this.#candles.onPackets(batch.packets, slots, batch.receivedAt);
  }

  /** The origin's text frames: Kite's feed state, and the instruments it could not subscribe. */
  #onText(socket: WebSocket, text: string): void {
    const read = readLinkFrame(OriginToGroup, text);
    if ('problem' in read) {
      sendFrame(socket, { type: 'error', code: LINK_ERROR_BAD_FRAME, message: `frame refused: ${read.problem}` });
      return;
    }
    const frame = read.frame;
    const now = Date.now();
    this.#heard(now);
    if (frame.type === 'feed') {
      void this.#checkLease(socket);
      this.#feed = { state: frame.state, ...(frame.reason === undefined ? {} : { reason: frame.reason }), at: frame.at, received_at: now };
      this.#store.putMeta('feed', this.#feed);
      this.#tellHubs();
    } else {
      this.#capacity = { rejected_count: frame.rejected.length, rejected: frame.rejected.slice(0, MAX_KEPT_REJECTIONS), received_at: now };
      this.#store.putMeta('capacity', this.#capacity);
      this.#chains?.onCapacity();
    }
  }

  /** A hub's `want` (its whole demand) or `change`, with the tokens it asks a snapshot of. */
  #onHubMessage(socket: WebSocket, hub: string, message: string | ArrayBuffer): void {
    const read = typeof message === 'string' ? readLinkFrame(HubToGroup, message) : { problem: 'a hub sends JSON text frames only' };
    if ('problem' in read) {
      // Hubs are our own code: a frame that does not parse is a bug to log, and the link goes on.
      console.error(`InstrumentGroup ${this.#group}: hub ${hub} sent a bad frame: ${read.problem}`);
      return;
    }
    const frame = read.frame;
    if (frame.type === 'chains') {
      this.#chainStreams?.set(hub, socket, frame.streams);
      return;
    }
    if (frame.type === 'candles') {
      this.#candleStreams.set(hub, frame.streams, Date.now());
      return;
    }
    const consumer = hubConsumer(hub);
    const wants = new Map(Object.entries(frame.type === 'want' ? frame.tokens : frame.set).map(([token, mode]) => [Number(token), mode]));
    const size = frame.type === 'want' ? wants.size : this.#demand.wantsOf(consumer).size + wants.size;
    if (size > MAX_CONSUMER_TOKENS) {
      console.error(`InstrumentGroup ${this.#group}: hub ${hub} wants ${size} tokens, more than ${MAX_CONSUMER_TOKENS}; ignored`);
      return;
    }
    const applied = this.#applyDemand(consumer, frame.type === 'want' ? this.#demand.set(consumer, wants) : this.#demand.update(consumer, wants, frame.drop));
    // A hub's first want may be what makes the group wanted: once FeedControl has answered, the status can be told.
    if (frame.type === 'want') void applied.then(() => this.#tellHubs());
    if (frame.snapshot.length > 0) this.#toHubs.snapshot(socket, frame.snapshot, (token) => this.#latest.get(token));
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
    if (!name.success) throw new TypeError(`consumer: ${zodMessage(name.error, 'is invalid')}`);
    const wants = Demand.safeParse(tokens);
    if (!wants.success) throw new TypeError(`tokens.${frameProblem(wants.error)}`);
    const entries = Object.entries(wants.data);
    if (entries.length > MAX_CONSUMER_TOKENS)
      throw new RangeError(`a consumer may want at most ${MAX_CONSUMER_TOKENS} tokens of one group, not ${entries.length}`);
    const applied = this.#applyDemand(consumer, this.#demand.set(consumer, new Map(entries.map(([token, mode]) => [Number(token), mode]))));
    // An operator's call is rare and nobody would say it again after a restart: stored now.
    this.#store.writeDemand((c) => this.#demand.wantsOf(c));
    await applied;
    return { group: this.#group, tokens: this.#demand.size, consumers: this.#demand.consumers() };
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
    return this.#alerts?.state() ?? { held: 0, pending: 0, awaiting_sessions: 0, reading: false, next_sync_at: null };
  }

  /**
   * Starts streaming an option chain of this `fno` group (the edge resolved
   * its definition: contracts/fno-chain.ts ChainDefinition), or takes a new
   * definition of one, and answers for it as `chain` does.
   */
  async startChain(definition: unknown, strikes?: number, waitMs = 0): Promise<ChainAnswer> {
    return this.#requireChains().start(definition, Date.now(), checkStrikes(strikes), waitMs);
  }

  /**
   * One streaming chain, N strikes each side of the ATM (all when omitted),
   * computed at most once a second; undefined when it is not streaming. A
   * chain no tick of which has arrived yet is waited for, up to `waitMs`.
   */
  async chain(expiry: string, strikes?: number, waitMs = 0): Promise<ChainAnswer | undefined> {
    return this.#requireChains().read(String(expiry), checkStrikes(strikes), waitMs);
  }

  /** The term structure of the chains this group streams. */
  chainSummary(): FnoSummary {
    const underlying = parseGroupKey(this.#group)?.underlying ?? '';
    return this.#requireChains().summary(underlying, Date.now());
  }

  /** What Postgres does not hold yet of `token`'s candles (the historical API adds it to what Postgres holds). */
  unwrittenCandles(token: number): UnwrittenCandles {
    this.#requireGroupKey();
    if (!Number.isInteger(token) || token < 0) throw new TypeError(`token must be an instrument token, not ${token}`);
    return this.#candles.unwritten(token);
  }

  /** What operators and tests read: the link, the feed, the counters, the demand. */
  state(): GroupState {
    const now = Date.now();
    const link = openOriginLink(this.ctx);
    const { ticks_received, last_tick_at } = this.#latest.counters;
    return {
      group: this.#group,
      link: { connected: link !== undefined, connected_at: linkConnectedAt(link), disconnected_at: link ? null : this.#history.disconnected_at },
      feed: this.#feed,
      ticks_received,
      last_tick_at,
      last_tick_age_ms: last_tick_at === null ? null : Math.max(0, now - last_tick_at),
      instruments_held: this.#latest.size,
      demand: { tokens: this.#demand.union(), consumers: this.#demand.consumers() },
      capacity: this.#capacity,
      snapshot: { pending_writes: this.#latest.pendingWrites, last_written_at: this.#store.lastWrittenAt },
      candles: this.#candles.state(),
    };
  }

  /** What /metrics reads here: how long since the group's last tick (nothing before the first). */
  metrics(): Sample[] {
    this.#requireGroupKey();
    const { last_tick_at } = this.#latest.counters;
    if (last_tick_at === null) return [];
    return [{ name: 'kite_edge_feed_age_seconds', labels: { group: this.#group }, value: Math.max(0, Date.now() - last_tick_at) / 1000 }];
  }

  /** The latest packet of each of `tokens` this group holds (all it holds when omitted); tokens it does not hold are left out. */
  latest(tokens?: number[]): LatestPacket[] {
    if (tokens !== undefined && (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t)))) {
      throw new TypeError('tokens must be an array of instrument tokens');
    }
    const out: LatestPacket[] = [];
    for (const token of tokens ?? this.#latest.tokens()) {
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
      this.#history = { disconnected_at: Date.now(), wanted: this.#demand.size > 0 };
      this.#store.putMeta('link', this.#history);
    }
    await this.ctx.storage.sync();
    this.ctx.abort('restart requested');
  }

  // ---- the alarm: snapshot, bounds, FeedControl retries, alerts ----

  override alarm(): Promise<void> {
    return this.#counting(() => this.#groupAlarm());
  }

  async #groupAlarm(): Promise<void> {
    this.#alarmAt = null;
    this.#tellHubs();
    // While the origin is linked and heard from, look again when it would have been silent too long.
    if (openOriginLink(this.ctx) && Date.now() - this.#heardAt <= ORIGIN_SILENT_MS) this.#scheduleAlarm(this.#heardAt + ORIGIN_SILENT_MS + 1);
    this.#latest.dropUndemanded(Date.now(), (token) => this.#demand.has(token));
    this.#writeSnapshot();
    await this.#feedControl.sync();
    await this.#alerts?.alarm(Date.now());
    await this.#chains?.alarm(Date.now(), this.#chainStreams?.expiries() ?? new Set());
    await this.#candles.closeAndWrite(Date.now());
    this.#candles.writeState();
  }

  /** One timer for every candle stream: it pushes, then comes back a second later while any stream is held. */
  #wakeCandleStreams(ms: number): void {
    if (this.#candlePush !== undefined) return;
    this.#candlePush = setTimeout(() => {
      this.#candlePush = undefined;
      if (this.#candleStreams.push(Date.now())) this.#wakeCandleStreams(PUSH_INTERVAL_MS);
    }, ms);
  }

  #scheduleAlarm(at: number): void {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  // ---- demand, status, storage ----

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
      this.#store.demandChanged(consumer);
      this.#scheduleAlarm(Date.now() + SNAPSHOT_INTERVAL_MS);
    }
    if (change.unionChanged) sendFrame(openOriginLink(this.ctx), { type: 'demand', tokens: this.#demand.union() });
    await this.#feedControl.sync();
  }

  #feedStatus(now: number): GroupStatus | undefined {
    return feedStatus(now, {
      linked: openOriginLink(this.ctx) !== undefined,
      feed: this.#feed,
      droppedAt: this.#history.wanted ? this.#history.disconnected_at : null,
      origin: this.#origin,
      heardAt: this.#heardAt,
    });
  }

  /** Anything from the origin: the watch for its silence moves on, and a silence it ends is over for the sessions too. */
  #heard(now: number): void {
    const wasSilent = now - this.#heardAt > ORIGIN_SILENT_MS;
    this.#heardAt = now;
    this.#scheduleAlarm(now + ORIGIN_SILENT_MS + 1);
    if (wasSilent) this.#tellHubs();
  }

  /** Tells every hub the feed state when it changed since they were last told. */
  #tellHubs(): void {
    this.#toHubs.tell(this.#feedStatus(Date.now()));
  }

  #writeSnapshot(): void {
    this.#store.writeSnapshot(this.#latest, (consumer) => this.#demand.wantsOf(consumer));
    this.#candles.writeState();
  }

  #load(): void {
    const meta = this.#store.load(this.#latest, this.#demand);
    this.#feed = meta.feed ?? null;
    this.#capacity = meta.capacity ?? null;
    this.#history = meta.link ?? this.#history;
    // Wanted but unlinked at a start: a restart cut the origin's link without a close event here, and the origin is reconnecting.
    if (this.#demand.size > 0 && !openOriginLink(this.ctx) && !this.#history.wanted) {
      this.#history = { disconnected_at: Date.now(), wanted: true };
      this.#scheduleAlarm(Date.now() + DOWN_AFTER_MS);
    }
    this.#chains?.load(Date.now());
    this.#candles.load(Date.now());
    // Candle streams live in memory: the hubs name theirs again as their links reconnect, and the demand follows.
    if (this.#demand.wantsOf(CANDLES_CONSUMER).size > 0) void this.#applyDemand(CANDLES_CONSUMER, this.#demand.set(CANDLES_CONSUMER, new Map()));
    this.#feedControl.restore(meta.feed_control_knows === true);
    // A demand change FeedControl never acknowledged (the object restarted first) is retried now.
    if (!this.#feedControl.inStep) this.#scheduleAlarm(Date.now());
  }

  #requireChains(): GroupChains {
    if (!this.#chains) throw new TypeError(`${JSON.stringify(this.#group)} is not an fno group: it has no option chains`);
    return this.#chains;
  }

  #requireGroupKey(): void {
    if (!parseGroupKey(this.#group)) throw new TypeError(`${JSON.stringify(this.#group)} is not an instrument group key`);
  }
}

const hubConsumer = (hub: string) => `hub:${hub}`;
const errorTally = { name: 'kite_edge_object_errors_total', labels: { object: 'InstrumentGroup' }, value: 1 } as const;

function checkStrikes(strikes: number | undefined): number | undefined {
  if (strikes !== undefined && !(Number.isInteger(strikes) && strikes >= 0)) throw new RangeError(`strikes must be a whole number ≥ 0, not ${strikes}`);
  return strikes;
}
/** The demand consumer of the hubs' candle streams: each streamed instrument in full mode (exchange times, volume, OI). */
const CANDLES_CONSUMER = 'candles';
/** The demand consumer of the group's alerts: each watched instrument in the mode its alerts read. */
const ALERTS_CONSUMER = 'alerts';

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
