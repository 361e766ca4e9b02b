import { Buffer } from 'node:buffer';
import { FRAME_COUNT_BYTES } from '../../contracts/kite-ticks/packet-layout.ts';
import { LINK_PROTOCOL_VERSION, TICK_BATCH_HEADER_BYTES, TICK_BATCH_KIND } from '../../contracts/origin-link.ts';

/**
 * Tick batches (contracts/origin-link.ts) written in place: a header, then
 * Kite's own frame layout (count, then each packet after its length). The
 * router and a link's held packets copy packets straight into them, where
 * `encodeTickBatch` would need a view of every packet first.
 */

/** Where a batch's packet count is; its packets (each after its uint16 length) follow. */
export const BATCH_COUNT_AT = TICK_BATCH_HEADER_BYTES;
export const BATCH_PACKETS_AT = TICK_BATCH_HEADER_BYTES + FRAME_COUNT_BYTES;

/** A batch's header, with room for `bytes` of length-prefixed packets. */
export function startTickBatch(receivedAt: number, packets: number, bytes: number): Uint8Array {
  const batch = new Uint8Array(BATCH_PACKETS_AT + bytes);
  writeTickBatchHeader(batch, 0, receivedAt, packets);
  return batch;
}

/** Writes a batch's header at `at` of `into`; its packets go from `at + BATCH_PACKETS_AT`. */
export function writeTickBatchHeader(into: Uint8Array, at: number, receivedAt: number, packets: number): void {
  const view = new DataView(into.buffer, into.byteOffset + at, BATCH_PACKETS_AT);
  into[at] = LINK_PROTOCOL_VERSION;
  into[at + 1] = TICK_BATCH_KIND;
  view.setFloat64(2, receivedAt);
  view.setUint16(BATCH_COUNT_AT, packets);
}

/** When the origin received the Kite frame a batch came from. */
export const batchReceivedAt = (batch: Uint8Array): number => new DataView(batch.buffer, batch.byteOffset, batch.byteLength).getFloat64(2);

const copy = Buffer.prototype.copy;

/**
 * Copies `length` bytes with Node's native copy, which takes offsets:
 * `to.set(from.subarray(…))` would make a view of every packet, and a
 * JavaScript loop is slow where V8 does not compile it.
 */
export function copyBytes(from: Uint8Array, start: number, length: number, to: Uint8Array, at: number): void {
  copy.call(from, to, at, start, start + length);
}
