import { DurableObject } from 'cloudflare:workers';
import { type Accepted, CloseCode, type InstrumentRef, RESUME_WINDOW_MS, type ServerMessage } from '../../contracts/client-protocol.ts';
import type { Sample } from '../../contracts/edge-metrics.ts';
import { type HubConfig, hubConfig } from '../../contracts/hub-config.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import type { TickMode } from '../../contracts/origin-link.ts';
import { type EndedCredential, SESSION_HEADERS } from '../../contracts/session-handoff.ts';
import { countingErrors } from '../metrics/handler-errors.ts';
import { ObjectCounters } from '../metrics/object-counters.ts';
import { instrumentGroup } from '../stubs.ts';
import { v2BinaryProtocol } from './binary-frames.ts';
import { actOnCandles } from './candle-control.ts';
import { actOnChain } from './chain-control.ts';
import { ABUSE_IN_A_ROW } from './control-budget.ts';
import { endedReason, lostKeyOf, openedWith } from './ended-credential.ts';
import { oversize } from './frame-size.ts';
import { type GroupFeedStatus, GroupLinks } from './group-links.ts';
import { HubAlarm } from './hub-alarm.ts';
import { HubCandles } from './hub-candles.ts';
import { HubChains } from './hub-chains.ts';
import { InstrumentNames, type ResolvedGroup } from './instrument-names.ts';
import { KiteHeartbeat, kiteProtocol } from './kite-protocol.ts';
import { REVOCATION_MEMORY_MS, Revocations } from './revocations.ts';
import { type Attachment, attachmentOf, type Protocol, type Session, type SessionError, type SessionProtocol, Sessions, sendJson, sendRaw } from './session.ts';
import { type Control, checkRefs, isControlError } from './session-control.ts';
import { SessionFanOut } from './session-fan-out.ts';
import { checkReauth } from './session-reauth.ts';
import { SessionStore } from './session-store.ts';
import { SubscriptionIndex } from './subscription-index.ts';
import { v2Protocol, welcome } from './v2-protocol.ts';

/**
 * SessionHub: the fan-out tier between the InstrumentGroups and the clients
 * of /v2/ws and /kite/ws (docs/websocket.md).
 *
 * Key: a shard, `hub-<n>`, one of HUB_SHARDS. Every session of a user goes
 * to the same one (stubs.ts, `sessionHubOf`), so a user's session count
 * and alert delivery are local to one object.
 *
 * State: its sessions' sockets (Hibernation API, identity and credential
 * expiry in each socket's attachment) and their subscriptions (in memory
 * the SubscriptionIndex, in SQLite a row per session: session-store.ts);
 * one uplink per instrument group its sessions hold instruments of
 * (group-links.ts), each group sending one batch per hub that the hub cuts
 * per session; the ticks due, per audience (sessions holding the same
 * instruments in the same modes share one: session-audiences.ts), each
 * audience's frame encoded once per flush (session-fan-out.ts); the
 * credentials that ended lately, in SQLite
 * (revocations.ts).
 *
 * Credentials: a session ends with the credential it opened with. One
 * opened with an access token is closed at the token's expiry (4001) by
 * the object's alarm (hub-alarm.ts), unless a `reauth` brought a fresh
 * token; a logout, password change, revoked key or reused refresh token
 * closes it at once (4003, `endSessions`) and is remembered, so an upgrade
 * still carrying the ended credential is refused.
 *
 * Restart: sockets that survive (hibernation) are found again, their
 * subscriptions reloaded from SQLite and the uplinks reopened, and the
 * alarm set again from what is due. A session whose socket did not survive
 * (a restart of the object, a dropped network: anything but a normal
 * close) can be resumed for RESUME_WINDOW_MS with `?resume=<id>`: it gets
 * its subscriptions back, with a snapshot of each.
 *
 * Metrics (metrics/object-counters.ts, in SQLite): ticks delivered and
 * conflated (session-fan-out.ts), sessions closed by code, handler errors;
 * `metrics()` adds the open sessions by protocol.
 *
 * Single-threaded. A session's control messages run one after another (its
 * own queue); their one await is the registry lookup, while other sessions
 * go on.
 */
