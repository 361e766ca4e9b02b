import { setTimeout as pause } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import type { ClientMode, ServerMessage } from '../../contracts/client-protocol.ts';
import { decodeFrame } from '../../contracts/kite-ticks/decode.ts';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import { byMode, Uncompressed } from '../fanout-load.ts';
import type { Pick } from '../fanout-sessions.ts';
import type { Findings } from './findings.ts';
import type { PoolInstrument } from './instrument-pool.ts';
import { KiteSessionModel } from './kite-session-model.ts';
import type { RecoveryTracker } from './recovery-tracker.ts';
import { type Action, awayMs, chooseAction, nextActionInMs, pickModeChange, pickSwitch } from './session-behaviour.ts';
import { type SessionCredential, sessionEndpoint } from './session-endpoint.ts';
import type { ApiKey, SoakUser } from './soak-accounts.ts';
import type { TickLedger } from './tick-ledger.ts';
import { type Holdings, type Request, V2SessionModel } from './v2-session-model.ts';
import { Wakeups } from './wakeups.ts';

/**
 * One of the soak's sessions, for the whole run: it connects, subscribes
 * its watchlist, then acts now and then (session-behaviour.ts) until it
 * leaves or loses its socket, comes back a little later (resuming a lost
 * /v2/ws session, sometimes after another credential tried to take it
 * over), and so on until the soak stops it. Every frame it receives is
 * checked against what it holds (v2-session-model.ts,
 * kite-session-model.ts) and counted for losses (tick-ledger.ts) and
 * recovery (recovery-tracker.ts).
 */
export type SessionPlan = {
  /** The session's number in the soak: findings, losses and recoveries are told by it. */
  slot: number;
  protocol: 'v2' | 'kite';
  user: SoakUser;
  /** One of the user's API keys, or null for the user's access token (v2 only). */
  key: ApiKey | null;
  /** Its instruments when it starts afresh; the first, in full mode, is its anchor. */
  watchlist: Pick[];
};

export type FleetCounters = {
  open: number;
  peakOpen: number;
  opens: number;
  resumes: number;
  leaves: number;
  drops: number;
  serverCloses: number;
  refusedOpens: number;
  /** Resumes of a lost session asked with another credential (and answered: resumed or not). */
  hijackAttempts: number;
  alerts: number;
  actions: Record<Action, number>;
};

export type SessionWorld = {
  wsBase: string;
  instruments: ReadonlyMap<number, PoolInstrument>;
  findings: Findings;
  ledger: TickLedger;
  recovery: RecoveryTracker;
  counters: FleetCounters;
  random: () => number;
  /** A credential that must not get this session back: another key of the same user, or another user's. */
  thief(plan: SessionPlan): SessionPlan;
};

type Ending = 'left' | 'dropped' | 'refused' | 'lost' | 'ended' | 'unanswered' | 'stopped';

/** An upgrade or a request unanswered this long counts as unanswered, and the session starts again. */
const ANSWER_DEADLINE_MS = 30_000;
/** How many of the lost sessions' resumes are preceded by another credential's try. */
const HIJACK_SHARE = 0.4;
const STOP_DEADLINE_MS = 5_000;

export class SoakSession {
  readonly plan: SessionPlan;
  readonly #world: SessionWorld;
  readonly #v2: V2SessionModel;
  readonly #kite: KiteSessionModel;
  readonly #wake = new Wakeups();
  readonly #stop = new AbortController();
  #socket: WebSocket | undefined;
  #open = false;
  #fresh = true;
  #sessionId: string | undefined;
  #resuming: string | undefined;
  /** Whether another credential asked for the session being resumed first (the anomaly says so). */
  #triedByAnother = false;
  #ending: Ending | undefined;
  #closed = true;
  #running: Promise<void> | undefined;

