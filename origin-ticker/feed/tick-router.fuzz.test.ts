import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachPacket, KiteFrameError } from '../../contracts/kite-ticks/decode.ts';
import { kiteFrame } from '../../contracts/kite-ticks/frame.ts';
import { PACKET_LENGTH } from '../../contracts/kite-ticks/packet-layout.ts';
import { decodeTickBatch } from '../../contracts/origin-link.ts';
import { packetCount } from './kite-frame.ts';
import { type BatchSink, TickRouter } from './tick-router.ts';

/**
 * The origin's hot-path reader of Kite frames, fuzzed: it accepts and
 * refuses exactly what the shared decoder does, and the router, fed any
 * bytes, never throws at the socket that carried them and writes only tick
 * batches the edge reads back packet for packet.
 */
const kitePacket = fc.constantFrom(...Object.values(PACKET_LENGTH)).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
const anyFrame = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.array(kitePacket, { maxLength: 6 }).map((packets) => kiteFrame(packets)),
  fc.tuple(fc.array(kitePacket, { minLength: 1, maxLength: 4 }), fc.nat(), fc.nat({ max: 255 })).map(([packets, at, byte]) => {
    const frame = kiteFrame(packets);
    frame[at % frame.length] = byte;
    return frame;
  }),
);

function outcome(run: () => number): number | 'refused' {
  try {
    return run();
  } catch (error) {
    expect(error).toBeInstanceOf(KiteFrameError);
    return 'refused';
  }
}

describe('the origin reading Kite frames (fuzzed)', () => {
  it('counts the packets of any bytes exactly as the shared decoder, or refuses them as it does', () => {
    fc.assert(
      fc.property(anyFrame, (frame) => {
        expect(outcome(() => packetCount(frame))).toEqual(outcome(() => forEachPacket(frame, () => {})));
      }),
      { numRuns: 300 },
    );
  });

  it('routes any bytes without throwing: a malformed frame is counted, a good one split into batches the edge decodes to its packets', () => {
    fc.assert(
      fc.property(anyFrame, fc.nat({ max: 3 }), (frame, groups) => {
        const batches: { group: number; packets: Uint8Array[]; count: number }[] = [];
        const sinks = new Map<number, BatchSink>();
        const sinkFor = (group: string) => {
          const n = Number(group);
          if (!sinks.has(n)) sinks.set(n, { sendBatch: (batch, count) => batches.push({ group: n, packets: decodeTickBatch(batch.slice()).packets, count }) });
          return sinks.get(n);
        };
        // Some tokens in no group: their packets are unrouted, the others' batched by group.
        const groupOf = (token: number) => (groups === 0 || token % (groups + 1) === groups ? undefined : String(token % (groups + 1)));
        const router = new TickRouter(groupOf, sinkFor, () => {});
        router.route(frame, 1_767_000_000_000);
        const expected = outcome(() => forEachPacket(frame, () => {}));
        if (expected === 'refused') {
          expect(router.malformedFrames).toBe(1);
          expect(batches).toEqual([]);
          return;
        }
        const routed = new Map<number, Uint8Array[]>();
        forEachPacket(frame, (token, packet) => {
          const group = groupOf(token);
          if (group !== undefined) routed.set(Number(group), [...(routed.get(Number(group)) ?? []), packet.slice()]);
        });
        for (const batch of batches) expect(batch.count).toBe(batch.packets.length);
        expect(new Map([...routed].map(([group]) => [group, batches.filter((b) => b.group === group).flatMap((b) => b.packets)]))).toEqual(routed);
        expect(router.unroutedPackets + batches.reduce((n, b) => n + b.count, 0)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
