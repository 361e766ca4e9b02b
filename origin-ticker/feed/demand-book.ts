import type { GroupKey } from '../../contracts/instrument-group.ts';
import { type Demand, type TickMode, richerMode } from '../../contracts/origin-link.ts';
import type { GroupIndex } from '../registry/group-index.ts';

/**
 * What the platform wants from Kite: each group's demand (sent by its
 * Durable Object, already the union of its consumers) plus the pinned
 * instruments the origin always carries. `wanted()` lists pinned
 * instruments first, so when capacity runs out it is edge demand that
 * waits, never the pinned set.
 */
export class DemandBook {
  readonly #groups = new Map<GroupKey, Map<number, TickMode>>();
  /** As each group sent it, to check again against a newer registry. */
  readonly #sent = new Map<GroupKey, Demand>();
  /** Resolved against the registry each time (a symbol's token is known only once it is synced). */
  readonly #pinned: () => ReadonlyMap<number, TickMode>;
  readonly #index: () => GroupIndex;

  constructor(pinned: () => ReadonlyMap<number, TickMode>, index: () => GroupIndex) {
    this.#pinned = pinned;
    this.#index = index;
  }

  /** Replaces a group's demand; returns the tokens refused (not in the registry, or not in this group). */
  setGroup(group: GroupKey, demand: Demand): Map<number, string> {
    this.#sent.set(group, demand);
    const refused = new Map<number, string>();
    const tokens = new Map<number, TickMode>();
    for (const [key, mode] of Object.entries(demand)) {
      const token = Number(key);
      const owner = this.#index().groupOf(token);
      if (owner === undefined) refused.set(token, 'unknown instrument: not an active instrument of the registry');
      else if (owner !== group) refused.set(token, `instrument belongs to group ${owner}, not ${group}`);
      else tokens.set(token, mode);
    }
    if (tokens.size) this.#groups.set(group, tokens);
    else this.#groups.delete(group);
    return refused;
  }

  dropGroup(group: GroupKey): void {
    this.#groups.delete(group);
    this.#sent.delete(group);
  }

  /** After a registry sync: every group's demand checked again; returns what is refused now. */
  revalidate(): Map<GroupKey, Map<number, string>> {
    const refused = new Map<GroupKey, Map<number, string>>();
    for (const [group, demand] of this.#sent) refused.set(group, this.setGroup(group, demand));
    return refused;
  }

  groupDemand(group: GroupKey): ReadonlyMap<number, TickMode> | undefined {
    return this.#groups.get(group);
  }

  /** Groups the pinned instruments belong to: their links stay open whatever the edge wants. */
  pinnedGroups(): Set<GroupKey> {
    const groups = new Set<GroupKey>();
    for (const token of this.#pinned().keys()) {
      const group = this.#index().groupOf(token);
      if (group) groups.add(group);
    }
    return groups;
  }

  wanted(): Map<number, TickMode> {
    const wanted = new Map(this.#pinned());
    for (const tokens of this.#groups.values()) {
      for (const [token, mode] of tokens) {
        const before = wanted.get(token);
        wanted.set(token, before ? richerMode(before, mode) : mode);
      }
    }
    return wanted;
  }
}
