import { type Demand, MODE_RANK, type TickMode } from '../../contracts/origin-link.ts';

/** One consumer's wants: token → mode. */
export type ConsumerDemand = ReadonlyMap<number, TickMode>;

/** What one `set` changed for its consumer, so the caller persists only that. */
export type DemandChange = {
  /** Tokens the consumer wants now, or wants in another mode than before. */
  upserted: Map<number, TickMode>;
  /** Tokens the consumer no longer wants. */
  removed: number[];
  /** Whether the union (what the origin must subscribe) changed. */
  unionChanged: boolean;
};

const MODES: readonly TickMode[] = ['ltp', 'quote', 'full'];

/**
 * The demand of one instrument group: which consumers (fan-out hubs, operator
 * tools) want which tokens in which mode, and the union the origin must
 * subscribe. Reference-counted per token and mode, so removing one consumer
 * keeps every token another consumer still wants, in the richest mode still
 * wanted. Pure memory; the InstrumentGroup persists it.
 */
const EMPTY: ConsumerDemand = new Map();

export class DemandIndex {
  readonly #byConsumer = new Map<string, Map<number, TickMode>>();
  /** token → how many consumers want it in each mode, indexed by MODE_RANK. */
  readonly #counts = new Map<number, [number, number, number]>();

  /** Replaces one consumer's whole demand (empty removes the consumer). */
  set(consumer: string, wants: ConsumerDemand): DemandChange {
    const before = this.#byConsumer.get(consumer) ?? new Map<number, TickMode>();
    const change: DemandChange = { upserted: new Map(), removed: [], unionChanged: false };
    const touched = new Map<number, TickMode | undefined>();
    const remember = (token: number) => {
      if (!touched.has(token)) touched.set(token, this.modeOf(token));
    };
    for (const [token, mode] of before) {
      if (wants.get(token) === mode) continue;
      remember(token);
      this.#count(token, mode, -1);
      if (!wants.has(token)) change.removed.push(token);
    }
    for (const [token, mode] of wants) {
      if (before.get(token) === mode) continue;
      remember(token);
      this.#count(token, mode, +1);
      change.upserted.set(token, mode);
    }
    if (wants.size === 0) this.#byConsumer.delete(consumer);
    else this.#byConsumer.set(consumer, new Map(wants));
    for (const [token, was] of touched) {
      if (this.modeOf(token) !== was) change.unionChanged = true;
    }
    return change;
  }

  /**
   * Changes part of one consumer's demand: `set` adds or re-modes tokens,
   * `drop` removes them. Costs the size of the change, not of the demand, so
   * a hub whose sessions subscribe one by one does not resend (and the group
   * does not re-diff) everything it already wants.
   */
  update(consumer: string, set: ConsumerDemand, drop: readonly number[]): DemandChange {
    const mine = this.#byConsumer.get(consumer) ?? new Map<number, TickMode>();
    const change: DemandChange = { upserted: new Map(), removed: [], unionChanged: false };
    const apply = (token: number, mode: TickMode | undefined) => {
      const before = mine.get(token);
      if (before === mode) return;
      const was = this.modeOf(token);
      if (before !== undefined) this.#count(token, before, -1);
      if (mode === undefined) {
        mine.delete(token);
        change.removed.push(token);
      } else {
        this.#count(token, mode, +1);
        mine.set(token, mode);
        change.upserted.set(token, mode);
      }
      if (this.modeOf(token) !== was) change.unionChanged = true;
    };
    for (const token of drop) apply(token, undefined);
    for (const [token, mode] of set) apply(token, mode);
    if (mine.size === 0) this.#byConsumer.delete(consumer);
    else this.#byConsumer.set(consumer, mine);
    return change;
  }

  /** The richest mode any consumer wants `token` in, or undefined when none wants it. */
  modeOf(token: number): TickMode | undefined {
    const counts = this.#counts.get(token);
    if (!counts) return undefined;
    for (let rank = MODES.length - 1; rank >= 0; rank--) if ((counts[rank] ?? 0) > 0) return MODES[rank];
    return undefined;
  }

  has(token: number): boolean {
    return this.#counts.has(token);
  }

  /** What one consumer wants (empty when it wants nothing). */
  wantsOf(consumer: string): ConsumerDemand {
    return this.#byConsumer.get(consumer) ?? EMPTY;
  }

  /** The union as the link carries it: token (decimal string) → richest mode. */
  union(): Demand {
    const out: Demand = {};
    for (const token of this.#counts.keys()) out[String(token)] = this.modeOf(token) as TickMode;
    return out;
  }

  /** Tokens in the union. */
  get size(): number {
    return this.#counts.size;
  }

  /** consumer → how many tokens it wants. */
  consumers(): Record<string, number> {
    return Object.fromEntries([...this.#byConsumer].map(([consumer, wants]) => [consumer, wants.size]));
  }

  #count(token: number, mode: TickMode, delta: 1 | -1): void {
    const counts = this.#counts.get(token) ?? [0, 0, 0];
    counts[MODE_RANK[mode]] = (counts[MODE_RANK[mode]] ?? 0) + delta;
    if (counts[0] + counts[1] + counts[2] === 0) this.#counts.delete(token);
    else this.#counts.set(token, counts);
  }
}
