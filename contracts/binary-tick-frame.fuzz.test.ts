import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BINARY_FRAME_TYPE, type BinaryFrameType, binaryTickFrame, decodeBinaryTickFrame } from './binary-tick-frame.ts';
import { KiteFrameError } from './kite-ticks/decode.ts';
import { cutToMode, PACKET_LENGTH } from './kite-ticks/packet-layout.ts';
import { tickJson } from './kite-ticks/tick-json.ts';

/**
 * The binary tick frame of /v2/ws: what a hub encodes, the client decodes
 * into the very ticks the JSON format would have carried (the same text
 * once stringified: the JSON format's ticks are tick-json.ts's), and any
 * other bytes are refused with a KiteFrameError.
 */
const kitePacket = fc.constantFrom(...Object.values(PACKET_LENGTH)).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
const mode = fc.constantFrom('ltp' as const, 'quote' as const, 'full' as const);
const frameType = fc.constantFrom<BinaryFrameType>('ticks', 'snapshot');

describe('binary tick frames', () => {
  it('lays a frame out as its type byte, then Kite’s frame: count, then each packet after its length', () => {
    const ltp = new Uint8Array([0, 0, 0x01, 0x01, 0, 0, 0x27, 0x10]); // token 257, ₹100.00
    expect([...binaryTickFrame('snapshot', [ltp])]).toEqual([BINARY_FRAME_TYPE.snapshot, 0, 1, 0, 8, ...ltp]);
    expect(decodeBinaryTickFrame(binaryTickFrame('ticks', [ltp]))).toEqual({
      type: 'ticks',
      ticks: [{ tradable: true, mode: 'ltp', instrument_token: 257, last_price: 100 }],
    });
  });

  it('decodes what it encodes to the ticks the JSON format carries, for any packets in any modes', () => {
    fc.assert(
      fc.property(frameType, fc.array(fc.tuple(kitePacket, mode), { maxLength: 8 }), (type, held) => {
        const packets = held.map(([packet, m]) => cutToMode(packet, m));
        const decoded = decodeBinaryTickFrame(binaryTickFrame(type, packets));
        expect(decoded.type).toBe(type);
        expect(JSON.stringify(decoded.ticks)).toBe(`[${packets.map((packet) => tickJson(packet)).join(',')}]`);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any other bytes with a KiteFrameError', () => {
    const nearFrames = fc
      .tuple(frameType, fc.array(kitePacket, { maxLength: 3 }), fc.nat(), fc.nat({ max: 255 }), fc.integer({ min: -3, max: 3 }))
      .map(([type, packets, at, byte, cut]) => {
        const frame = binaryTickFrame(type, packets);
        frame[at % frame.length] = byte;
        return cut >= 0 ? new Uint8Array([...frame, ...new Uint8Array(cut)]) : frame.slice(0, frame.length + cut);
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), nearFrames), (bytes) => {
        try {
          const { type, ticks } = decodeBinaryTickFrame(bytes);
          expect(BINARY_FRAME_TYPE[type]).toBe(bytes[0]);
          expect(ticks.length).toBe((bytes[1] ?? 0) * 256 + (bytes[2] ?? 0));
        } catch (error) {
          expect(error).toBeInstanceOf(KiteFrameError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names what is wrong with a frame it refuses', () => {
    expect(() => decodeBinaryTickFrame(new Uint8Array([1, 0]))).toThrow('a binary tick frame is at least 3 bytes, not 2');
    expect(() => decodeBinaryTickFrame(new Uint8Array([7, 0, 0]))).toThrow('frame type 7 is neither ticks (1) nor snapshot (2)');
    expect(() => decodeBinaryTickFrame(new Uint8Array([1, 0, 1, 0, 9]))).toThrow(KiteFrameError);
  });
});
