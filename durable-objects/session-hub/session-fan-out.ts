import { CloseCode } from '../../contracts/client-protocol.ts';
import type { HubConfig } from '../../contracts/hub-config.ts';
import { packetToken } from '../../contracts/kite-ticks/packet-layout.ts';
import type { TickBatch } from '../../contracts/origin-link.ts';
import type { Counter } from '../metrics/object-counters.ts';
import { type Session, type Sessions, type Snapshot, sendRaw } from './session.ts';
import { type Audience, SessionAudiences } from './session-audiences.ts';
import { TickJson } from './session-frames.ts';
import type { SubscriptionIndex } from './subscription-index.ts';

/**
 * A hub's ticks on their way to its sessions: each batch from a group goes
 * into the outboxes of the audiences holding its instruments
 * (session-audiences.ts: sessions holding the same instruments in the same
 * modes share one), a snapshot to each lone session waiting for one; every
 * `flushMs` each audience with something due is written one frame per kind,
 * encoded once (each tick's JSON made once per flush for all audiences) and
 * sent as it is to each member. The work per tick is per audience, not per
 * session.
 *
 * Slow sessions: while a socket holds more than `slowBufferBytes` unsent,
 * its session stands alone and its ticks are merged in its own outbox
 * (latest per instrument) and held back, re-checked every SLOW_RECHECK_MS
 * and sent as one frame when it drains; one stuck past `slowCloseMs` is
 * closed (4009).
 *
 * Metrics: the ticks written and the ticks merged away, each an add to a
 * counter (never a lookup per tick), reported moved once per flush.
 */
const SLOW_RECHECK_MS = 200;

export type FanOutCounters = { delivered: Counter; conflated: Counter; moved: () => void };

export class SessionFanOut {
  readonly #index: SubscriptionIndex;
  readonly #sessions: Sessions;
  readonly #config: HubConfig;
  readonly #close: (session: Session, code: number, reason: string) => void;
  readonly #counters: FanOutCounters;
  readonly #audiences = new SessionAudiences();
  /** The last packet seen of each token the hub carries, for a snapshot without asking the group. */
  readonly #latest = new Map<number, Uint8Array>();
  readonly #dirty = new Set<Audience>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    index: SubscriptionIndex,
    sessions: Sessions,
    config: HubConfig,
    close: (session: Session, code: number, reason: string) => void,
    counters: FanOutCounters,
  ) {
    this.#index = index;
    this.#sessions = sessions;
    this.#config = config;
    this.#close = close;
    this.#counters = counters;
  }

  latest(token: number): Uint8Array | undefined {
    return this.#latest.get(token);
  }

  /** How many shared audiences the sessions form (state()). */
  get sharedAudiences(): number {
    return this.#audiences.sharedCount;
  }

  /** A batch from a group: live ticks into the holding audiences' outboxes, and snapshots to the lone sessions waiting for one. */
  batch(batch: TickBatch, asked: readonly number[] | undefined): void {
    const snapshot = batch.kind === 2;
    for (const packet of batch.packets) {
      const token = packetToken(packet);
      const holders = this.#audiences.holders(token);
      if (!holders) continue;
      if (!snapshot || !this.#latest.has(token)) this.#latest.set(token, packet);
      for (const [audience, mode] of holders) {
        if (audience.key === null) {
          // Only a lone session waits for a snapshot: its first tick of the token is that, not a live tick.
          const [session] = audience.members as Set<Session>;
          if (session && session.awaiting.size > 0 && session.awaiting.delete(token)) {
            session.outbox.snapshot.set(token, packet);
            this.#dirty.add(audience);
            continue;
          }
        }
        if (snapshot) continue;
        if (audience.outbox.put(token, mode, packet)) this.#counters.conflated.value += audience.members.size;
        this.#dirty.add(audience);
      }
    }
    this.#flushSoon();
    // Asked, and the group holds no tick of it yet: its first live tick will do.
    for (const token of asked ?? []) {
      if (this.#latest.has(token)) continue;
      for (const sessionId of this.#index.holders(token)?.keys() ?? []) this.#sessions.get(sessionId)?.awaiting.delete(token);
    }
  }

  /** The session's subscriptions changed (or it opened, resumed, was restored): it is placed among the audiences again. */
  placed(session: Session): void {
    const audience = this.#audiences.place(session, this.#index.tokensOf(session.id));
    if (audience.outbox.size > 0) this.markDirty(session);
  }

  /** The session has something due: it is written at the next flush. */
  markDirty(session: Session): void {
    const audience = this.#audiences.of(session);
    if (!audience) return;
    this.#dirty.add(audience);
    this.#flushSoon();
  }

  /** The session is gone: nothing more is written to it. */
  forget(session: Session): void {
    const audience = this.#audiences.of(session);
    this.#audiences.remove(session);
    if (audience && audience.members.size === 0) this.#dirty.delete(audience);
  }

  #flushSoon(): void {
    if (this.#dirty.size > 0) this.#flushTimer ??= setTimeout(() => this.#flush(), this.#config.flushMs);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const now = Date.now();
    const json = new TickJson();
    const held = new Set<Audience>();
    const written: Session[] = [];
    const bound = { bytes: this.#config.slowBufferBytes, closeAfterMs: this.#config.slowCloseMs };
    for (const audience of this.#dirty) {
      const sendTo: Session[] = [];
      for (const session of [...audience.members]) {
        if (!this.#sessions.has(session.id)) continue;
        const verdict = session.outbox.verdict(session.socket.bufferedAmount ?? 0, now, bound);
        if (verdict === 'close') {
          this.#close(
            session,
            CloseCode.SLOW_CONSUMER,
            `read too slowly: over ${bound.bytes} bytes stayed unsent for ${Math.round((now - (session.outbox.slowSince ?? now)) / 1000)} s`,
          );
        } else if (verdict === 'hold') {
          // Merged in its own outbox until the socket drains; a shared audience's ticks due so far go with it.
          held.add(audience.key === null ? audience : this.#audiences.standAlone(session, audience));
        } else sendTo.push(session);
      }
      if (sendTo.length === 0) continue;
      for (const session of sendTo) this.#writeSnapshots(session, json);
      const out = sendTo[0]?.speaks.ticksFrame(audience.outbox, json);
      for (const session of sendTo) {
        if (out) sendRaw(session, out.frame);
        session.lastSentAt = now;
        if (audience.key === null) written.push(session);
      }
      if (out) this.#counters.delivered.value += out.ticks * sendTo.length;
    }
    this.#dirty.clear();
    // Lone sessions written everything they had join their shared audience, now that every outbox is empty.
    for (const session of written) if (this.#sessions.has(session.id)) this.#audiences.placeAfterWrite(session);
    this.#counters.moved();
    if (held.size > 0) {
      for (const audience of held) this.#dirty.add(audience);
      this.#flushTimer = setTimeout(() => this.#flush(), SLOW_RECHECK_MS);
    }
  }

  /** The session's snapshots, before any live tick. */
  #writeSnapshots(session: Session, json: TickJson): void {
    const { snapshot } = session.outbox;
    if (snapshot.size === 0) return;
    const snapshots: Snapshot[] = [];
    for (const [token, packet] of snapshot) {
      const mode = this.#index.modeOf(session.id, token);
      if (mode) snapshots.push({ token, packet, mode });
    }
    snapshot.clear();
    if (snapshots.length === 0) return;
    sendRaw(session, session.speaks.snapshotFrame(snapshots, json));
    this.#counters.delivered.value += snapshots.length;
  }
}
