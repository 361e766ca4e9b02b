import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, decodePacket, forEachPacket, KiteFrameError } from './decode.ts';
import { kiteFrame } from './frame.ts';
import { PACKET_LENGTH, packetKind } from './packet-layout.ts';
import { tickJson } from './tick-json.ts';

/**
 * Kite's binary frames and packets, fuzzed: any bytes decode or are refused
 * with a KiteFrameError (never another exception, never half a frame), and
 * any packet of one of Kite's lengths, whatever its bytes, decodes to a
 * tick whose JSON the hubs' fast writer gives exactly.
 */
const KITE_LENGTHS = Object.values(PACKET_LENGTH);
/** A packet of one of Kite's lengths with any bytes (any token, so any segment and price divisor). */
const kitePacket = fc.constantFrom(...KITE_LENGTHS).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
/** Any bytes, often close to a frame: a real frame cut, extended or with a byte changed. */
const bytesLikeFrames = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.tuple(fc.array(kitePacket, { maxLength: 4 }), fc.integer({ min: -3, max: 3 }), fc.nat(), fc.nat({ max: 255 })).map(([packets, cut, at, byte]) => {
    const frame = kiteFrame(packets);
    const changed = frame.length > 0 ? frame.slice(0, Math.max(0, frame.length + Math.min(cut, 0))) : frame;
    if (changed.length > 0) changed[at % changed.length] = byte;
    return cut > 0 ? new Uint8Array([...changed, ...new Uint8Array(cut)]) : changed;
  }),
);

function refusedAsKiteFrame(run: () => unknown): 'ok' | 'refused' {
  try {
    run();
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(KiteFrameError);
    return 'refused';
  }
}

describe('Kite frames and packets (fuzzed)', () => {
  it('decodes any bytes or refuses them with a KiteFrameError, the same way with either reader, and never visits half a frame', () => {
    fc.assert(
      fc.property(bytesLikeFrames, (frame) => {
        const visited: number[] = [];
        const byVisit = refusedAsKiteFrame(() => forEachPacket(frame, (token) => visited.push(token)));
        let ticks = 0;
        const byDecode = refusedAsKiteFrame(() => (ticks = decodeFrame(frame).length));
        expect(byDecode).toBe(byVisit);
        if (byVisit === 'refused') expect(visited).toEqual([]);
        else expect(ticks).toBe(visited.length);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes any packet of a length Kite sends, and writes its JSON exactly as JSON.stringify of the decoded tick', () => {
    fc.assert(
      fc.property(kitePacket, (packet) => {
        const tick = decodePacket(packet);
        expect(tick.instrument_token).toBe(new DataView(packet.buffer).getUint32(0));
        expect(tickJson(packet)).toBe(JSON.stringify(tick));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a packet of any other length with a KiteFrameError, in both decoders', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }).filter((bytes) => packetKind(bytes.length) === undefined),
        (packet) => {
          expect(() => decodePacket(packet)).toThrow(KiteFrameError);
          expect(() => tickJson(packet)).toThrow(KiteFrameError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives back the packets a frame was written from, in order', () => {
    fc.assert(
      fc.property(fc.array(kitePacket, { maxLength: 20 }), (packets) => {
        const read: Uint8Array[] = [];
        const frame = kiteFrame(packets);
        // One byte is a heartbeat, not a frame; kiteFrame never writes one (its smallest is the 2-byte count).
        expect(forEachPacket(frame, (_token, packet) => read.push(packet.slice()))).toBe(packets.length);
        expect(read).toEqual(packets);
      }),
      { numRuns: 200 },
    );
  });
});
