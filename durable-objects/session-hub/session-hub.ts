import { DurableObject } from 'cloudflare:workers';
import {
  type Accepted,
  CloseCode,
  InstrumentRef,
  RESUME_WINDOW_MS,
  type Rejected,
  type ServerMessage,
  type SessionErrorCode,
} from '../../contracts/client-protocol.ts';
import { type HubConfig, hubConfig } from '../../contracts/hub-config.ts';
import type { GroupStatus } from '../../contracts/hub-link.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import { kiteFrame } from '../../contracts/kite-ticks/frame.ts';
import { packetToken, type TickBatch, type TickMode } from '../../contracts/origin-link.ts';
import { type EndedCredential, SESSION_HEADERS } from '../../contracts/session-handoff.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { DatabaseUnavailable, openDatabase } from '../../storage/database.ts';
import { type ResolvedInstrument, resolveInstruments } from '../../storage/resolve-instruments.ts';
import { GroupUplink } from './group-uplink.ts';
import { type Control, isControlError, parseKiteControl, parseV2Control } from './session-control.ts';
import { cutToMode, KITE_HEARTBEAT, TickJson, v2TickFrame } from './session-frames.ts';
import { SessionOutbox } from './session-outbox.ts';
import { type Subscription, SubscriptionIndex } from './subscription-index.ts';
import { decodeSubscriptions, encodeSubscriptions } from './subscription-record.ts';
import { instrumentGroup } from '../stubs.ts';

/**
 * SessionHub: the fan-out tier between the InstrumentGroups and the clients
 * (docs/websocket.md). One instance per shard, `hub-<n>`; the worker sends
 * every session of a user to the same shard (edge/ws/hub-shard.ts), so a
 * user's session count and alert delivery are local to one object.
 *
 * It owns its sessions' WebSockets (Hibernation API: an idle hub costs
 * nothing, and each session's identity rides in its socket attachment), their
 * subscriptions (the SubscriptionIndex in memory; in SQLite, the source a
 * restart rebuilds from, `session_subs` holds each session's whole set in one
 * row, rewritten once per control message: hub/subscription-record.ts), and
 * one uplink per instrument group its sessions hold instruments of: the group
 * sends one batch per hub, and the hub cuts it per session. Ticks are
 * gathered for `flushMs` and each session gets one frame per flush, merged
 * per instrument (latest wins).
 *
 * Single-threaded; the awaits are the registry lookups of a subscribe, and a
 * session's control messages run one after another (its own queue), so two
 * requests of one session never interleave while other sessions go on.
 *
 * Restart: sockets that survive (hibernation) are found again with
 * ctx.getWebSockets(), their subscriptions reloaded from SQLite and the
 * uplinks reopened. A session whose socket did not survive (a restart of
 * the object, a network drop: anything but a normal close) is kept in
 * SQLite for RESUME_WINDOW_MS: the client reconnects with `?resume=<id>`
 * and gets it back, subscriptions and all, with a snapshot of each.
 *
 * Slow sessions: while a socket holds more than `slowBufferBytes` unsent,
 * its ticks are merged (latest per instrument) and held back, and sent as
 * one frame when it drains; one stuck past `slowCloseMs` is closed (4009).
 */
type Protocol = 'v2' | 'kite';

/** `epoch`: the session epoch of the access token a session opened with (null for an API key's), so a logout can end it. */
type Attachment = { id: string; userId: string; keyId: string | null; epoch: number | null; protocol: Protocol; connectedAt: number };

type Session = Attachment & {
  socket: WebSocket;
  /** Ticks and snapshots waiting for the next flush, latest per token. */
  outbox: SessionOutbox;
  /** Newly subscribed tokens whose first tick (snapshot) has not been sent yet. */
  awaiting: Set<number>;
  /** Control-message budget: a token bucket of 2 × messagesPerSecond. */
  bucket: { tokens: number; at: number };
  refusedInARow: number;
  badInARow: number;
  lastSentAt: number;
  queue: Promise<void>;
};

