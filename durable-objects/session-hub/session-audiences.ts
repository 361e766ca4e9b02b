import type { TickMode } from '../../contracts/origin-link.ts';
import type { Session } from './session.ts';
import { SessionOutbox } from './session-outbox.ts';

/**
 * Who a hub writes its ticks to: audiences, not sessions. Sessions that
 * speak the same protocol and hold the same instruments in the same modes
 * are one shared audience, with one outbox and one frame per flush for all
 * of them: a popular watchlist held by a thousand sessions costs one put
 * per tick and one encoding per flush, then a send per session.
 *
 * A session stands alone (an audience of its own, whose outbox is the
 * session's own) while it has anything the others do not: snapshots due,
 * instruments awaiting their first tick, ticks held back while its socket
 * is slow (session-outbox.ts). It joins its shared audience again once
 * that is written (`placeAfterWrite`). The audiences are rebuilt from the
 * subscription index whenever a session's subscriptions change, so they
 * are pure memory like the index.
 */
export type Audience = {
  /** The shared audience's key (protocol and instruments with modes); null for a session standing alone. */
  readonly key: string | null;
  readonly members: Set<Session>;
  /** The live ticks due to every member; a lone session's own outbox. */
  readonly outbox: SessionOutbox;
  /** What each member holds. */
  readonly modes: ReadonlyMap<number, TickMode>;
};

export class SessionAudiences {
  /** token → the audiences holding it, each with its mode. */
  readonly #byToken = new Map<number, Map<Audience, TickMode>>();
  readonly #shared = new Map<string, Audience>();
  readonly #of = new Map<Session, Audience>();

  /** The audiences holding `token`, with the mode each holds it in. */
  holders(token: number): ReadonlyMap<Audience, TickMode> | undefined {
    return this.#byToken.get(token);
  }

  of(session: Session): Audience | undefined {
    return this.#of.get(session);
  }

  get sharedCount(): number {
    return this.#shared.size;
  }

  /**
   * Places a session holding `modes` (after its subscriptions changed, or it
   * opened): into its shared audience when it has nothing of its own due,
   * else alone. Ticks its previous shared audience had due for it are
   * carried into its own outbox, so moving loses none.
   */
  place(session: Session, modes: ReadonlyMap<number, TickMode>): Audience {
    const before = this.#of.get(session);
    if (before) this.#leave(session, before, modes);
    const audience = canShare(session) ? this.#sharedFor(session, modes) : this.#alone(session, modes);
    audience.members.add(session);
    this.#of.set(session, audience);
    return audience;
  }

  /** After a flush wrote a lone session everything it had: it joins its shared audience, if nothing new is its own. */
  placeAfterWrite(session: Session): void {
    const audience = this.#of.get(session);
    if (audience && audience.key === null && canShare(session)) this.place(session, audience.modes);
  }

  /** A slow member of a shared audience: it stands alone, with the ticks due so far, until it has caught up. */
  standAlone(session: Session, shared: Audience): Audience {
    this.#leave(session, shared, shared.modes);
    const alone = this.#alone(session, shared.modes);
    alone.members.add(session);
    this.#of.set(session, alone);
    return alone;
  }

  /** The session is gone. */
  remove(session: Session): void {
    const audience = this.#of.get(session);
    if (!audience) return;
    audience.members.delete(session);
    this.#of.delete(session);
    if (audience.members.size === 0) this.#drop(audience);
  }

  #leave(session: Session, audience: Audience, modes: ReadonlyMap<number, TickMode>): void {
    if (audience.key !== null)
      audience.outbox.forEachDue((token, _mode, packet) => {
        const mode = modes.get(token);
        if (mode) session.outbox.put(token, mode, packet);
      });
    audience.members.delete(session);
    this.#of.delete(session);
    if (audience.members.size === 0) this.#drop(audience);
  }

  #sharedFor(session: Session, modes: ReadonlyMap<number, TickMode>): Audience {
    const key = audienceKey(session, modes);
    let audience = this.#shared.get(key);
    if (!audience) {
      audience = { key, members: new Set(), outbox: new SessionOutbox(), modes: new Map(modes) };
      this.#shared.set(key, audience);
      this.#route(audience);
    }
    return audience;
  }

  #alone(session: Session, modes: ReadonlyMap<number, TickMode>): Audience {
    const audience: Audience = { key: null, members: new Set(), outbox: session.outbox, modes: new Map(modes) };
    this.#route(audience);
    return audience;
  }

  #route(audience: Audience): void {
    for (const [token, mode] of audience.modes) {
      let holders = this.#byToken.get(token);
      if (!holders) {
        holders = new Map();
        this.#byToken.set(token, holders);
      }
      holders.set(audience, mode);
    }
  }

  #drop(audience: Audience): void {
    if (audience.key !== null) this.#shared.delete(audience.key);
    for (const token of audience.modes.keys()) {
      const holders = this.#byToken.get(token);
      holders?.delete(audience);
      if (holders?.size === 0) this.#byToken.delete(token);
    }
  }
}

/** Nothing due to the session alone: no snapshot, no instrument awaiting its first tick, no ticks held for a slow socket. */
function canShare(session: Session): boolean {
  return session.awaiting.size === 0 && session.outbox.size === 0 && session.outbox.slowSince === null;
}

/**
 * The frame a session gets depends on its protocol, its tick format (a
 * binary /v2/ws session gets other bytes than a JSON one) and on what it
 * holds in which mode: that is the key.
 */
function audienceKey(session: Session, modes: ReadonlyMap<number, TickMode>): string {
  const tokens = [...modes.keys()].sort((a, b) => a - b);
  return `${session.protocol}/${session.format}|${tokens.map((token) => `${token}:${modes.get(token)}`).join(',')}`;
}
