import type { GroupKey } from '../../contracts/instrument-group.ts';
import { KiteFrameError } from '../../contracts/kite-ticks/decode.ts';
import { FRAME_COUNT_BYTES, MAX_PACKETS_PER_FRAME, PACKET_LENGTH_BYTES, packetLengthAt, packetTokenAt } from '../../contracts/kite-ticks/packet-layout.ts';
import { packetCount } from './kite-frame.ts';
import { BATCH_PACKETS_AT, copyBytes, writeTickBatchHeader } from './tick-batch.ts';

/**
 * Splits each Kite frame by instrument group, without decoding a packet:
 * one tick batch (contracts/origin-link.ts) per group per frame, handed to
 * that group's sink (its link). A malformed frame is dropped and counted,
 * never thrown at the socket that carried it; packets of instruments
 * without a linked group are counted as unrouted.
 *
 * The batches are written straight from the frame in two passes (sizes,
 * then bytes), with no object per packet, into one buffer the router keeps
 * and reuses frame after frame: this runs for every tick, and a view per
 * packet, or a buffer per batch, was most of what the origin allocated
 * (the buffers, freed only when V8 collects their owners, piled up in
 * malloc between collections).
 */
export type BatchSink = {
  /**
   * `batch` is a whole tick batch of `packets` packets, valid during the
   * call only: the router writes the next frame's batches over it. A sink
   * that keeps a batch copies it (a WebSocket send copies as it masks).
   */
  sendBatch(batch: Uint8Array, packets: number): void;
};

/** A batch holds at most as many packets as a Kite frame (encodeTickBatch's limit); a bigger share of one frame is split. */
const MAX_PACKETS_PER_BATCH = MAX_PACKETS_PER_FRAME;
/** Kite sends only what is subscribed (at most 9,000 a key); past this the sink cache starts over. */
const MAX_CACHED_TOKENS = 100_000;

export class TickRouter {
  malformedFrames = 0;
  unroutedPackets = 0;
  lastTickAt: number | null = null;
  #lastLog = 0;
  /** The batch of each packet of the frame being routed (-1: unrouted), kept between frames. */
  #batchOf = new Int32Array(4096);
  /** Where the batches of the frame being routed are written. */
  #out = new Uint8Array(64 * 1024);
  /**
   * Each token's sink (null: none), found once: behind it are a binary
   * search of the whole registry and a map of links, several calls deep,
   * which the origin's interpreter-only V8 pays for on every packet.
   */
  readonly #sinkOf = new Map<number, BatchSink | null>();
  readonly #groupOf: (token: number) => GroupKey | undefined;
  readonly #sinkFor: (group: GroupKey) => BatchSink | undefined;
  readonly #log: (line: string) => void;

  constructor(groupOf: (token: number) => GroupKey | undefined, sinkFor: (group: GroupKey) => BatchSink | undefined, log: (line: string) => void) {
    this.#groupOf = groupOf;
    this.#sinkFor = sinkFor;
    this.#log = log;
  }

  /** The links or the registry changed: every token's sink is looked up again. */
  forget(): void {
    this.#sinkOf.clear();
  }

  route(frame: Uint8Array, receivedAt: number): void {
    let count: number;
    try {
      count = packetCount(frame);
    } catch (error) {
      if (!(error instanceof KiteFrameError)) throw error;
      this.malformedFrames++;
      // One line per burst: a broken upstream must not flood the log.
      if (receivedAt - this.#lastLog > 10_000) {
        this.#lastLog = receivedAt;
        this.#log(`dropped a malformed Kite frame (${this.malformedFrames} so far): ${error.message}`);
      }
      return;
    }
    this.lastTickAt = receivedAt;
    if (this.#batchOf.length < count) this.#batchOf = new Int32Array(count);
    const batchOf = this.#batchOf;

    // Pass 1: each packet's batch, and each batch's size.
    const sinks: BatchSink[] = [];
    const packets: number[] = [];
    const bytes: number[] = [];
    const open = new Map<BatchSink, number>();
    for (let i = 0, at = FRAME_COUNT_BYTES; i < count; i++) {
      const length = packetLengthAt(frame, at);
      const sink = this.#sinkOfToken(packetTokenAt(frame, at));
      let batch = sink && open.get(sink);
      if (!sink) {
        this.unroutedPackets++;
        batch = -1;
      } else if (batch === undefined || (packets[batch] as number) === MAX_PACKETS_PER_BATCH) {
        batch = sinks.push(sink) - 1;
        packets.push(0);
        bytes.push(0);
        open.set(sink, batch);
      }
      batchOf[i] = batch;
      if (batch >= 0) {
        packets[batch] = (packets[batch] as number) + 1;
        bytes[batch] = (bytes[batch] as number) + PACKET_LENGTH_BYTES + length;
      }
      at += PACKET_LENGTH_BYTES + length;
    }

    // Pass 2: the batches one after another in #out, each packet copied (with its length) into its own.
    const starts: number[] = [];
    let total = 0;
    for (let b = 0; b < sinks.length; b++) {
      starts.push(total);
      total += BATCH_PACKETS_AT + (bytes[b] as number);
    }
    if (this.#out.byteLength < total) this.#out = new Uint8Array(total);
    const out = this.#out;
    const written = starts.map((start, b) => {
      writeTickBatchHeader(out, start, receivedAt, packets[b] as number);
      return start + BATCH_PACKETS_AT;
    });
    for (let i = 0, at = FRAME_COUNT_BYTES; i < count; i++) {
      const length = packetLengthAt(frame, at);
      const b = batchOf[i] as number;
      if (b >= 0) {
        copyBytes(frame, at, PACKET_LENGTH_BYTES + length, out, written[b] as number);
        written[b] = (written[b] as number) + PACKET_LENGTH_BYTES + length;
      }
      at += PACKET_LENGTH_BYTES + length;
    }
    for (let b = 0; b < sinks.length; b++) {
      const start = starts[b] as number;
      (sinks[b] as BatchSink).sendBatch(out.subarray(start, start + BATCH_PACKETS_AT + (bytes[b] as number)), packets[b] as number);
    }
  }

  #sinkOfToken(token: number): BatchSink | undefined {
    let sink = this.#sinkOf.get(token);
    if (sink === undefined) {
      const group = this.#groupOf(token);
      sink = (group === undefined ? undefined : this.#sinkFor(group)) ?? null;
      if (this.#sinkOf.size >= MAX_CACHED_TOKENS) this.#sinkOf.clear();
      this.#sinkOf.set(token, sink);
    }
    return sink ?? undefined;
  }
}