  constructor(plan: SessionPlan, world: SessionWorld) {
    this.plan = plan;
    this.#world = world;
    this.#v2 = new V2SessionModel(plan.slot, world.findings);
    this.#kite = new KiteSessionModel(plan.slot, world.findings);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** What the session holds in full mode now, with each instrument's group (a fault's reach). */
  fullHeld(): { token: number; group: string }[] {
    const held = this.plan.protocol === 'v2' ? this.#v2.held : this.#kite.held;
    return [...held].filter(([, mode]) => mode === 'full').map(([token]) => ({ token, group: this.#groupOf(token) }));
  }

  /** Starts the session; resolves once its first connection has subscribed (or failed to). */
  start(): Promise<void> {
    return new Promise((firstDone) => {
      this.#running = this.#run(firstDone);
    });
  }

  /** Closes the session normally and waits for it to end. */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#socket && !this.#closed) {
      const socket = this.#socket;
      this.#end('stopped', 'soak over');
      const deadline = setTimeout(() => socket.terminate(), STOP_DEADLINE_MS);
      await this.#running;
      clearTimeout(deadline);
    } else await this.#running;
  }

  async #run(firstDone: () => void): Promise<void> {
    let resume: string | undefined;
    while (!this.#stop.signal.aborted) {
      const ending = await this.#connection(resume, firstDone);
      firstDone();
      resume = undefined;
      if (ending === 'stopped' || this.#stop.signal.aborted) break;
      const victim = this.#sessionId;
      if (!(await this.#away(awayMs(ending === 'left' ? 'leave' : ending === 'refused' ? 'refused' : 'drop', this.#world.random)))) break;
      this.#triedByAnother = false;
      if ((ending === 'dropped' || ending === 'lost') && this.plan.protocol === 'v2' && victim) {
        this.#triedByAnother = this.#world.random() < HIJACK_SHARE;
        if (this.#triedByAnother) await this.#hijack(victim);
        resume = victim;
      }
    }
  }

  /** One socket, from its upgrade to its close: how it ended. */
  async #connection(resume: string | undefined, firstDone: () => void): Promise<Ending> {
    const { counters, findings } = this.#world;
    const endpoint = sessionEndpoint(this.#world.wsBase, this.plan.protocol, this.#credential(this.plan), resume);
    const socket = new Uncompressed(endpoint.url, endpoint.protocols, endpoint.headers);
    this.#socket = socket;
    this.#ending = undefined;
    this.#resuming = resume;
    this.#closed = false;
    let refused: number | undefined;
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('error', () => {}); // the close that follows says what happened
    socket.on('unexpected-response', (_request, response) => {
      refused = response.statusCode;
      response.resume();
      socket.terminate();
    });
    socket.on('message', (data: Buffer, isBinary) => this.#frame(data, isBinary));
    socket.on('open', () => {
      if (this.plan.protocol === 'kite') this.#opened();
      this.#wake.wake();
    });
    socket.once('close', (code, reason) => this.#onClose(code, String(reason)));

    if (!(await this.#wake.until(() => this.#open || this.#closed, ANSWER_DEADLINE_MS))) {
      findings.anomaly('unanswered', this.plan.slot, 'no welcome', 'welcome');
      socket.terminate();
    }
    if (!this.#open) {
      await closed;
      if (refused === undefined) return 'unanswered';
      counters.refusedOpens++;
      findings.anomaly('refused-open', this.plan.slot, `HTTP ${refused}`, String(refused));
      return 'refused';
    }
    if (this.#fresh) await this.#subscribeWatchlist();
    firstDone();
    while (!this.#closed) {
      const acted = await Promise.race([
        pause(nextActionInMs(this.#world.random), true, { signal: this.#stop.signal }).catch(() => false),
        closed.then(() => false),
      ]);
      if (!acted || this.#closed) break;
      await this.#act(chooseAction(this.plan.protocol, this.#world.random));
    }
    const code = await closed;
    return this.#ending ?? (this.#stop.signal.aborted ? 'stopped' : code === 1006 ? 'lost' : 'ended');
  }

  #opened(): void {
    this.#open = true;
    const { counters } = this.#world;
    counters.open++;
    counters.opens++;
    counters.peakOpen = Math.max(counters.peakOpen, counters.open);
    if (this.plan.protocol === 'kite') {
      this.#kite.reset();
      this.#fresh = true;
    }
  }

  /**
   * The session ends its socket itself: it stops holding its instruments
   * now, not when the close handshake is over (frames that come meanwhile
   * are not its to count, and a slow handshake is no stall).
   */
  #end(ending: Ending, reason: string, how: 'close' | 'terminate' = 'close'): void {
    this.#ending = ending;
    this.#world.ledger.releaseAll(this.plan.slot, Date.now());
    this.#world.recovery.left(this.plan.slot);
    if (how === 'close') this.#socket?.close(1000, reason);
    else this.#socket?.terminate();
  }

  #onClose(code: number, reason: string): void {
    const { counters, findings, ledger, recovery } = this.#world;
    this.#closed = true;
    if (this.#open) {
      counters.open--;
      ledger.releaseAll(this.plan.slot, Date.now());
      recovery.left(this.plan.slot);
      if (this.#ending === undefined && !this.#stop.signal.aborted) {
        counters.serverCloses++;
        findings.anomaly('server-closed', this.plan.slot, `${code} ${reason}`.trim(), String(code));
      }
    }
    this.#open = false;
    this.#wake.wake();
  }

  // ---- frames ----

  #frame(data: Buffer, isBinary: boolean): void {
    const at = Date.now();
    if (this.plan.protocol === 'kite') this.#kiteFrame(data, isBinary, at);
    else this.#v2Frame(data, isBinary, at);
    this.#wake.wake();
  }

  #v2Frame(data: Buffer, isBinary: boolean, at: number): void {
    const { findings, recovery } = this.#world;
    let frame: ServerMessage;
    try {
      if (isBinary) throw new Error('a binary frame on /v2/ws');
      frame = JSON.parse(String(data)) as ServerMessage;
    } catch (error) {
      findings.anomaly('bad-frame', this.plan.slot, (error as Error).message);
      return;
    }
    switch (frame.type) {
      case 'welcome':
        this.#welcome(frame.session, frame.resumed, frame.subscribed, at);
        return;
      case 'ticks':
      case 'snapshot':
        this.#v2.ticks(
          frame.type,
          frame.ticks.map((t) => ({ token: t.instrument_token, mode: t.mode })),
        );
        this.#count(frame.ticks, at);
        return;
      case 'ack':
        // The soak never streams chains or candles: such an ack answers a request this session did not send.
        if ('subscribed' in frame) this.#apply(this.#v2.ack(frame), at);
        else findings.violation('answer-not-asked', this.plan.slot, `an ack of ${frame.action}`);
        return;
      case 'status':
        this.#v2.status(frame.group, frame.instruments);
        recovery.status(this.plan.slot, frame.group, frame.state === 'live', at);
        return;
      case 'alert':
        this.#world.counters.alerts++;
        if (frame.user_id !== this.plan.user.id || !this.plan.user.alertIds.has(frame.alert_id))
          findings.violation('alert-of-another-user', this.plan.slot, `alert ${frame.alert_id} of user ${frame.user_id}`);
        return;
      case 'pong':
        this.#v2.pong(frame.id);
        return;
      case 'error':
        this.#v2.error(frame.id, frame.code, frame.message);
        return;
      default:
        findings.anomaly('bad-frame', this.plan.slot, `type ${(frame as { type: unknown }).type}`);
    }
  }

  #welcome(session: string, resumed: boolean, subscribed: number, at: number): void {
    const { counters, findings, recovery } = this.#world;
    this.#sessionId = session;
    if (this.#resuming !== undefined && !resumed)
      findings.anomaly(
        'resume-refused',
        this.plan.slot,
        `asked for ${this.#resuming}${this.#triedByAnother ? ' (after another credential asked for it)' : ''}, got ${session}`,
      );
    if (resumed) {
      counters.resumes++;
      recovery.reconnected(this.plan.slot, at);
    }
    this.#apply(this.#v2.welcome(resumed, subscribed), at);
    this.#fresh = !resumed;
    this.#opened();
  }

  #kiteFrame(data: Buffer, isBinary: boolean, at: number): void {
    const { findings } = this.#world;
    if (!isBinary) {
      const text = String(data);
      const error = /"type"\s*:\s*"error"/.test(text);
      if (error) findings.anomaly('error-frame', this.plan.slot, text.slice(0, 200), 'kite');
      else findings.anomaly('bad-frame', this.plan.slot, text.slice(0, 200));
      return;
    }
    if (data.length < 2) return; // Kite's one-byte heartbeat
    let ticks: Tick[];
    try {
      ticks = decodeFrame(data);
    } catch (error) {
      findings.anomaly('bad-frame', this.plan.slot, `a binary frame that does not decode: ${(error as Error).message}`);
      return;
    }
    this.#kite.frame(ticks.map((t) => t.instrument_token));
    this.#count(ticks, at);
  }

  /** Ticks into the loss accounting and the recovery watch: full-mode ones carry their round's second. */
  #count(ticks: readonly Tick[], at: number): void {
    const { ledger, recovery } = this.#world;
    for (const tick of ticks) {
      const second = tick.mode === 'full' && 'exchange_timestamp' in tick ? tick.exchange_timestamp : null;
      ledger.tick(this.plan.slot, tick.instrument_token, tick.mode, second, at);
      if (second !== null) recovery.tick(this.plan.slot, tick.instrument_token, second, at);
    }
  }

  /** What an answer changed in what the session holds, told to the loss accounting and the recovery watch. */
  #apply(change: Holdings, at: number): void {
    const { ledger, recovery } = this.#world;
    for (const [token, mode] of change.held) {
      ledger.hold(this.plan.slot, token, this.#groupOf(token), mode, at);
      if (mode !== 'full') recovery.released(this.plan.slot, token);
    }
    for (const token of change.released) {
      ledger.release(this.plan.slot, token, at);
      recovery.released(this.plan.slot, token);
    }
    if (change.released.length > 0) {
      const held = this.plan.protocol === 'v2' ? this.#v2.held : this.#kite.held;
      recovery.holding(this.plan.slot, new Set([...held.keys()].map((t) => this.#groupOf(t))), at);
    }
  }

  // ---- requests ----

  async #subscribeWatchlist(): Promise<void> {
    if (this.plan.protocol === 'kite') {
      const tokens = this.plan.watchlist.map((p) => p.token);
      this.#sendKite({ a: 'subscribe', v: tokens });
      this.#kite.subscribed(tokens, 'quote');
      for (const [mode, group] of byMode(this.plan.watchlist)) if (mode !== 'quote') this.#kiteMode(group, mode);
      this.#holdKite(this.plan.watchlist.map((p) => [p.token, p.mode]));
      return;
    }
    for (const [mode, tokens] of byMode(this.plan.watchlist)) this.#request({ action: 'subscribe', tokens, mode });
    await this.#answered();
  }

  async #act(action: Action): Promise<void> {
    this.#world.counters.actions[action]++;
    const anchor = this.plan.watchlist[0]?.token ?? 0;
    const random = this.#world.random;
    if (action === 'leave') {
      this.#world.counters.leaves++;
      this.#end('left', 'leaving');
      return;
    }
    if (action === 'drop') {
      this.#world.counters.drops++;
      this.#end('dropped', 'dropped', 'terminate');
      return;
    }
    if (this.plan.protocol === 'kite') {
      if (action === 'switch') {
        const held = [...this.#kite.held.keys()];
        const { drop, add, mode } = pickSwitch(
          held,
          anchor,
          this.#candidates((t) => this.#kite.isFresh(t)),
          random,
        );
        if (drop.length > 0) this.#sendKite({ a: 'unsubscribe', v: drop });
        this.#sendKite({ a: 'subscribe', v: add });
        if (mode !== 'quote') this.#sendKite({ a: 'mode', v: [mode, add] });
        this.#kite.switched(drop, add, mode);
        this.#releaseKite(drop);
        this.#holdKite(add.map((t) => [t, mode]));
      } else if (action === 'mode') {
        const { tokens, mode } = pickModeChange(this.#kite.held, anchor, random);
        if (tokens.length > 0) this.#kiteMode(tokens, mode);
        this.#holdKite(tokens.map((t) => [t, mode]));
      }
      return;
    }
    if (action === 'switch') {
      const held = [...this.#v2.held.keys()];
      const { drop, add, mode } = pickSwitch(
        held,
        anchor,
        this.#candidates((t) => !this.#v2.held.has(t)),
        random,
      );
      if (drop.length > 0) this.#request({ action: 'unsubscribe', tokens: drop });
      this.#request({ action: 'subscribe', tokens: add, mode });
    } else if (action === 'mode') {
      const { tokens, mode } = pickModeChange(this.#v2.held, anchor, random);
      if (tokens.length === 0) return;
      this.#request({ action: 'mode', tokens, mode });
    } else this.#request({ action: 'ping' });
    await this.#answered();
  }

  #request(request: Request): void {
    const id = this.#v2.send(request);
    const message =
      request.action === 'ping'
        ? { action: 'ping', id }
        : { action: request.action, id, instruments: request.tokens, ...('mode' in request ? { mode: request.mode } : {}) };
    this.#socket?.send(JSON.stringify(message));
  }

  /** Every request answered, or the session is given up on and starts again. */
  async #answered(): Promise<void> {
    if (await this.#wake.until(() => this.#v2.pending === 0 || this.#closed, ANSWER_DEADLINE_MS)) return;
    this.#world.findings.anomaly('unanswered', this.plan.slot, `${this.#v2.pending} requests`, 'request');
    this.#end('unanswered', 'requests unanswered');
  }

  #sendKite(message: unknown): void {
    this.#socket?.send(JSON.stringify(message));
  }

  #kiteMode(tokens: number[], mode: ClientMode): void {
    this.#sendKite({ a: 'mode', v: [mode, tokens] });
    this.#kite.moded(tokens, mode);
  }

  /** Kite acknowledges nothing: what the session asked for counts from the asking. */
  #holdKite(held: [number, ClientMode][]): void {
    this.#apply({ held, released: [] }, Date.now());
  }

  #releaseKite(tokens: number[]): void {
    this.#apply({ held: [], released: tokens }, Date.now());
  }

  /** Instruments of the pool a switch may add. */
  #candidates(allowed: (token: number) => boolean): number[] {
    return [...this.#world.instruments.keys()].filter(allowed);
  }

  // ---- coming back ----

  /** Waits `ms` away; false when the soak stopped meanwhile. */
  async #away(ms: number): Promise<boolean> {
    return pause(ms, true, { signal: this.#stop.signal }).catch(() => false);
  }

  /**
   * Another credential asks for this lost session with `?resume=`: it must
   * get a session of its own (resumed: false) and nothing of this one's.
   */
  async #hijack(victim: string): Promise<void> {
    const { counters, findings } = this.#world;
    const thief = this.#world.thief(this.plan);
    const endpoint = sessionEndpoint(this.#world.wsBase, 'v2', this.#credential(thief), victim);
    const socket = new Uncompressed(endpoint.url, endpoint.protocols, endpoint.headers);
    const model = new V2SessionModel(-1 - this.plan.slot, findings);
    model.welcome(false, 0);
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(() => socket.terminate(), ANSWER_DEADLINE_MS);
      const onStop = () => socket.terminate();
      this.#stop.signal.addEventListener('abort', onStop, { once: true });
      socket.on('error', () => {});
      socket.on('unexpected-response', (_request, response) => {
        response.resume();
        socket.terminate();
      });
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(String(data)) as ServerMessage;
        if (frame.type === 'welcome') {
          counters.hijackAttempts++;
          if (frame.resumed) findings.violation('resumed-another-session', -1 - this.plan.slot, `session ${victim} of slot ${this.plan.slot}`);
          socket.close(1000, 'not mine');
        } else if (frame.type === 'ticks' || frame.type === 'snapshot')
          model.ticks(
            frame.type,
            frame.ticks.map((t) => ({ token: t.instrument_token, mode: t.mode })),
          );
        else if (frame.type === 'status') model.status(frame.group, frame.instruments);
      });
      socket.once('close', () => {
        clearTimeout(deadline);
        this.#stop.signal.removeEventListener('abort', onStop);
        resolve();
      });
    });
  }

  #credential(plan: SessionPlan): SessionCredential {
    return plan.key ? { kind: 'key', key: plan.key } : { kind: 'access', token: plan.user.access.current };
  }

  #groupOf(token: number): string {
    return this.#world.instruments.get(token)?.group ?? 'unknown';
  }
}
