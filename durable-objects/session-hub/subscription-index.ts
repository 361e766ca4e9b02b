import type { GroupKey } from '../../contracts/instrument-group.ts';
import type { Demand, TickMode } from '../../contracts/origin-link.ts';
import { RichestModeIndex } from '../../contracts/richest-mode-index.ts';

/**
 * A hub's subscription index (Centrifugo's "hub"): which session holds which
 * token in which mode, who holds a token, and per instrument group the union
 * the hub must want from that group (each token in the richest mode any of
 * its sessions holds, counted by contracts/richest-mode-index.ts). Sessions
 * are opaque ids; pure memory, rebuilt from the hub's storage after a restart.
 */
export type SessionId = string;

/** One instrument a session holds: its token, the mode it wants, the group that carries it. */
export type Subscription = { token: number; mode: TickMode; group: GroupKey };

export class SubscriptionIndex {
  /** session → token → mode, and each token's richest mode over the sessions. */
  readonly #modes = new RichestModeIndex<SessionId>();
  readonly #byToken = new Map<number, Map<SessionId, TickMode>>();
  readonly #groupOf = new Map<number, GroupKey>();
  readonly #byGroup = new Map<GroupKey, Set<number>>();
  /** Per group, the tokens whose richest mode moved since the group last heard (null: no longer wanted). */
  readonly #changes = new Map<GroupKey, Map<number, TickMode | null>>();

  /** Sets (adds or re-modes) one token of a session. Returns whether the group's want changed. */
  set(session: SessionId, token: number, group: GroupKey, mode: TickMode): boolean {
    const moved = this.#modes.set(session, token, mode);
    let holders = this.#byToken.get(token);
    if (!holders) {
      holders = new Map();
      this.#byToken.set(token, holders);
    }
    holders.set(session, mode);
    this.#groupOf.set(token, group);
    let tokens = this.#byGroup.get(group);
    if (!tokens) {
      tokens = new Set();
      this.#byGroup.set(group, tokens);
    }
    tokens.add(token);
    return this.#moved(group, token, moved);
  }

  /** Removes one token of a session. Returns whether the group's want changed. */
  delete(session: SessionId, token: number): boolean {
    if (!this.#modes.heldBy(session).has(token)) return false;
    const moved = this.#modes.delete(session, token);
    const holders = this.#byToken.get(token);
    holders?.delete(session);
    const group = this.#groupOf.get(token);
    if (holders && holders.size === 0) {
      this.#byToken.delete(token);
      this.#groupOf.delete(token);
      if (group !== undefined) {
        const tokens = this.#byGroup.get(group);
        tokens?.delete(token);
        if (tokens?.size === 0) this.#byGroup.delete(group);
      }
    }
    return group !== undefined && this.#moved(group, token, moved);
  }

  /** Removes a session entirely; returns the groups whose want changed. */
  removeSession(session: SessionId): Set<GroupKey> {
    const changed = new Set<GroupKey>();
    for (const token of [...this.#modes.heldBy(session).keys()]) {
      const group = this.#groupOf.get(token);
      if (this.delete(session, token) && group !== undefined) changed.add(group);
    }
    return changed;
  }

  modeOf(session: SessionId, token: number): TickMode | undefined {
    return this.#modes.heldBy(session).get(token);
  }

  tokensOf(session: SessionId): ReadonlyMap<number, TickMode> {
    return this.#modes.heldBy(session);
  }

  /** A session's subscriptions with their groups: what the hub stores of it. */
  *subscriptionsOf(session: SessionId): Generator<Subscription> {
    for (const [token, mode] of this.tokensOf(session)) {
      const group = this.#groupOf.get(token);
      if (group !== undefined) yield { token, mode, group }; // always: a held token has a group
    }
  }

  holders(token: number): ReadonlyMap<SessionId, TickMode> | undefined {
    return this.#byToken.get(token);
  }

  groupOf(token: number): GroupKey | undefined {
    return this.#groupOf.get(token);
  }

  groups(): IterableIterator<GroupKey> {
    return this.#byGroup.keys();
  }

  /** The hub's whole demand on one group, as the hub link's `want` carries it; what moved before it is then known to the group. */
  takeWant(group: GroupKey): Demand {
    this.#changes.delete(group);
    return this.#modes.demand(this.#byGroup.get(group) ?? []);
  }

  /** What moved in the hub's demand on one group since the last take, as the hub link's `change` carries it. */
  takeChanges(group: GroupKey): { set: Demand; drop: number[] } {
    const set: Demand = {};
    const drop: number[] = [];
    for (const [token, mode] of this.#changes.get(group) ?? []) {
      if (mode === null) drop.push(token);
      else set[String(token)] = mode;
    }
    this.#changes.delete(group);
    return { set, drop };
  }

  /** Each session holding tokens of the group, with those tokens: costs the group's subscriptions, not every session's. */
  holdersOfGroup(group: GroupKey): Map<SessionId, number[]> {
    const out = new Map<SessionId, number[]>();
    for (const token of this.#byGroup.get(group) ?? []) {
      for (const session of this.#byToken.get(token)?.keys() ?? []) {
        const tokens = out.get(session);
        if (tokens) tokens.push(token);
        else out.set(session, [token]);
      }
    }
    return out;
  }

  /** Whether any session holds a token of the group. */
  wants(group: GroupKey): boolean {
    return this.#byGroup.has(group);
  }

  get tokenCount(): number {
    return this.#byToken.size;
  }

  /** Records a move of the token's richest mode for the group's next `change`; returns whether it moved. */
  #moved(group: GroupKey, token: number, moved: boolean): boolean {
    if (!moved) return false;
    let changes = this.#changes.get(group);
    if (!changes) {
      changes = new Map();
      this.#changes.set(group, changes);
    }
    changes.set(token, this.#modes.richest(token) ?? null);
    return true;
  }
}
