import { describe, expect, it } from 'vitest';
import { decodeTickBatch, encodeTickBatch } from '../../contracts/origin-link.ts';
import { LatestPackets } from './latest-packets.ts';

/** What a group link holds while it is down: the latest packet of each instrument, sent as shared-format batches. */
const packet = (token: number, length: number, fill: number): Uint8Array => {
  const bytes = new Uint8Array(length).fill(fill);
  new DataView(bytes.buffer).setUint32(0, token);
  return bytes;
};

describe('LatestPackets', () => {
  it('keeps only the latest packet of each instrument, and drains them as batches stamped with the latest receive time', () => {
    const held = new LatestPackets();
    expect(held.keep(encodeTickBatch(1000, [packet(1, 184, 1), packet(2, 8, 2)]))).toBe(0);
    expect(held.keep(encodeTickBatch(2000, [packet(2, 44, 3), packet(3, 28, 4), packet(1, 184, 5)]))).toBe(2);
    expect(held.size).toBe(3);

    const drained = held.drain();
    expect(drained).toHaveLength(1);
    expect(drained[0]?.packets).toBe(3);
    expect(drained[0]?.batch).toEqual(encodeTickBatch(2000, [packet(1, 184, 5), packet(2, 44, 3), packet(3, 28, 4)]));
    expect(held.size).toBe(0);
    expect(held.drain()).toEqual([]);
  });

  it('splits what it drains into batches of at most 32,767 packets', () => {
    const held = new LatestPackets();
    const tokens = Array.from({ length: 40_000 }, (_, i) => i + 1);
    for (let i = 0; i < tokens.length; i += 10_000)
      held.keep(
        encodeTickBatch(
          7,
          tokens.slice(i, i + 10_000).map((t) => packet(t, 8, t & 0xff)),
        ),
      );
    const drained = held.drain();
    expect(drained.map((d) => d.packets)).toEqual([0x7fff, 40_000 - 0x7fff]);
    const out = drained.flatMap((d) => decodeTickBatch(d.batch).packets.map((p) => new DataView(p.buffer, p.byteOffset).getUint32(0)));
    expect(out).toEqual(tokens);
  });
});
