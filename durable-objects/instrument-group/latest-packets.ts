import { packetToken } from '../../contracts/kite-ticks/packet-layout.ts';
import type { HeldPacket } from './held-packets.ts';

/**
 * The latest Kite packet of each of a group's instruments, a copy of the
 * origin's bytes with when the origin received it, kept least recently
 * ticked first; the group's tick counters; and what changed of either
 * since the snapshot was last written (group-store.ts writes it).
 *
 * Bounds: at most MAX_HELD_INSTRUMENTS tokens (the least recently ticked
 * goes first), and a token no consumer wants goes once its last packet is
 * older than UNDEMANDED_RETENTION_MS (`dropUndemanded`, from the alarm).
 */
export const MAX_HELD_INSTRUMENTS = 20_000;
export const UNDEMANDED_RETENTION_MS = 60 * 60_000;

export type TickCounters = { ticks_received: number; last_tick_at: number | null };

export class LatestPackets {
  /** token → latest packet, least recently ticked first (re-inserted on every tick). */
  readonly #held = new Map<number, HeldPacket>();
  /** Tokens whose stored snapshot is behind memory (ticked or dropped since the last write). */
  readonly #behind = new Set<number>();
  #counters: TickCounters = { ticks_received: 0, last_tick_at: null };
  #countersBehind = false;

  /** At start: the stored snapshot, in its order, and the counters. */
  restore(held: Iterable<HeldPacket>, counters: TickCounters | undefined): void {
    for (const entry of held) this.#held.set(packetToken(entry.packet), entry);
    if (counters) this.#counters = { ticks_received: counters.ticks_received, last_tick_at: counters.last_tick_at };
  }

  /** A tick batch: each packet (copied) becomes its token's latest and most recent. */
  put(packets: readonly Uint8Array[], receivedAt: number, now: number): void {
    for (const packet of packets) {
      const token = packetToken(packet);
      // Delete first so the map stays ordered by last tick (the oldest goes first when full).
      this.#held.delete(token);
      this.#held.set(token, { packet: packet.slice(), receivedAt });
      this.#behind.add(token);
    }
    this.#counters = { ticks_received: this.#counters.ticks_received + packets.length, last_tick_at: now };
    this.#countersBehind = true;
    while (this.#held.size > MAX_HELD_INSTRUMENTS) {
      const oldest = this.#held.keys().next().value as number;
      this.#drop(oldest);
    }
  }

  /** Drops the tokens nobody `wanted` whose last packet is older than UNDEMANDED_RETENTION_MS. */
  dropUndemanded(now: number, wanted: (token: number) => boolean): void {
    for (const [token, held] of this.#held) {
      if (now - held.receivedAt > UNDEMANDED_RETENTION_MS && !wanted(token)) this.#drop(token);
    }
  }

  get(token: number): HeldPacket | undefined {
    return this.#held.get(token);
  }

  tokens(): IterableIterator<number> {
    return this.#held.keys();
  }

  /** Least recently ticked first. */
  values(): IterableIterator<HeldPacket> {
    return this.#held.values();
  }

  get size(): number {
    return this.#held.size;
  }

  get counters(): TickCounters {
    return this.#counters;
  }

  /** Tokens ticked or dropped since the snapshot was last written. */
  get pendingWrites(): number {
    return this.#behind.size;
  }

  /** Whether the counters moved since they were last written. */
  get countersBehind(): boolean {
    return this.#countersBehind;
  }

  /** The snapshot and the counters were written. */
  written(): void {
    this.#behind.clear();
    this.#countersBehind = false;
  }

  #drop(token: number): void {
    this.#held.delete(token);
    this.#behind.add(token);
  }
}
