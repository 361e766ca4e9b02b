import { type Demand, MODE_RANK, type TickMode } from './origin-link.ts';

/**
 * Who holds which token in which mode, and each token's richest mode over
 * its holders (ltp < quote < full): the demand a group keeps of its
 * consumers (durable-objects/instrument-group/demand-index.ts), a hub of
 * its sessions (durable-objects/session-hub/subscription-index.ts), the
 * origin of its groups (origin-ticker/feed/demand-book.ts).
 *
 * Reference-counted per token and mode, so a holder letting go keeps every
 * token another holder still holds, in the richest mode still held, and the
 * richest mode is found without visiting the holders. Every change says
 * whether a token's richest mode moved (or the token came or went): what
 * the one wanting the union must hear. Holders are opaque; pure memory.
 */
export type HoldingChange = {
  /** Tokens the holder holds now, or holds in another mode than before. */
  upserted: Map<number, TickMode>;
  /** Tokens the holder no longer holds. */
  removed: number[];
  /** Whether the union moved: some token's richest mode changed, or a token came or went. */
  unionChanged: boolean;
};

const EMPTY: ReadonlyMap<number, TickMode> = new Map();

export class RichestModeIndex<H> {
  readonly #byHolder = new Map<H, Map<number, TickMode>>();
  /** token → how many holders hold it in each mode, indexed by MODE_RANK. */
  readonly #counts = new Map<number, [number, number, number]>();

  /** Holds one token for a holder in `mode` (adds it, or re-modes it); returns whether the token's richest mode moved. */
  set(holder: H, token: number, mode: TickMode): boolean {
    let mine = this.#byHolder.get(holder);
    if (!mine) {
      mine = new Map();
      this.#byHolder.set(holder, mine);
    }
    const was = mine.get(token);
    if (was === mode) return false;
    mine.set(token, mode);
    return this.#move(token, was, mode);
  }

  /** Lets go of one token of a holder; returns whether the token's richest mode moved (false when the holder did not hold it). */
  delete(holder: H, token: number): boolean {
    const mine = this.#byHolder.get(holder);
    const was = mine?.get(token);
    if (mine === undefined || was === undefined) return false;
    mine.delete(token);
    if (mine.size === 0) this.#byHolder.delete(holder);
    return this.#move(token, was, undefined);
  }

  /** Replaces everything one holder holds (empty: the holder goes); reports what changed for it. */
  replace(holder: H, wants: ReadonlyMap<number, TickMode>): HoldingChange {
    const before = this.#byHolder.get(holder) ?? EMPTY;
    const change: HoldingChange = { upserted: new Map(), removed: [], unionChanged: false };
    for (const [token, mode] of before) {
      if (wants.has(token)) continue;
      change.removed.push(token);
      if (this.#move(token, mode, undefined)) change.unionChanged = true;
    }
    for (const [token, mode] of wants) {
      const was = before.get(token);
      if (was === mode) continue;
      change.upserted.set(token, mode);
      if (this.#move(token, was, mode)) change.unionChanged = true;
    }
    if (wants.size === 0) this.#byHolder.delete(holder);
    else this.#byHolder.set(holder, new Map(wants));
    return change;
  }

  /**
   * Changes part of what one holder holds: `set` adds or re-modes tokens,
   * `drop` lets go of them (first). Costs the size of the change, not of
   * what the holder holds.
   */
  update(holder: H, set: ReadonlyMap<number, TickMode>, drop: readonly number[]): HoldingChange {
    const mine = this.#byHolder.get(holder) ?? new Map<number, TickMode>();
    const change: HoldingChange = { upserted: new Map(), removed: [], unionChanged: false };
    const apply = (token: number, mode: TickMode | undefined) => {
      const was = mine.get(token);
      if (was === mode) return;
      if (mode === undefined) {
        mine.delete(token);
        change.removed.push(token);
      } else {
        mine.set(token, mode);
        change.upserted.set(token, mode);
      }
      if (this.#move(token, was, mode)) change.unionChanged = true;
    };
    for (const token of drop) apply(token, undefined);
    for (const [token, mode] of set) apply(token, mode);
    if (mine.size === 0) this.#byHolder.delete(holder);
    else this.#byHolder.set(holder, mine);
    return change;
  }

  /** The richest mode any holder holds `token` in, or undefined when none holds it. */
  richest(token: number): TickMode | undefined {
    const counts = this.#counts.get(token);
    if (!counts) return undefined;
    return counts[2] > 0 ? 'full' : counts[1] > 0 ? 'quote' : counts[0] > 0 ? 'ltp' : undefined;
  }

  /** Whether any holder holds `token`. */
  has(token: number): boolean {
    return this.#counts.has(token);
  }

  /** What one holder holds, token → mode (empty when nothing). */
  heldBy(holder: H): ReadonlyMap<number, TickMode> {
    return this.#byHolder.get(holder) ?? EMPTY;
  }

  /** Each holder with what it holds, in the order holders first held something. */
  holders(): IterableIterator<[H, ReadonlyMap<number, TickMode>]> {
    return this.#byHolder.entries();
  }

  /** Every token some holder holds. */
  tokens(): IterableIterator<number> {
    return this.#counts.keys();
  }

  /** How many tokens are held. */
  get size(): number {
    return this.#counts.size;
  }

  /** `tokens` (default: all held) each in its richest mode, as the links carry demand; tokens nobody holds are left out. */
  demand(tokens: Iterable<number> = this.#counts.keys()): Demand {
    const out: Demand = {};
    for (const token of tokens) {
      const mode = this.richest(token);
      if (mode !== undefined) out[String(token)] = mode;
    }
    return out;
  }

  /** Counts a token moving from one mode to another (undefined: not held) for one holder; returns whether its richest mode moved. */
  #move(token: number, from: TickMode | undefined, to: TickMode | undefined): boolean {
    const before = this.richest(token);
    const counts = this.#counts.get(token) ?? [0, 0, 0];
    if (to !== undefined) counts[MODE_RANK[to]] = (counts[MODE_RANK[to]] ?? 0) + 1;
    if (from !== undefined) counts[MODE_RANK[from]] = (counts[MODE_RANK[from]] ?? 0) - 1;
    if (counts[0] + counts[1] + counts[2] === 0) this.#counts.delete(token);
    else this.#counts.set(token, counts);
    return this.richest(token) !== before;
  }
}
