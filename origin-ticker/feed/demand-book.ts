import type { GroupKey } from '../../contracts/instrument-group.ts';
import { type Demand, richerMode, type TickMode } from '../../contracts/origin-link.ts';
import { RichestModeIndex } from '../../contracts/richest-mode-index.ts';
import type { GroupIndex } from '../registry/group-index.ts';

/**
 * What the platform wants from Kite: each group's demand (sent by its
 * Durable Object, already the union of its consumers; their union counted
 * by contracts/richest-mode-index.ts) plus the pinned instruments the
 * origin always carries. `wanted()` lists pinned
 * instruments first, so when capacity runs out it is edge demand that
 * waits, never the pinned set. It is kept between changes: /health and
 * every resubscribe ask for it, and with thousands of pinned instruments
 * rebuilding it each time was most of the origin's garbage at start.
 */
export class DemandBook {
  readonly #groups = new RichestModeIndex<GroupKey>();
  /** As each group sent it, to check again against a newer registry. */
  readonly #sent = new Map<GroupKey, Demand>();
  /** Resolved against the registry each time (a symbol's token is known only once it is synced). */
  readonly #pinned: () => ReadonlyMap<number, TickMode>;
  readonly #index: () => GroupIndex;
  #wanted: { pinned: ReadonlyMap<number, TickMode>; merged: ReadonlyMap<number, TickMode> } | undefined;

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
    // A group object repeats its demand on every reconnect, mostly unchanged (often empty): the wanted set stays.
    if (this.#groups.replace(group, tokens).unionChanged) this.#wanted = undefined;
    return refused;
  }

  dropGroup(group: GroupKey): void {
    if (this.#groups.replace(group, new Map()).unionChanged) this.#wanted = undefined;
    this.#sent.delete(group);
  }

  /** After a registry sync: every group's demand checked again; returns what is refused now. */
  revalidate(): Map<GroupKey, Map<number, string>> {
    const refused = new Map<GroupKey, Map<number, string>>();
    for (const [group, demand] of this.#sent) refused.set(group, this.setGroup(group, demand));
    return refused;
  }

  /** The group's demand as accepted (empty when none). */
  groupDemand(group: GroupKey): ReadonlyMap<number, TickMode> {
    return this.#groups.heldBy(group);
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

  /** Rebuilt after a group's demand changes or the pinned set is resolved anew (a registry reload). */
  wanted(): ReadonlyMap<number, TickMode> {
    const pinned = this.#pinned();
    if (this.#wanted?.pinned === pinned) return this.#wanted.merged;
    if (this.#groups.size === 0) {
      this.#wanted = { pinned, merged: pinned };
      return pinned;
    }
    // Pinned first, then by group as the groups came: the order the pool fills its capacity in.
    const wanted = new Map(pinned);
    for (const [, tokens] of this.#groups.holders()) {
      for (const token of tokens.keys()) {
        const mode = this.#groups.richest(token) as TickMode;
        const before = pinned.get(token);
        wanted.set(token, before ? richerMode(before, mode) : mode);
      }
    }
    this.#wanted = { pinned, merged: wanted };
    return wanted;
  }
}