const SESSION_TAG = 'session';
const KITE_TAG = 'kite';
/** Whose session count a session is in: its API key's, or (for an access token) its user's own. */
const ownerTag = (userId: string, keyId: string | null) => (keyId ? `owner:key:${keyId}` : `owner:user:${userId}`);
const userTag = (userId: string) => `user:${userId}`;
/** Consecutive refused or malformed messages after which a session is closed. */
const ABUSE_IN_A_ROW = 20;
const SLOW_RECHECK_MS = 200;

export class SessionHub extends DurableObject {
  readonly #sql: SqlStorage;
  readonly #name: string;
  readonly #config: HubConfig;
  readonly #index = new SubscriptionIndex();
  readonly #sessions = new Map<WebSocket, Session>();
  readonly #byId = new Map<string, Session>();
  readonly #uplinks = new Map<GroupKey, GroupUplink>();
  /** The names of the tokens the hub's sessions hold, as last resolved: a token a session sends again needs no registry lookup. */
  readonly #names = new Map<number, { exchange: string; tradingsymbol: string }>();
  /** The last packet seen of each token the hub carries, for a snapshot without asking the group. */
  readonly #latest = new Map<number, Uint8Array>();
  readonly #status = new Map<GroupKey, { state: GroupStatus['state']; reason?: string }>();
  /** Tokens to ask each group's snapshot of, with the next `want`. */
  readonly #ask = new Map<GroupKey, Set<number>>();
  readonly #dirty = new Set<Session>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#name = ctx.id.name ?? 'hub';
    this.#config = hubConfig(env);
    this.#sql.exec('CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, key_id TEXT, protocol TEXT NOT NULL, gone_at REAL)');
    // Apart from `sessions`, whose small rows change as sessions come and go: an UPDATE rewrites the whole row.
    this.#sql.exec('CREATE TABLE IF NOT EXISTS session_subs (session TEXT PRIMARY KEY, subs TEXT NOT NULL)');
    this.#restore();
  }

  // ---- sessions in ----

  override fetch(request: Request): Response {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const userId = request.headers.get(SESSION_HEADERS.user);
    const protocol = request.headers.get(SESSION_HEADERS.protocol);
    if (!userId || (protocol !== 'v2' && protocol !== 'kite')) return new Response('a hub is reached through the worker only', { status: 400 });
    const keyId = request.headers.get(SESSION_HEADERS.key) || null;
    const epochHeader = request.headers.get(SESSION_HEADERS.epoch);
    const epoch = epochHeader && /^\d+$/.test(epochHeader) ? Number(epochHeader) : null;
    const owner = ownerTag(userId, keyId);
    const open = this.ctx.getWebSockets(owner).length;
    if (open >= this.#config.limits.sessionsPerKey) {
      const who = keyId ? `API key ${keyId}` : 'this user';
      return Response.json(
        {
          error: {
            code: 'limit_exceeded',
            message: `${who} already has ${open} open sessions, the most allowed (${this.#config.limits.sessionsPerKey}); close one first`,
          },
        },
        { status: 429, headers: { 'Retry-After': '10' } },
      );
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [SESSION_TAG, owner, userTag(userId), ...(protocol === 'kite' ? [KITE_TAG] : [])]);
    const resumable = this.#resumable(request.headers.get(SESSION_HEADERS.resume), userId, keyId, protocol);
    const attachment: Attachment = { id: resumable ?? crypto.randomUUID(), userId, keyId, epoch, protocol, connectedAt: Date.now() };
    server.serializeAttachment(attachment);
    const session = this.#adopt(server, attachment);
    if (resumable) this.#resume(session);
    else this.#sql.exec('INSERT INTO sessions (id, user_id, key_id, protocol) VALUES (?, ?, ?, ?)', session.id, userId, keyId, protocol);
    if (protocol === 'v2') {
      const { limits } = this.#config;
      this.#send(session, {
        type: 'welcome',
        session: session.id,
        resumed: resumable !== undefined,
        subscribed: this.#index.tokensOf(session.id).size,
        server_time: Date.now(),
        limits: { instruments: limits.instruments, messages_per_second: limits.messagesPerSecond, max_frame_bytes: limits.maxFrameBytes },
      });
    } else {
      this.#startHeartbeat();
    }
    const subprotocol = request.headers.get(SESSION_HEADERS.subprotocol);
    return new Response(null, { status: 101, webSocket: client, headers: subprotocol ? { 'Sec-WebSocket-Protocol': subprotocol } : {} });
  }

  override webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    const session = this.#sessionOf(socket);
    if (!session) return;
    const size = typeof message === 'string' ? message.length : message.byteLength;
    if (size > this.#config.limits.maxFrameBytes) {
      this.#close(session, CloseCode.FRAME_TOO_LARGE, `frames are at most ${this.#config.limits.maxFrameBytes} bytes; this one was ${size}`);
      return;
    }
    if (!this.#withinBudget(session)) return;
    if (typeof message !== 'string') {
      this.#refuse(session, { code: 'binary_not_supported', message: 'control messages are JSON text frames' });
      return;
    }
    const control = session.protocol === 'v2' ? parseV2Control(message) : parseKiteControl(message);
    if (isControlError(control)) {
      this.#refuse(session, control.error);
      return;
    }
    session.badInARow = 0;
    session.queue = session.queue
      .then(() => this.#act(session, control))
      .catch((error: unknown) => {
        console.error(`hub ${this.#name}: session ${session.id}: ${String(error)}`);
        this.#sendError(session, { code: 'bad_message', message: 'the request failed inside the hub; it was logged' });
      });
  }

  override webSocketClose(socket: WebSocket, code: number, reason: string): void {
    const session = this.#sessionOf(socket);
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
    // A normal close ends the session; anything else (a dropped network) may come back to resume it.
    if (session) this.#forget(session, code !== 1000);
  }

  override webSocketError(socket: WebSocket): void {
    const session = this.#sessionOf(socket);
    if (session) this.#forget(session, true);
  }

  /** Ends the sessions nobody resumed in time. */
  override alarm(): void {
    const cutoff = Date.now() - RESUME_WINDOW_MS;
    for (const { id } of this.#sql.exec<{ id: string }>('SELECT id FROM sessions WHERE gone_at IS NOT NULL AND gone_at <= ?', cutoff).toArray())
      this.#endSession(id);
    const next = this.#sql.exec<{ at: number | null }>('SELECT min(gone_at) AS at FROM sessions WHERE gone_at IS NOT NULL').one().at;
    if (next !== null) void this.ctx.storage.setAlarm(next + RESUME_WINDOW_MS);
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
    groups: { group: string; connected: boolean; state: string | undefined }[];
  } {
    const sessions = [...this.#byId.values()];
    return {
      hub: this.#name,
      sessions: sessions.length,
      instruments: this.#index.tokenCount,
      slow_sessions: sessions.filter((s) => s.outbox.slowSince !== null).length,
      held_ticks: sessions.reduce((n, s) => n + s.outbox.size, 0),
      groups: [...this.#uplinks.values()].map((u) => ({ group: u.group, connected: u.connected, state: this.#status.get(u.group)?.state })),
    };
  }

  /** Resets the object (tests and operators): subscriptions are reloaded from SQLite by the next instance. */
  async restart(): Promise<void> {
    await this.ctx.storage.sync();
    this.ctx.abort('restart requested');
  }

  /** Sends a frame to every open /v2/ws session of a user (alerts); returns how many got it. */
  sendToUser(userId: string, frame: ServerMessage): number {
    let sent = 0;
    for (const socket of this.ctx.getWebSockets(userTag(userId))) {
      const session = this.#sessionOf(socket);
      if (session?.protocol === 'v2' && this.#send(session, frame)) sent++;
    }
    return sent;
  }

  /**
   * Ends the sessions a credential that stopped being valid opened: open
   * ones are closed (4003, after a `closing` error frame saying why), lost
   * ones waiting for a resume are dropped. Sessions of the user's other
   * credentials go on. Returns how many open sessions were closed.
   */
  endSessions(userId: string, ended: EndedCredential): number {
    const endedBy = (session: Session) =>
      'keyId' in ended ? session.keyId === ended.keyId : session.keyId === null && (session.epoch ?? -1) < ended.epochFrom;
    const reason =
      'keyId' in ended ? `API key ${ended.keyId} was revoked` : 'signed out: the access token this session opened with has ended (logout or password change)';
    let closed = 0;
    for (const socket of this.ctx.getWebSockets(userTag(userId))) {
      const session = this.#sessionOf(socket);
      if (session && endedBy(session)) {
        this.#close(session, CloseCode.CREDENTIAL_ENDED, reason);
        closed++;
      }
    }
    // A lost session holds no epoch in storage: every lost one of the user's access tokens goes (a new token's resume is as good as a new session).
    const lost = this.#sql
      .exec<{ id: string }>('SELECT id FROM sessions WHERE user_id = ? AND gone_at IS NOT NULL AND key_id IS ?', userId, 'keyId' in ended ? ended.keyId : null)
      .toArray();
    for (const { id } of lost) this.#endSession(id);
    if (closed > 0 || lost.length > 0)
      console.log(`hub ${this.#name}: ${reason}: closed ${closed} open and dropped ${lost.length} lost sessions of user ${userId}`);
    return closed;
  }

  // ---- control messages ----

  async #act(session: Session, control: Control): Promise<void> {
    if (!this.#byId.has(session.id)) return; // closed while queued
    const id = control.id === undefined ? {} : { id: control.id };
    if (control.op === 'ping') {
      this.#send(session, { type: 'pong', ...id, server_time: Date.now() });
      return;
    }
    const { valid, rejected } = checkRefs(control.refs);
    const { found, failed } = await this.#resolve(valid);
    // Closed while resolving: its ack has nowhere to go, and a normal close has already deleted its storage.
    if (!this.#byId.has(session.id)) return;
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
    if (accepted.length > 0) this.#store(session.id);
    for (const group of changed) this.#syncUplink(group);
    if (session.protocol === 'v2') {
      this.#send(session, { type: 'ack', ...id, action: control.op, accepted, rejected, subscribed: this.#index.tokensOf(session.id).size });
      if (control.op === 'subscribe') this.#tellStatusOfNewGroups(session, found);
    }
    if (session.outbox.snapshot.size > 0) this.#markDirty(session);
  }

  /** Tokens the hub already carries need no lookup; the rest go to the registry in one query. */
  async #resolve(refs: InstrumentRef[]): Promise<{ found: Map<InstrumentRef, ResolvedGroup>; failed: Rejected[] }> {
    const found = new Map<InstrumentRef, ResolvedGroup>();
    const failed: Rejected[] = [];
    const lookup: InstrumentRef[] = [];
    for (const ref of refs) {
      const group = typeof ref === 'number' ? this.#index.groupOf(ref) : undefined;
      const named = group !== undefined ? this.#names.get(ref as number) : undefined;
      if (group !== undefined && named) found.set(ref, { instrument_token: ref as number, group, ...named });
      else lookup.push(ref);
    }
    if (lookup.length === 0) return { found, failed };
    try {
      const config = edgeConfig(this.env);
      const { resolved } = await resolveInstruments(openDatabase(config.database, config.queryTimeoutMs), lookup);
      for (const ref of lookup) {
        const instrument: ResolvedInstrument | undefined = resolved.get(String(ref));
        if (instrument) {
          found.set(ref, instrument);
          this.#names.set(instrument.instrument_token, { exchange: instrument.exchange, tradingsymbol: instrument.tradingsymbol });
        } else failed.push({ instrument: ref, code: 'unknown_instrument', reason: 'no active instrument has this token or symbol' });
      }
    } catch (error) {
      if (!(error instanceof DatabaseUnavailable)) throw error;
      for (const ref of lookup) failed.push({ instrument: ref, code: 'unavailable', reason: 'the instrument registry is unavailable; try again' });
    }
    return { found, failed };
  }

  #hold(session: Session, instrument: Pick<ResolvedGroup, 'instrument_token' | 'group'>, mode: TickMode, isNew: boolean, changed: Set<GroupKey>): void {
    const token = instrument.instrument_token;
    if (this.#index.set(session.id, token, instrument.group, mode)) changed.add(instrument.group);
    this.#ensureUplink(instrument.group);
    if (!isNew) return;
    const latest = this.#latest.get(token);
    if (latest) session.outbox.snapshot.set(token, latest);
    else {
      session.awaiting.add(token);
      this.#askFor(instrument.group, token);
      changed.add(instrument.group);
    }
  }

  #drop(session: Session, token: number, changed: Set<GroupKey>): void {
    const group = this.#index.groupOf(token);
    if (this.#index.delete(session.id, token) && group !== undefined) changed.add(group);
    if (this.#index.groupOf(token) === undefined) this.#names.delete(token);
    session.outbox.forget(token);
    session.awaiting.delete(token);
  }

  /** The session's whole set, from the index, in one statement. */
  #store(id: string): void {
    this.#sql.exec(
      'INSERT INTO session_subs (session, subs) VALUES (?, ?) ON CONFLICT (session) DO UPDATE SET subs = excluded.subs',
      id,
      encodeSubscriptions(this.#index.subscriptionsOf(id)),
    );
  }

  #stored(id: string): Subscription[] {
    const row = this.#sql.exec<{ subs: string }>('SELECT subs FROM session_subs WHERE session = ?', id).toArray()[0];
    return row ? decodeSubscriptions(row.subs) : [];
  }

  /** A session subscribing into a group that is not live hears so at once (live is the default it assumes). */
  #tellStatusOfNewGroups(session: Session, found: Map<InstrumentRef, ResolvedGroup>): void {
    const groups = new Set([...found.values()].map((i) => i.group));
    for (const group of groups) {
      const status = this.#status.get(group);
      if (status && status.state !== 'live') this.#sendStatus(session, group, status);
    }
  }

  // ---- uplinks ----

  #ensureUplink(group: GroupKey): void {
    if (this.#uplinks.has(group)) return;
    const uplink = new GroupUplink(group, this.#name, () => instrumentGroup(this.env, group), {
      want: () => ({ tokens: this.#index.takeWant(group), snapshot: this.#takeAsks(group) }),
      change: () => ({ ...this.#index.takeChanges(group), snapshot: this.#takeAsks(group) }),
      batch: (batch, asked) => this.#onBatch(batch, asked),
      status: (status) => this.#onStatus(group, { state: status.state, ...(status.reason === undefined ? {} : { reason: status.reason }) }),
      lost: (reason) => {
        // Whatever was asked on the lost link is asked again on the next.
        for (const session of this.#byId.values()) {
          for (const token of session.awaiting) if (this.#index.groupOf(token) === group) this.#askFor(group, token);
        }
        this.#onStatus(group, { state: 'stale', reason });
      },
    });
    this.#uplinks.set(group, uplink);
  }

  #takeAsks(group: GroupKey): number[] {
    const asks = [...(this.#ask.get(group) ?? [])];
    this.#ask.delete(group);
    return asks;
  }

  #askFor(group: GroupKey, token: number): void {
    let ask = this.#ask.get(group);
    if (!ask) this.#ask.set(group, (ask = new Set()));
    ask.add(token);
  }

  #syncUplink(group: GroupKey): void {
    const uplink = this.#uplinks.get(group);
    if (!uplink) return;
    if (!this.#index.wants(group)) {
      uplink.close();
      this.#uplinks.delete(group);
      this.#status.delete(group);
      this.#ask.delete(group);
      return;
    }
    uplink.sync();
  }

  #onBatch(batch: TickBatch, asked: readonly number[] | undefined): void {
    const snapshot = batch.kind === 2;
    for (const packet of batch.packets) {
      const token = packetToken(packet);
      const holders = this.#index.holders(token);
      if (!holders) continue;
      if (!snapshot || !this.#latest.has(token)) this.#latest.set(token, packet);
      for (const [sessionId, mode] of holders) {
        const session = this.#byId.get(sessionId);
        if (!session) continue;
        if (session.awaiting.size > 0 && session.awaiting.delete(token)) session.outbox.snapshot.set(token, packet);
        else if (!snapshot) session.outbox.put(token, mode, packet);
        else continue;
        this.#markDirty(session);
      }
    }
    // Asked, and the group holds no tick of it yet: its first live tick will do.
    for (const token of asked ?? []) {
      if (this.#latest.has(token)) continue;
      for (const sessionId of this.#index.holders(token)?.keys() ?? []) this.#byId.get(sessionId)?.awaiting.delete(token);
    }
  }

  #onStatus(group: GroupKey, status: { state: GroupStatus['state']; reason?: string }): void {
    const before = this.#status.get(group);
    this.#status.set(group, status);
    if (before?.state === status.state || (before === undefined && status.state === 'live')) return;
    // When the origin flaps, every group's status moves at once: walk the group's holders, not every session's instruments.
    for (const [sessionId, instruments] of this.#index.holdersOfGroup(group)) {
      const session = this.#byId.get(sessionId);
      if (session?.protocol === 'v2') this.#sendStatusOf(session, group, status, instruments);
    }
  }

  #sendStatus(session: Session, group: GroupKey, status: { state: GroupStatus['state']; reason?: string }): void {
    const instruments: number[] = [];
    for (const token of this.#index.tokensOf(session.id).keys()) if (this.#index.groupOf(token) === group) instruments.push(token);
    if (instruments.length > 0) this.#sendStatusOf(session, group, status, instruments);
  }

  #sendStatusOf(session: Session, group: GroupKey, status: { state: GroupStatus['state']; reason?: string }, instruments: number[]): void {
    this.#send(session, { type: 'status', group, state: status.state, ...(status.reason === undefined ? {} : { reason: status.reason }), instruments });
  }

  // ---- ticks out ----

  #markDirty(session: Session): void {
    this.#dirty.add(session);
    this.#flushTimer ??= setTimeout(() => this.#flush(), this.#config.flushMs);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const now = Date.now();
    const json = new TickJson();
    const held: Session[] = [];
    const bound = { bytes: this.#config.slowBufferBytes, closeAfterMs: this.#config.slowCloseMs };
    for (const session of this.#dirty) {
      if (!this.#byId.has(session.id)) continue;
      const verdict = session.outbox.verdict(session.socket.bufferedAmount ?? 0, now, bound);
      if (verdict === 'close') {
        this.#close(
          session,
          CloseCode.SLOW_CONSUMER,
          `read too slowly: over ${bound.bytes} bytes stayed unsent for ${Math.round((now - (session.outbox.slowSince ?? now)) / 1000)} s`,
        );
      } else if (verdict === 'hold') {
        held.push(session); // merged in its outbox until the socket drains
      } else {
        this.#write(session, json);
        session.lastSentAt = now;
      }
    }
    this.#dirty.clear();
    if (held.length > 0) {
      for (const session of held) this.#dirty.add(session);
      this.#flushTimer = setTimeout(() => this.#flush(), SLOW_RECHECK_MS);
    }
  }

  #write(session: Session, json: TickJson): void {
    const { outbox } = session;
    const snapshots: [number, Uint8Array, TickMode][] = [];
    for (const [token, packet] of outbox.snapshot) {
      const mode = this.#index.modeOf(session.id, token);
      if (mode) snapshots.push([token, packet, mode]);
    }
    outbox.snapshot.clear();
    if (session.protocol === 'kite') {
      const packets = snapshots.map(([, packet, mode]) => cutToMode(packet, mode));
      outbox.takeDue((_token, mode, packet) => packets.push(cutToMode(packet, mode)));
      if (packets.length > 0) this.#sendRaw(session, kiteFrame(packets));
      return;
    }
    if (snapshots.length > 0)
      this.#sendRaw(
        session,
        v2TickFrame(
          'snapshot',
          snapshots.map(([token, packet, mode]) => json.of(token, packet, mode)),
        ),
      );
    const ticks: string[] = [];
    outbox.takeDue((token, mode, packet) => ticks.push(json.of(token, packet, mode)));
    if (ticks.length > 0) this.#sendRaw(session, v2TickFrame('ticks', ticks));
  }

  #startHeartbeat(): void {
    this.#heartbeat ??= setInterval(() => {
      const now = Date.now();
      let any = false;
      for (const socket of this.ctx.getWebSockets(KITE_TAG)) {
        const session = this.#sessionOf(socket);
        if (!session) continue;
        any = true;
        if (now - session.lastSentAt >= 1_000) {
          this.#sendRaw(session, KITE_HEARTBEAT);
          session.lastSentAt = now;
        }
      }
      if (!any && this.#heartbeat !== undefined) {
        clearInterval(this.#heartbeat);
        this.#heartbeat = undefined;
      }
    }, 1_000);
  }

  // ---- session bookkeeping ----

  #adopt(socket: WebSocket, attachment: Attachment): Session {
    const session: Session = {
      ...attachment,
      socket,
      outbox: new SessionOutbox(),
      awaiting: new Set(),
      bucket: { tokens: 2 * this.#config.limits.messagesPerSecond, at: Date.now() },
      refusedInARow: 0,
      badInARow: 0,
      lastSentAt: Date.now(),
      queue: Promise.resolve(),
    };
    this.#sessions.set(socket, session);
    this.#byId.set(session.id, session);
    return session;
  }

  #sessionOf(socket: WebSocket): Session | undefined {
    return this.#sessions.get(socket);
  }

  /** After a restart or hibernation: the surviving sockets, their subscriptions from SQLite, the uplinks they need. */
  #restore(): void {
    for (const socket of this.ctx.getWebSockets(SESSION_TAG)) {
      const attachment = socket.deserializeAttachment() as Attachment | null;
      if (attachment) this.#adopt(socket, attachment);
    }
    // Only live sessions' sets: those of gone ones are read when they resume.
    const live = this.#sql.exec<{ session: string; subs: string }>(
      'SELECT session, subs FROM session_subs JOIN sessions ON sessions.id = session_subs.session WHERE sessions.gone_at IS NULL',
    );
    for (const row of live) {
      if (!this.#byId.has(row.session)) continue;
      for (const { token, mode, group } of decodeSubscriptions(row.subs)) this.#index.set(row.session, token, group, mode);
    }
    // Sessions whose sockets did not survive the restart can still be resumed for a while.
    const lost = this.#sql
      .exec<{ id: string }>('SELECT id FROM sessions WHERE gone_at IS NULL')
      .toArray()
      .map((row) => row.id);
    this.#markGone(lost.filter((id) => !this.#byId.has(id)));
    for (const group of [...this.#index.groups()]) {
      this.#ensureUplink(group);
      this.#syncUplink(group);
    }
    if (this.ctx.getWebSockets(KITE_TAG).length > 0) this.#startHeartbeat();
  }

  /** Takes a session out of memory; its rows stay for a resume when `resumable`, else they go. */
  #forget(session: Session, resumable: boolean): void {
    if (!this.#byId.delete(session.id)) return;
    this.#sessions.delete(session.socket);
    this.#dirty.delete(session);
    const tokens = [...this.#index.tokensOf(session.id).keys()];
    for (const group of this.#index.removeSession(session.id)) this.#syncUplink(group);
    for (const token of tokens) if (this.#index.groupOf(token) === undefined) this.#names.delete(token);
    if (resumable) this.#markGone([session.id]);
    else this.#endSession(session.id);
  }

  #endSession(id: string): void {
    this.#sql.exec('DELETE FROM session_subs WHERE session = ?', id);
    this.#sql.exec('DELETE FROM sessions WHERE id = ?', id);
  }

  #markGone(ids: string[]): void {
    if (ids.length === 0) return;
    const now = Date.now();
    for (const id of ids) this.#sql.exec('UPDATE sessions SET gone_at = ? WHERE id = ? AND gone_at IS NULL', now, id);
    void this.ctx.storage.getAlarm().then((at) => {
      if (at === null) return this.ctx.storage.setAlarm(now + RESUME_WINDOW_MS);
    });
  }

  /** The id to resume when `wanted` names a gone session of the same owner and protocol; undefined starts a new one. */
  #resumable(wanted: string | null, userId: string, keyId: string | null, protocol: Protocol): string | undefined {
    if (!wanted) return undefined;
    const row = this.#sql
      .exec<{ user_id: string; key_id: string | null; protocol: string }>(
        'SELECT user_id, key_id, protocol FROM sessions WHERE id = ? AND gone_at IS NOT NULL',
        wanted,
      )
      .toArray()[0];
    return row && row.user_id === userId && row.key_id === keyId && row.protocol === protocol ? wanted : undefined;
  }

  /** Back from SQLite: the session's subscriptions, the uplinks they need, and a snapshot of each. */
  #resume(session: Session): void {
    this.#sql.exec('UPDATE sessions SET gone_at = NULL WHERE id = ?', session.id);
    const changed = new Set<GroupKey>();
    // The stored set is what it holds again, so it needs no writing back.
    for (const { token, mode, group } of this.#stored(session.id)) this.#hold(session, { instrument_token: token, group }, mode, true, changed);
    for (const group of changed) this.#syncUplink(group);
    if (session.outbox.snapshot.size > 0) this.#markDirty(session);
  }

  #withinBudget(session: Session): boolean {
    const now = Date.now();
    const rate = this.#config.limits.messagesPerSecond;
    const bucket = session.bucket;
    bucket.tokens = Math.min(2 * rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      session.refusedInARow = 0;
      return true;
    }
    if (++session.refusedInARow >= ABUSE_IN_A_ROW) {
      this.#close(session, CloseCode.RATE_LIMIT_ABUSE, `more than ${rate} control messages a second, ${ABUSE_IN_A_ROW} refused in a row`);
    } else {
      this.#sendError(session, { code: 'rate_limited', message: `at most ${rate} control messages a second (bursts of ${2 * rate}); this one was dropped` });
    }
    return false;
  }

  #refuse(session: Session, error: SessionError): void {
    if (++session.badInARow >= ABUSE_IN_A_ROW) {
      this.#close(session, CloseCode.PROTOCOL_ABUSE, `${ABUSE_IN_A_ROW} malformed messages in a row; the last: ${error.message}`.slice(0, 120));
      return;
    }
    this.#sendError(session, error);
  }

  #sendError(session: Session, error: SessionError): void {
    if (session.protocol === 'v2') this.#send(session, { type: 'error', ...error });
    // Kite's own error frame: {"type":"error","data":"…"}.
    else this.#sendRaw(session, JSON.stringify({ type: 'error', data: error.message }));
  }

  #close(session: Session, code: number, reason: string): void {
    if (session.protocol === 'v2') this.#send(session, { type: 'error', code: 'closing', message: reason });
    try {
      // A close reason is at most 123 bytes.
      session.socket.close(code, reason.slice(0, 120));
    } catch {
      // Already closed.
    }
    this.#forget(session, false);
  }

  #send(session: Session, frame: ServerMessage): boolean {
    return this.#sendRaw(session, JSON.stringify(frame));
  }

  #sendRaw(session: Session, data: string | Uint8Array): boolean {
    try {
      session.socket.send(data);
      return true;
    } catch {
      return false;
    }
  }
}

type SessionError = { code: SessionErrorCode; message: string; id?: string | number };

/** What a control message needs of an instrument: its group to hold it, its names for the ack. */
type ResolvedGroup = Pick<ResolvedInstrument, 'instrument_token' | 'group' | 'exchange' | 'tradingsymbol'>;

/** Each ref checked on its own: the bad ones are rejected by name, the rest deduplicated in order. */
function checkRefs(refs: readonly unknown[]): { valid: InstrumentRef[]; rejected: Rejected[] } {
  const valid: InstrumentRef[] = [];
  const rejected: Rejected[] = [];
  const seen = new Set<InstrumentRef>();
  for (const ref of refs) {
    const parsed = InstrumentRef.safeParse(ref);
    if (!parsed.success) rejected.push({ instrument: ref, code: 'bad_instrument', reason: parsed.error.issues[0]?.message ?? 'not an instrument' });
    else if (!seen.has(parsed.data)) {
      seen.add(parsed.data);
      valid.push(parsed.data);
    }
  }
  return { valid, rejected };
}
