import { MAX_PACKET_LENGTH, MAX_PACKETS_PER_FRAME, PACKET_LENGTH_BYTES, packetLengthAt, packetTokenAt } from '../../contracts/kite-ticks/packet-layout.ts';
import { BATCH_COUNT_AT, BATCH_PACKETS_AT, batchReceivedAt, copyBytes, startTickBatch } from './tick-batch.ts';

/**
 * The latest packet of each instrument, held for a group link that is down
 * or backed up: memory bounded by the group's instruments, whatever the
 * outage's length. Each instrument has a fixed slot in one buffer, and a
 * newer packet is copied over the older: holding 9,000 instruments through
 * an outage allocates nothing per tick (a copy of each packet per tick was
 * ~2 MB a second of garbage while the edge was starting).
 */
const SLOT_BYTES = PACKET_LENGTH_BYTES + MAX_PACKET_LENGTH;
/** A batch holds at most as many packets as a Kite frame (encodeTickBatch's limit). */
const MAX_PACKETS_PER_BATCH = MAX_PACKETS_PER_FRAME;

export class LatestPackets {
  readonly #slotOf = new Map<number, number>();
  #slots = new Uint8Array(0);
  #receivedAt = 0;

  get size(): number {
    return this.#slotOf.size;
  }

  /** Holds each packet of a tick batch from the router, over the one held for its instrument; returns how many it replaced. */
  keep(batch: Uint8Array): number {
    let replaced = 0;
    const count = packetLengthAt(batch, BATCH_COUNT_AT);
    for (let i = 0, at = BATCH_PACKETS_AT; i < count; i++) {
      const length = packetLengthAt(batch, at);
      if (length > MAX_PACKET_LENGTH) throw new RangeError(`a ${length}-byte packet is longer than any of Kite's`);
      const token = packetTokenAt(batch, at);
      let slot = this.#slotOf.get(token);
      if (slot === undefined) {
        slot = this.#slotOf.size;
        this.#slotOf.set(token, slot);
        if ((slot + 1) * SLOT_BYTES > this.#slots.byteLength) this.#grow();
      } else {
        replaced++;
      }
      copyBytes(batch, at, PACKET_LENGTH_BYTES + length, this.#slots, slot * SLOT_BYTES);
      at += PACKET_LENGTH_BYTES + length;
    }
    this.#receivedAt = batchReceivedAt(batch);
    return replaced;
  }

  /** Everything held, as tick batches stamped with the latest receive time; empties the holder. */
  drain(): { batch: Uint8Array; packets: number }[] {
    const batches: { batch: Uint8Array; packets: number }[] = [];
    const total = this.#slotOf.size;
    for (let first = 0; first < total; first += MAX_PACKETS_PER_BATCH) {
      const last = Math.min(total, first + MAX_PACKETS_PER_BATCH);
      let bytes = 0;
      for (let slot = first; slot < last; slot++) bytes += PACKET_LENGTH_BYTES + packetLengthAt(this.#slots, slot * SLOT_BYTES);
      const batch = startTickBatch(this.#receivedAt, last - first, bytes);
      for (let slot = first, at = BATCH_PACKETS_AT; slot < last; slot++) {
        const length = PACKET_LENGTH_BYTES + packetLengthAt(this.#slots, slot * SLOT_BYTES);
        copyBytes(this.#slots, slot * SLOT_BYTES, length, batch, at);
        at += length;
      }
      batches.push({ batch, packets: last - first });
    }
    this.#slotOf.clear();
    this.#slots = new Uint8Array(0);
    return batches;
  }

  #grow(): void {
    const slots = new Uint8Array(Math.max(64 * SLOT_BYTES, this.#slots.byteLength * 2));
    slots.set(this.#slots);
    this.#slots = slots;
  }
}
