import { CloseCode } from '../../contracts/client-protocol.ts';
import type { HubConfig } from '../../contracts/hub-config.ts';
import { packetToken } from '../../contracts/kite-ticks/packet-layout.ts';
import type { TickBatch } from '../../contracts/origin-link.ts';
import type { Counter } from '../metrics/object-counters.ts';
import type { Session, Sessions, Snapshot } from './session.ts';
import { TickJson } from './session-frames.ts';
import type { SubscriptionIndex } from './subscription-index.ts';

/**
 * A hub's ticks on their way to its sessions: each batch from a group goes
 * into the outboxes of the sessions holding its instruments (a snapshot to
 * those waiting for one), and every `flushMs` each session with something
 * due gets one frame per kind, in its protocol, with each tick's JSON made
 * once per flush for all sessions.
 *
 * Slow sessions: while a socket holds more than `slowBufferBytes` unsent,
 * its ticks are merged in its outbox (latest per instrument) and held back,
 * re-checked every SLOW_RECHECK_MS and sent as one frame when it drains;
 * one stuck past `slowCloseMs` is closed (4009).
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
  /** The last packet seen of each token the hub carries, for a snapshot without asking the group. */
  readonly #latest = new Map<number, Uint8Array>();
  readonly #dirty = new Set<Session>();
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

  /** A batch from a group: live ticks into the holders' outboxes, and snapshots to the holders waiting for one. */
  batch(batch: TickBatch, asked: readonly number[] | undefined): void {
    const snapshot = batch.kind === 2;
    for (const packet of batch.packets) {
      const token = packetToken(packet);
      const holders = this.#index.holders(token);
      if (!holders) continue;
      if (!snapshot || !this.#latest.has(token)) this.#latest.set(token, packet);
      for (const [sessionId, mode] of holders) {
        const session = this.#sessions.get(sessionId);
        if (!session) continue;
        if (session.awaiting.size > 0 && session.awaiting.delete(token)) session.outbox.snapshot.set(token, packet);
        else if (!snapshot) {
          if (session.outbox.put(token, mode, packet)) this.#counters.conflated.value++;
        } else continue;
        this.markDirty(session);
      }
    }
    // Asked, and the group holds no tick of it yet: its first live tick will do.
    for (const token of asked ?? []) {
      if (this.#latest.has(token)) continue;
      for (const sessionId of this.#index.holders(token)?.keys() ?? []) this.#sessions.get(sessionId)?.awaiting.delete(token);
    }
  }

  /** The session has something due: it is written at the next flush. */
  markDirty(session: Session): void {
    this.#dirty.add(session);
    this.#flushTimer ??= setTimeout(() => this.#flush(), this.#config.flushMs);
  }

  /** The session is gone: nothing more is written to it. */
  forget(session: Session): void {
    this.#dirty.delete(session);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const now = Date.now();
    const json = new TickJson();
    const held: Session[] = [];
    const bound = { bytes: this.#config.slowBufferBytes, closeAfterMs: this.#config.slowCloseMs };
    for (const session of this.#dirty) {
      if (!this.#sessions.has(session.id)) continue;
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
    this.#counters.moved();
    if (held.length > 0) {
      for (const session of held) this.#dirty.add(session);
      this.#flushTimer = setTimeout(() => this.#flush(), SLOW_RECHECK_MS);
    }
  }

  /** The session's snapshots first, then its live ticks due. */
  #write(session: Session, json: TickJson): void {
    const { outbox } = session;
    const snapshots: Snapshot[] = [];
    for (const [token, packet] of outbox.snapshot) {
      const mode = this.#index.modeOf(session.id, token);
      if (mode) snapshots.push({ token, packet, mode });
    }
    outbox.snapshot.clear();
    this.#counters.delivered.value += session.speaks.write(session, snapshots, json);
  }
}
