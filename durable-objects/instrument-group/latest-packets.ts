import { packetToken } from '../../contracts/kite-ticks/packet-layout.ts';
import type { HeldPacket } from './held-packets.ts';
import { LATEST_HOLDER, TokenSlots } from './token-slots.ts';

/**
 * The latest Kite packet of each of a group's instruments, a copy of the
 * origin's bytes with when the origin received it, kept least recently
 * ticked first; the group's tick counters; and what changed of either
 * since the snapshot was last written (group-store.ts writes it).
 *
 * Bounds: at most MAX_HELD_INSTRUMENTS tokens (the least recently ticked
 * goes first), and a token no consumer wants goes once its last packet is
 * older than UNDEMANDED_RETENTION_MS (`dropUndemanded`, from the alarm).
 *
 * Per instrument state lives by slot (token-slots.ts, shared with the
 * candle builder): a packet costs one map lookup, the slot's; the order of
 * last ticks is a list linked through the slots, not a map re-inserted on
 * every tick. `put` hands the batch's slots on, so the candle builder
 * needs no lookup of its own.
 */
export const MAX_HELD_INSTRUMENTS = 20_000;
export const UNDEMANDED_RETENTION_MS = 60 * 60_000;

export type TickCounters = { ticks_received: number; last_tick_at: number | null };

const NONE = -1;

export class LatestPackets {
  readonly #slots: TokenSlots;
  /** By slot: the latest packet (undefined: not held here). */
  readonly #held: (HeldPacket | undefined)[] = [];
  /** By slot: the neighbours in the order of last ticks (least recent first, from #oldest to #newest). */
  #older = new Int32Array(64);
  #newer = new Int32Array(64);
  #oldest = NONE;
  #newest = NONE;
  #size = 0;
  /** By slot: 1 when the stored snapshot is behind memory for it (ticked since the last write). */
  #behind = new Uint8Array(64);
  /** Tokens ticked or dropped since the last write (one dropped and ticked again counts twice). */
  #pendingWrites = 0;
  /** The slots of the last `put`, in its packets' order (reused from batch to batch). */
  #batchSlots = new Int32Array(512);
  #counters: TickCounters = { ticks_received: 0, last_tick_at: null };
  #countersBehind = false;

  /** `slots`: the token → slot lookup shared with the group's candle builder. */
  constructor(slots = new TokenSlots()) {
    this.#slots = slots;
  }

  /** At start: the stored snapshot, in its order, and the counters. */
  restore(held: Iterable<HeldPacket>, counters: TickCounters | undefined): void {
    for (const entry of held) this.#hold(this.#slots.claim(packetToken(entry.packet), LATEST_HOLDER), entry);
    if (counters) this.#counters = { ticks_received: counters.ticks_received, last_tick_at: counters.last_tick_at };
  }

  /**
   * A tick batch: each packet (copied) becomes its token's latest and most
   * recent. Returns the packets' slots, valid until the next `put`.
   */
  put(packets: readonly Uint8Array[], receivedAt: number, now: number): Int32Array {
    if (this.#batchSlots.length < packets.length) this.#batchSlots = new Int32Array(packets.length * 2);
    const batchSlots = this.#batchSlots;
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i] as Uint8Array;
      const slot = this.#slots.claim(packetToken(packet), LATEST_HOLDER);
      this.#hold(slot, { packet: packet.slice(), receivedAt });
      if (this.#behind[slot] === 0) {
        this.#behind[slot] = 1;
        this.#pendingWrites++;
      }
      batchSlots[i] = slot;
    }
    this.#counters = { ticks_received: this.#counters.ticks_received + packets.length, last_tick_at: now };
    this.#countersBehind = true;
    while (this.#size > MAX_HELD_INSTRUMENTS) this.#drop(this.#oldest);
    return batchSlots;
  }

  /** Drops the tokens nobody `wanted` whose last packet is older than UNDEMANDED_RETENTION_MS. */
  dropUndemanded(now: number, wanted: (token: number) => boolean): void {
    for (let slot = this.#oldest; slot !== NONE; ) {
      const newer = this.#newer[slot] as number;
      const held = this.#held[slot] as HeldPacket;
      if (now - held.receivedAt > UNDEMANDED_RETENTION_MS && !wanted(this.#slots.tokenOf(slot))) this.#drop(slot);
      slot = newer;
    }
  }

  get(token: number): HeldPacket | undefined {
    const slot = this.#slots.find(token);
    return slot === undefined ? undefined : this.#held[slot];
  }

  /** Least recently ticked first. */
  *tokens(): IterableIterator<number> {
    for (let slot = this.#oldest; slot !== NONE; slot = this.#newer[slot] as number) yield this.#slots.tokenOf(slot);
  }

  /** Least recently ticked first. */
  *values(): IterableIterator<HeldPacket> {
    for (let slot = this.#oldest; slot !== NONE; slot = this.#newer[slot] as number) yield this.#held[slot] as HeldPacket;
  }

  get size(): number {
    return this.#size;
  }

  get counters(): TickCounters {
    return this.#counters;
  }

  /** Tokens ticked or dropped since the snapshot was last written. */
  get pendingWrites(): number {
    return this.#pendingWrites;
  }

  /** Whether the counters moved since they were last written. */
  get countersBehind(): boolean {
    return this.#countersBehind;
  }

  /** The snapshot and the counters were written. */
  written(): void {
    this.#behind.fill(0);
    this.#pendingWrites = 0;
    this.#countersBehind = false;
  }

  /** `entry` becomes the slot's packet, and the slot the most recently ticked. */
  #hold(slot: number, entry: HeldPacket): void {
    if (slot >= this.#older.length) this.#grow(slot);
    if (this.#held[slot] === undefined) this.#size++;
    else this.#unlink(slot);
    this.#held[slot] = entry;
    this.#older[slot] = this.#newest;
    this.#newer[slot] = NONE;
    if (this.#newest === NONE) this.#oldest = slot;
    else this.#newer[this.#newest] = slot;
    this.#newest = slot;
  }

  #unlink(slot: number): void {
    const older = this.#older[slot] as number;
    const newer = this.#newer[slot] as number;
    if (older === NONE) this.#oldest = newer;
    else this.#newer[older] = newer;
    if (newer === NONE) this.#newest = older;
    else this.#older[newer] = older;
  }

  #drop(slot: number): void {
    this.#unlink(slot);
    this.#held[slot] = undefined;
    this.#size--;
    // A dropped token is behind too (the next snapshot leaves it out); counted already if it ticked since the last write. The
    // slot's flag is cleared as the slot may go to another token.
    if (this.#behind[slot] === 1) this.#behind[slot] = 0;
    else this.#pendingWrites++;
    this.#slots.release(slot, LATEST_HOLDER);
  }

  #grow(slot: number): void {
    const length = Math.max(slot + 1, this.#older.length * 2);
    const grown = (from: Int32Array) => {
      const to = new Int32Array(length);
      to.set(from);
      return to;
    };
    this.#older = grown(this.#older);
    this.#newer = grown(this.#newer);
    const behind = new Uint8Array(length);
    behind.set(this.#behind);
    this.#behind = behind;
  }
}