const PROTOCOLS: Record<Protocol, SessionProtocol> = { v2: v2Protocol, kite: kiteProtocol };
const TOKEN_EXPIRED = 'access token expired: reconnect with a fresh one (or send a reauth before it expires)';

export class SessionHub extends DurableObject {
  readonly #name: string;
  readonly #config: HubConfig;
  readonly #store: SessionStore;
  readonly #revocations: Revocations;
  readonly #alarm: HubAlarm;
  readonly #sessions = new Sessions();
  readonly #index = new SubscriptionIndex();
  readonly #names: InstrumentNames;
  readonly #groups: GroupLinks;
  /** The option chains the sessions stream (hub-chains.ts). */
  readonly #chains = new HubChains();
  /** The candle streams the sessions hold (hub-candles.ts). */
  readonly #candles = new HubCandles();
  readonly #fanOut: SessionFanOut;
  readonly #heartbeat = new KiteHeartbeat(() => this.#kiteSessions());
  readonly #counters: ObjectCounters;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#name = ctx.id.name ?? 'hub';
    this.#config = hubConfig(env);
    this.#store = new SessionStore(ctx);
    this.#revocations = new Revocations(ctx.storage.sql);
    this.#alarm = new HubAlarm(ctx);
    this.#names = new InstrumentNames(env);
    this.#counters = new ObjectCounters(ctx.storage.sql, env.METRICS);
    const counters = this.#counters;
    this.#fanOut = new SessionFanOut(this.#index, this.#sessions, this.#config, (session, code, reason) => this.#close(session, code, reason), {
      delivered: counters.counter('kite_edge_ticks_delivered_total'),
      conflated: counters.counter('kite_edge_frames_conflated_total'),
      moved: () => counters.moved(),
    });
    this.#groups = new GroupLinks(this.#name, this.#index, (group) => instrumentGroup(env, group), {
      batch: (batch, asked) => this.#fanOut.batch(batch, asked),
      statusMoved: (group, status) => this.#statusMoved(group, status),
      lost: (group) => {
        this.#chains.lost(group);
        this.#askAgain(group);
      },
      chainsOf: (group) => this.#chains.streamsOf(group),
      chain: (group, frame) => {
        const out = this.#chains.onFrame(group, frame);
        if (out) this.#sendTo(out.sessions, JSON.stringify(out.message));
      },
      candlesOf: (group) => this.#candles.streamsOf(group),
      candle: (group, frame) => {
        const out = this.#candles.onFrame(group, frame);
        if (out) this.#sendTo(out.sessions, JSON.stringify(out.message));
      },
    });
    this.#restore();
  }

  // ---- sessions in ----

  override fetch(request: Request): Response {
    return this.#counting(() => this.#open(request));
  }

  override webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    this.#counting(() => this.#onMessage(socket, message));
  }

  override webSocketClose(socket: WebSocket, code: number, reason: string): void {
    this.#counting(() => this.#onClose(socket, code, reason));
  }

  override webSocketError(socket: WebSocket): void {
    this.#counting(() => {
      const session = this.#sessions.of(socket);
      if (session) this.#forget(session, 1006, true);
    });
  }

  /** Closes the sessions whose access token expired, ends those nobody resumed in time, forgets old revocations; then waits for the next. */
  override alarm(): void {
    this.#counting(() => this.#onAlarm());
  }

  #open(request: Request): Response {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const userId = request.headers.get(SESSION_HEADERS.user);
    const protocol = request.headers.get(SESSION_HEADERS.protocol);
    const format = request.headers.get(SESSION_HEADERS.format) ?? 'json';
    if (!userId || (protocol !== 'v2' && protocol !== 'kite') || (format !== 'json' && format !== 'binary'))
      return new Response('a hub is reached through the worker only', { status: 400 });
    const keyId = request.headers.get(SESSION_HEADERS.key) || null;
    const epoch = wholeNumber(request.headers.get(SESSION_HEADERS.epoch));
    const expiresAt = wholeNumber(request.headers.get(SESSION_HEADERS.expires));
    const now = Date.now();
    // The worker checked the credential, but an isolate may still trust one that ended a moment ago (revocations.ts).
    const ended = this.#revocations.refusal({ userId, keyId, epoch });
    if (ended) return refused('token_revoked', `${ended}: the session cannot open`);
    if (expiresAt !== null && expiresAt <= now) return refused('token_expired', 'the access token has expired: refresh it (POST /auth/refresh)');
    const open = this.#store.openOf(userId, keyId);
    if (open >= this.#config.limits.sessionsPerKey) return tooManySessions(keyId, open, this.#config.limits.sessionsPerKey);
    const { 0: client, 1: server } = new WebSocketPair();
    const resumable = this.#store.resumable(request.headers.get(SESSION_HEADERS.resume), userId, keyId, protocol);
    const attachment: Attachment = { id: resumable ?? crypto.randomUUID(), userId, keyId, epoch, expiresAt, protocol, format, connectedAt: now };
    this.#store.accept(server, attachment);
    const session = this.#adopt(server, attachment);
    if (expiresAt !== null) this.#alarm.by(expiresAt);
    if (resumable) this.#resume(session);
    else {
      this.#store.add(attachment);
      this.#fanOut.placed(session);
    }
    if (protocol === 'v2') sendJson(session, welcome(session, resumable !== undefined, this.#index.tokensOf(session.id).size, this.#config.limits));
    else this.#heartbeat.start();
    if (resumable) this.#resumeChains(session);
    const subprotocol = request.headers.get(SESSION_HEADERS.subprotocol);
    return new Response(null, { status: 101, webSocket: client, headers: subprotocol ? { 'Sec-WebSocket-Protocol': subprotocol } : {} });
  }

  #onMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    const session = this.#sessions.of(socket);
    if (!session) return;
    const over = oversize(message, this.#config.limits.maxFrameBytes);
    if (over) {
      const size = over.exact ? `${over.bytes}` : `at least ${over.bytes}`;
      this.#close(session, CloseCode.FRAME_TOO_LARGE, `frames are at most ${this.#config.limits.maxFrameBytes} bytes (UTF-8); this one was ${size}`);
      return;
    }
    if (!this.#withinBudget(session)) return;
    if (typeof message !== 'string') {
      this.#refuse(session, { code: 'binary_not_supported', message: 'control messages are JSON text frames' });
      return;
    }
    const control = session.speaks.parse(message);
    if (isControlError(control)) {
      this.#refuse(session, control.error);
      return;
    }
    session.budget.wellFormed();
    session.queue = session.queue
      .then(() => this.#act(session, control))
      .catch((error: unknown) => {
        this.#errorCounted();
        console.error(`hub ${this.#name}: session ${session.id}: ${String(error)}`);
        session.speaks.error(session, { code: 'bad_message', message: 'the request failed inside the hub; it was logged' });
      });
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    const session = this.#sessions.of(socket);
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
    // A normal close ends the session; anything else (a dropped network) may come back to resume it.
    if (session) this.#forget(session, code, code !== 1000);
  }

  #onAlarm(): void {
    const now = Date.now();
    for (const session of [...this.#sessions.values()]) {
      if (session.expiresAt !== null && session.expiresAt <= now) this.#close(session, CloseCode.ACCESS_TOKEN_EXPIRED, TOKEN_EXPIRED);
    }
    this.#store.endExpired(now);
    this.#revocations.forgetOld(now);
    this.#alarm.fired(this.#nextDue());
  }

  // ---- RPC ----

  /** What operators and tests read. */
  state(): {
    hub: string;
    sessions: number;
    instruments: number;
    /** Sessions whose sockets are over the unsent-bytes bound, and the ticks held for all sessions (at most one per instrument each). */
    slow_sessions: number;
    held_ticks: number;
    /** The sets of sessions holding the same instruments in the same modes over one protocol, each written one frame per flush (session-audiences.ts). */
    shared_audiences: number;
    groups: { group: string; connected: boolean; state: string | undefined }[];
    /** The option chain streams the hub holds, each with how many sessions stream it. */
    chains: ReturnType<HubChains['list']>;
    /** The candle streams the hub holds, each with how many sessions hold it. */
    candles: ReturnType<HubCandles['list']>;
  } {
    const sessions = [...this.#sessions.values()];
    return {
      hub: this.#name,
      sessions: sessions.length,
      instruments: this.#index.tokenCount,
      slow_sessions: sessions.filter((s) => s.outbox.slowSince !== null).length,
      held_ticks: sessions.reduce((n, s) => n + s.outbox.size, 0),
      shared_audiences: this.#fanOut.sharedAudiences,
      groups: this.#groups.list(),
      chains: this.#chains.list(),
      candles: this.#candles.list(),
    };
  }

  /** What /metrics reads here: the hub's counters and its open sessions by protocol. */
  metrics(): Sample[] {
    const open = { v2: 0, kite: 0 };
    for (const session of this.#sessions.values()) open[session.protocol]++;
    return [
      ...this.#counters.samples(),
      { name: 'kite_edge_ws_sessions', labels: { protocol: 'v2' }, value: open.v2 },
      { name: 'kite_edge_ws_sessions', labels: { protocol: 'kite' }, value: open.kite },
    ];
  }

  /** Resets the object (tests and operators): subscriptions are reloaded from SQLite by the next instance. */
  async restart(): Promise<void> {
    this.#counters.flush();
    await this.ctx.storage.sync();
    this.ctx.abort('restart requested');
  }

  /** Sends a frame to every open /v2/ws session of a user (alerts); returns how many got it. */
  sendToUser(userId: string, frame: ServerMessage): number {
    let sent = 0;
    for (const socket of this.#store.socketsOf(userId)) {
      const session = this.#sessions.of(socket);
      if (session?.speaks.push(session, frame)) sent++;
    }
    return sent;
  }

  /**
   * Ends the sessions a credential that stopped being valid opened
   * (ended-credential.ts): open ones are closed (4003, a v2 session told
   * why first), lost ones waiting for a resume are dropped, and the
   * credential is remembered so that no session opens with it later
   * (revocations.ts). Returns how many open sessions were closed.
   */
  endSessions(userId: string, ended: EndedCredential): number {
    const now = Date.now();
    this.#revocations.record(userId, ended, now);
    this.#alarm.by(now + REVOCATION_MEMORY_MS);
    const reason = endedReason(ended);
    const isEnded = openedWith(ended);
    let closed = 0;
    for (const socket of this.#store.socketsOf(userId)) {
      const session = this.#sessions.of(socket);
      if (session && isEnded(session)) {
        this.#close(session, CloseCode.CREDENTIAL_ENDED, reason);
        closed++;
      }
    }
    const lost = this.#store.lostOf(userId, lostKeyOf(ended));
    for (const id of lost) this.#store.end(id);
    if (closed > 0 || lost.length > 0)
      console.log(`hub ${this.#name}: ${reason}: closed ${closed} open and dropped ${lost.length} lost sessions of user ${userId}`);
    return closed;
  }

  // ---- control messages ----

  async #act(session: Session, control: Control): Promise<void> {
    if (!this.#sessions.has(session.id)) return; // closed while queued
    const id = control.id === undefined ? {} : { id: control.id };
    if (control.op === 'ping') {
      sendJson(session, { type: 'pong', ...id, server_time: Date.now() });
      return;
    }
    if (control.op === 'reauth') {
      await this.#reauth(session, control.token, id);
      return;
    }
    if (control.op === 'subscribe_candles' || control.op === 'unsubscribe_candles') {
      const deps = {
        candles: this.#candles,
        groups: this.#groups,
        names: this.#names,
        groupOf: (token: number) => this.#index.groupOf(token),
        isOpen: (s: Session) => this.#sessions.has(s.id),
      };
      await actOnCandles(deps, session, control);
      return;
    }
    if (control.op === 'subscribe_chain' || control.op === 'unsubscribe_chain') {
      const deps = { env: this.env, chains: this.#chains, groups: this.#groups, store: this.#store, isOpen: (s: Session) => this.#sessions.has(s.id) };
      await actOnChain(deps, session, control);
      return;
    }
    const { valid, rejected } = checkRefs(control.refs);
    const { found, failed } = await this.#names.resolve(valid, (token) => this.#index.groupOf(token));
    // Closed while resolving: its ack has nowhere to go, and a normal close has already deleted its storage.
    if (!this.#sessions.has(session.id)) return;
    rejected.push(...failed);
    const accepted: Accepted[] = [];
    const changed = new Set<GroupKey>();
    for (const [ref, instrument] of found) {
      const token = instrument.instrument_token;
      const held = this.#index.tokensOf(session.id);
      const has = held.has(token);
      if (control.op === 'unsubscribe') {
        if (!has) rejected.push({ instrument: ref, code: 'not_subscribed', reason: 'this session is not subscribed to it' });
        else {
          this.#drop(session, token, changed);
          accepted.push({ instrument: ref, instrument_token: token, exchange: instrument.exchange, tradingsymbol: instrument.tradingsymbol });
        }
        continue;
      }
      if (control.op === 'mode' && !has) {
        rejected.push({ instrument: ref, code: 'not_subscribed', reason: 'subscribe to it first; mode changes the mode of a subscription' });
        continue;
      }
      if (!has && held.size >= this.#config.limits.instruments) {
        rejected.push({ instrument: ref, code: 'limit_reached', reason: `a session holds at most ${this.#config.limits.instruments} instruments` });
        continue;
      }
      this.#hold(session, instrument, control.mode, !has, changed);
      accepted.push({ instrument: ref, instrument_token: token, exchange: instrument.exchange, tradingsymbol: instrument.tradingsymbol, mode: control.mode });
    }
    if (accepted.length > 0) this.#store.saveSubscriptions(session.id, this.#index.subscriptionsOf(session.id));
    for (const group of changed) this.#groups.sync(group);
    session.speaks.ack(session, { ...id, action: control.op, accepted, rejected, subscribed: this.#index.tokensOf(session.id).size });
    if (control.op === 'subscribe') this.#tellStatusOfNewGroups(session, found);
    if (accepted.length > 0) this.#fanOut.placed(session);
  }

  /** Holds (or re-modes) one instrument for a session; a new one gets the latest packet as its snapshot, or asks the group for it. */
  #hold(session: Session, instrument: Pick<ResolvedGroup, 'instrument_token' | 'group'>, mode: TickMode, isNew: boolean, changed: Set<GroupKey>): void {
    const token = instrument.instrument_token;
    if (this.#index.set(session.id, token, instrument.group, mode)) changed.add(instrument.group);
    this.#groups.ensure(instrument.group);
    if (!isNew) return;
    const latest = this.#fanOut.latest(token);
    if (latest) session.outbox.snapshot.set(token, latest);
    else {
      session.awaiting.add(token);
      this.#groups.askFor(instrument.group, token);
      changed.add(instrument.group);
    }
  }

  #drop(session: Session, token: number, changed: Set<GroupKey>): void {
    const group = this.#index.groupOf(token);
    if (this.#index.delete(session.id, token) && group !== undefined) changed.add(group);
    session.outbox.forget(token);
    session.awaiting.delete(token);
  }

  /** A fresh access token (session-reauth.ts): the session now ends at its expiry instead. */
  async #reauth(session: Session, token: string, id: { id?: string | number }): Promise<void> {
    const renewal = await checkReauth(this.env, session, token);
    if (!this.#sessions.has(session.id)) return;
    if ('refused' in renewal) {
      session.speaks.error(session, { code: 'reauth_refused', message: renewal.refused, ...id });
      return;
    }
    session.expiresAt = renewal.expiresAt;
    session.epoch = renewal.epoch;
    this.#store.reattach(session.socket, attachmentOf(session));
    sendJson(session, { type: 'reauthed', ...id, expires_at: renewal.expiresAt });
  }

  #withinBudget(session: Session): boolean {
    const spent = session.budget.spend(Date.now());
    if (spent === 'ok') return true;
    const { rate, burst } = session.budget;
    if (spent === 'abuse') this.#close(session, CloseCode.RATE_LIMIT_ABUSE, `more than ${rate} control messages a second, ${ABUSE_IN_A_ROW} refused in a row`);
    else
      session.speaks.error(session, { code: 'rate_limited', message: `at most ${rate} control messages a second (bursts of ${burst}); this one was dropped` });
    return false;
  }

  #refuse(session: Session, error: SessionError): void {
    if (session.budget.malformed()) {
      this.#close(session, CloseCode.PROTOCOL_ABUSE, `${ABUSE_IN_A_ROW} malformed messages in a row; the last: ${error.message}`.slice(0, 120));
      return;
    }
    session.speaks.error(session, error);
  }

  // ---- group status ----

  /**
   * When the origin flaps, every group's status moves at once: walk the
   * group's holders, not every session's instruments, and write each frame
   * once for the sessions holding the same instruments of the group over
   * the same protocol.
   */
  #statusMoved(group: GroupKey, status: GroupFeedStatus): void {
    const frames = new Map<string, string | undefined>();
    for (const [sessionId, instruments] of this.#index.holdersOfGroup(group)) {
      const session = this.#sessions.get(sessionId);
      if (!session) continue;
      const key = `${session.protocol}|${instruments.join(',')}`;
      let frame = frames.get(key);
      if (!frames.has(key)) {
        frame = session.speaks.statusFrame(group, status, instruments);
        frames.set(key, frame);
      }
      if (frame !== undefined) sendRaw(session, frame);
    }
  }

  /** A session subscribing into a group that is not live hears so at once (live is the default it assumes); a live feed costs one look per group. */
  #tellStatusOfNewGroups(session: Session, found: Map<InstrumentRef, ResolvedGroup>): void {
    const notLive = new Map<GroupKey, GroupFeedStatus>();
    for (const { group } of found.values()) {
      const status = this.#groups.statusOf(group);
      if (status && status.state !== 'live') notLive.set(group, status);
    }
    if (notLive.size === 0) return;
    const instruments = new Map<GroupKey, number[]>();
    for (const token of this.#index.tokensOf(session.id).keys()) {
      const group = this.#index.groupOf(token);
      if (group === undefined || !notLive.has(group)) continue;
      const held = instruments.get(group);
      if (held) held.push(token);
      else instruments.set(group, [token]);
    }
    for (const [group, tokens] of instruments) {
      const frame = session.speaks.statusFrame(group, notLive.get(group) as GroupFeedStatus, tokens);
      if (frame !== undefined) sendRaw(session, frame);
    }
  }

  /** A group's link dropped: what its sessions still wait for is asked again on the next. */
  #askAgain(group: GroupKey): void {
    for (const session of this.#sessions.values()) {
      for (const token of session.awaiting) if (this.#index.groupOf(token) === group) this.#groups.askFor(group, token);
    }
  }

  // ---- session bookkeeping ----

  #adopt(socket: WebSocket, attachment: Attachment): Session {
    const speaks = attachment.protocol === 'v2' && attachment.format === 'binary' ? v2BinaryProtocol : PROTOCOLS[attachment.protocol];
    return this.#sessions.adopt(socket, attachment, speaks, this.#config.limits.messagesPerSecond);
  }

  /** After a restart or hibernation: the surviving sockets, their subscriptions from SQLite, the uplinks they need, the alarm. */
  #restore(): void {
    for (const { socket, attachment } of this.#store.surviving()) this.#adopt(socket, attachment);
    for (const { session, subscriptions } of this.#store.liveSubscriptions((id) => this.#sessions.has(id))) {
      for (const { token, mode, group } of subscriptions) this.#index.set(session, token, group, mode);
    }
    for (const session of this.#sessions.values()) this.#fanOut.placed(session);
    for (const { session, chains } of this.#store.liveChains((id) => this.#sessions.has(id))) {
      for (const { group, name, expiry, window } of chains) this.#chains.subscribe(session, group, name, expiry, window);
    }
    // Sessions whose sockets did not survive the restart can still be resumed for a while.
    this.#store.markGone(
      this.#store.notGone().filter((id) => !this.#sessions.has(id)),
      Date.now(),
    );
    for (const group of [...this.#index.groups()]) {
      this.#groups.ensure(group);
      this.#groups.sync(group);
    }
    // The groups hear which chains the hub streams when their links connect.
    for (const group of new Set(this.#chains.list().map((stream) => stream.group))) this.#groups.syncChains(group);
    if (this.#store.kiteSockets().length > 0) this.#heartbeat.start();
    this.#alarm.start(this.#nextDue());
  }

  /** The earliest of: a session's token expiring, a lost session's resume window closing, a revocation to forget. */
  #nextDue(): number | null {
    const due = [this.#store.nextResumeDeadline(), this.#revocations.nextForgetAt()];
    for (const session of this.#sessions.values()) due.push(session.expiresAt);
    const times = due.filter((at): at is number => typeof at === 'number');
    return times.length === 0 ? null : Math.min(...times);
  }

  /** Back from SQLite: the session's subscriptions, the uplinks they need, and a snapshot of each. */
  #resume(session: Session): void {
    this.#store.resumed(session.id);
    const changed = new Set<GroupKey>();
    // The stored set is what it holds again, so it needs no writing back.
    for (const { token, mode, group } of this.#store.subscriptionsOf(session.id)) this.#hold(session, { instrument_token: token, group }, mode, true, changed);
    for (const group of changed) this.#groups.sync(group);
    this.#fanOut.placed(session);
  }

  /**
   * Back from SQLite, after its `welcome`: the session's chains. A stream the
   * hub still holds sends its chain now; a new one is named to its group,
   * which sends it whole (a group keeps a chain 10 minutes after the last
   * hub stopped streaming it, chain-streams.ts: longer than a resume waits).
   */
  #resumeChains(session: Session): void {
    const changed = new Set<GroupKey>();
    for (const { group, name, expiry, window } of this.#store.chainsOf(session.id)) {
      const joined = this.#chains.subscribe(session.id, group, name, expiry, window);
      if (joined.isNew) changed.add(group);
      if (joined.chain) sendJson(session, { type: 'chain', window, ...joined.chain });
    }
    for (const group of changed) this.#groups.syncChains(group);
  }

  /** One frame's text to each of `ids` that is open here. */
  #sendTo(ids: Iterable<string>, text: string): void {
    for (const id of ids) {
      const session = this.#sessions.get(id);
      if (session) sendRaw(session, text);
    }
  }

  /** Takes a session that closed with `code` out of memory; its rows stay for a resume when `resumable`, else they go. */
  #forget(session: Session, code: number, resumable: boolean): void {
    if (!this.#sessions.delete(session)) return;
    this.#counters.add('kite_edge_sessions_closed_total', { code: String(code) });
    this.#fanOut.forget(session);
    for (const group of this.#index.removeSession(session.id)) this.#groups.sync(group);
    for (const group of this.#chains.dropSession(session.id)) this.#groups.syncChains(group);
    for (const group of this.#candles.dropSession(session.id)) this.#groups.syncCandles(group);
    if (resumable) {
      const now = Date.now();
      this.#store.markGone([session.id], now);
      this.#alarm.by(now + RESUME_WINDOW_MS);
    } else this.#store.end(session.id);
  }

  #close(session: Session, code: number, reason: string): void {
    session.speaks.closing(session, code, reason);
    try {
      // A close reason is at most 123 bytes.
      session.socket.close(code, reason.slice(0, 120));
    } catch {
      // Already closed.
    }
    this.#forget(session, code, false);
  }

  #counting<T>(handler: () => T): T {
    return countingErrors(() => this.#errorCounted(), handler);
  }

  #errorCounted(): void {
    this.#counters.add('kite_edge_object_errors_total', { object: 'SessionHub' });
  }

  *#kiteSessions(): Generator<Session> {
    for (const socket of this.#store.kiteSockets()) {
      const session = this.#sessions.of(socket);
      if (session) yield session;
    }
  }
}

function wholeNumber(header: string | null): number | null {
  return header && /^\d+$/.test(header) ? Number(header) : null;
}

/** An upgrade whose credential ended or expired after the worker checked it: 401, as the worker would have answered. */
function refused(code: 'token_revoked' | 'token_expired', message: string): Response {
  return Response.json({ error: { code, message } }, { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="kite-edge", error="invalid_token"' } });
}

function tooManySessions(keyId: string | null, open: number, most: number): Response {
  const who = keyId ? `API key ${keyId}` : 'this user';
  return Response.json(
    { error: { code: 'limit_exceeded', message: `${who} already has ${open} open sessions, the most allowed (${most}); close one first` } },
    { status: 429, headers: { 'Retry-After': '10' } },
  );
}
