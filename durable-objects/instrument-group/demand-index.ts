import type { Demand, TickMode } from '../../contracts/origin-link.ts';
import { type HoldingChange, RichestModeIndex } from '../../contracts/richest-mode-index.ts';

/** One consumer's wants: token → mode. */
export type ConsumerDemand = ReadonlyMap<number, TickMode>;

/** What one `set` or `update` changed for its consumer (so the caller persists only that), and whether the union moved. */
export type DemandChange = HoldingChange;

/**
 * The demand of one instrument group: which consumers (fan-out hubs, operator
 * tools, the group's alerts) want which tokens in which mode, and the union
 * the origin must subscribe, each token in the richest mode still wanted
 * (contracts/richest-mode-index.ts counts it). Pure memory; the
 * InstrumentGroup persists it.
 */
export class DemandIndex {
  readonly #index = new RichestModeIndex<string>();

  /** Replaces one consumer's whole demand (empty removes the consumer). */
  set(consumer: string, wants: ConsumerDemand): DemandChange {
    return this.#index.replace(consumer, wants);
  }

  /**
   * Changes part of one consumer's demand: `set` adds or re-modes tokens,
   * `drop` removes them. Costs the size of the change, not of the demand, so
   * a hub whose sessions subscribe one by one does not resend (and the group
   * does not re-diff) everything it already wants.
   */
  update(consumer: string, set: ConsumerDemand, drop: readonly number[]): DemandChange {
    return this.#index.update(consumer, set, drop);
  }

  /** The richest mode any consumer wants `token` in, or undefined when none wants it. */
  modeOf(token: number): TickMode | undefined {
    return this.#index.richest(token);
  }

  has(token: number): boolean {
    return this.#index.has(token);
  }

  /** What one consumer wants (empty when it wants nothing). */
  wantsOf(consumer: string): ConsumerDemand {
    return this.#index.heldBy(consumer);
  }

  /** The union as the link carries it: token (decimal string) → richest mode. */
  union(): Demand {
    return this.#index.demand();
  }

  /** Tokens in the union. */
  get size(): number {
    return this.#index.size;
  }

  /** consumer → how many tokens it wants. */
  consumers(): Record<string, number> {
    return Object.fromEntries([...this.#index.holders()].map(([consumer, wants]) => [consumer, wants.size]));
  }
}
