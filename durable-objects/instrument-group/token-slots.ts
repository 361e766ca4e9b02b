/**
 * The one token → slot lookup of a group's per-tick path: the latest
 * packets (latest-packets.ts) and the candle builder
 * (candles/minute-candles.ts) keep their per-instrument state in arrays
 * indexed by slot, so a packet costs the group one map lookup, done by the
 * latest packets, whose slots the candle builder then reads without one
 * (docs/benchmarks.md#candles).
 *
 * Each holder claims a slot for a token and releases it when it forgets the
 * token; a slot returns to the free list (and may then be given to another
 * token) when its last holder releases it. Slots are small integers, dense
 * from zero, so a holder's arrays grow to `highWater` at most.
 */
export const LATEST_HOLDER = 1;
export const CANDLES_HOLDER = 2;

export class TokenSlots {
  readonly #slotOf = new Map<number, number>();
  /** By slot: its token (while held), and which holders hold it (bits). */
  #tokens: number[] = [];
  #holders: number[] = [];
  readonly #free: number[] = [];

  /** The slot of `token`, given one if it has none, now held by `holder` too. */
  claim(token: number, holder: number): number {
    let slot = this.#slotOf.get(token);
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#tokens.length;
      this.#slotOf.set(token, slot);
      this.#tokens[slot] = token;
      this.#holders[slot] = 0;
    }
    this.#holders[slot] = (this.#holders[slot] as number) | holder;
    return slot;
  }

  /** The slot of `token`, if any holder holds it. */
  find(token: number): number | undefined {
    return this.#slotOf.get(token);
  }

  /** `holder` forgets its slot; the slot is free once nobody holds it. */
  release(slot: number, holder: number): void {
    const held = this.#holders[slot] ?? 0;
    if ((held & holder) === 0) return;
    const holders = held & ~holder;
    this.#holders[slot] = holders;
    if (holders !== 0) return;
    this.#slotOf.delete(this.#tokens[slot] as number);
    this.#free.push(slot);
  }

  tokenOf(slot: number): number {
    return this.#tokens[slot] as number;
  }

  /** One past the highest slot ever given (what a holder's arrays may need to hold). */
  get highWater(): number {
    return this.#tokens.length;
  }
}
