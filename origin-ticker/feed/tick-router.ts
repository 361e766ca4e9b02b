import type { GroupKey } from '../../contracts/instrument-group.ts';
import { KiteFrameError, forEachPacket } from '../../contracts/kite-ticks/decode.ts';

/**
 * Splits each Kite frame by instrument group, without decoding a packet:
 * one batch per group per frame, handed to that group's sink (its link).
 * A malformed frame is dropped and counted, never thrown at the socket
 * that carried it; packets of instruments without a linked group are
 * counted as unrouted.
 */
export type BatchSink = { sendBatch(receivedAt: number, packets: readonly Uint8Array[]): void };

export class TickRouter {
  malformedFrames = 0;
  unroutedPackets = 0;
  lastTickAt: number | null = null;
  #lastLog = 0;
  readonly #groupOf: (token: number) => GroupKey | undefined;
  readonly #sinkFor: (group: GroupKey) => BatchSink | undefined;
  readonly #log: (line: string) => void;

  constructor(groupOf: (token: number) => GroupKey | undefined, sinkFor: (group: GroupKey) => BatchSink | undefined, log: (line: string) => void) {
    this.#groupOf = groupOf;
    this.#sinkFor = sinkFor;
    this.#log = log;
  }

  route(frame: Uint8Array, receivedAt: number): void {
    const batches = new Map<BatchSink, Uint8Array[]>();
    try {
      forEachPacket(frame, (token, packet) => {
        const group = this.#groupOf(token);
        const sink = group === undefined ? undefined : this.#sinkFor(group);
        if (!sink) {
          this.unroutedPackets++;
          return;
        }
        const batch = batches.get(sink);
        if (batch) batch.push(packet);
        else batches.set(sink, [packet]);
      });
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
    for (const [sink, packets] of batches) sink.sendBatch(receivedAt, packets);
  }
}
