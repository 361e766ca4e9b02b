import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../kite-sim/seeded-random.ts';
import { SEGMENT_CODE } from '../kite-instrument.ts';
import { decodePacket } from './decode.ts';
import { PACKET_LENGTH } from './packet-layout.ts';
import { tickJson } from './tick-json.ts';

describe('tickJson', () => {
  it('writes exactly what JSON.stringify(decodePacket()) writes, for every packet kind and segment', () => {
    const random = seededRandom(11);
    let compared = 0;
    for (const length of Object.values(PACKET_LENGTH)) {
      for (const segment of Object.values(SEGMENT_CODE)) {
        for (let i = 0; i < 200; i++) {
          // Random bytes: negative prices, huge counts, every value a field can hold.
          const packet = Uint8Array.from({ length }, () => Math.floor(random() * 256));
          const view = new DataView(packet.buffer);
          view.setUint32(0, (1 + Math.floor(random() * 60_000)) * 256 + segment);
          // And the special cases: no close (change from the net change, or 0), no trade time, no exchange time.
          if (i % 4 === 0 && length >= 28) view.setInt32(length === 44 || length === 184 ? 40 : 20, 0);
          if (i % 5 === 0 && length === 184) view.setUint32(44, 0);
          if (i % 6 === 0 && (length === 184 || length === 32)) view.setUint32(length === 184 ? 60 : 28, 0);
          expect(tickJson(packet)).toBe(JSON.stringify(decodePacket(packet)));
          compared++;
        }
      }
    }
    expect(compared).toBe(5 * 9 * 200);
  });

  it('reads a packet at any offset of a larger buffer (a batch holds many)', () => {
    const batch = new Uint8Array(300).map((_, i) => (i * 37) & 0xff);
    const packet = batch.subarray(50, 50 + 184);
    new DataView(batch.buffer).setUint32(50, 408065);
    expect(tickJson(packet)).toBe(JSON.stringify(decodePacket(packet)));
  });

  it('refuses a length Kite never sends, as the decoder does', () => {
    expect(() => tickJson(new Uint8Array(9))).toThrow("a packet of 9 bytes is none of Kite's");
  });
});
