import { describe, expect, it } from 'vitest';
import { ltpPacket } from '../../test/workers/test-origin.ts';
import { decodeHeldChunk, encodeHeldChunks } from './held-packets.ts';

/** The one chunk a test expects, failing the test when there is not exactly one. */
function onlyChunk(chunks: Uint8Array[]): Uint8Array {
  const [chunk, ...rest] = chunks;
  if (chunk === undefined || rest.length > 0) throw new Error(`expected one chunk, got ${chunks.length}`);
  return chunk;
}

describe('held packets as SQLite chunks', () => {
  it('come back byte for byte, with their receipt times, in the order given', () => {
    const held = [
      { packet: ltpPacket(7, 1.5), receivedAt: 1_700_000_000_123.5 },
      { packet: ltpPacket(3, 2), receivedAt: 1_700_000_000_001 },
      { packet: new Uint8Array(184).fill(9), receivedAt: 5 },
    ];
    const chunks = encodeHeldChunks(held);
    expect(chunks).toHaveLength(1);
    expect(decodeHeldChunk(onlyChunk(chunks))).toEqual(held);
  });

  it('split into chunks of at most the given size, none empty', () => {
    const held = Array.from({ length: 7 }, (_, i) => ({ packet: ltpPacket(100 + i, i), receivedAt: i }));
    const chunks = encodeHeldChunks(held, 3);
    expect(chunks.map((chunk) => decodeHeldChunk(chunk).length)).toEqual([3, 3, 1]);
    expect(chunks.flatMap((chunk) => decodeHeldChunk(chunk))).toEqual(held);
    expect(encodeHeldChunks([])).toEqual([]);
  });

  it('refuse a chunk cut short instead of dropping its tail', () => {
    const chunk = onlyChunk(
      encodeHeldChunks([
        { packet: ltpPacket(1, 1), receivedAt: 1 },
        { packet: ltpPacket(2, 2), receivedAt: 2 },
      ]),
    );
    expect(() => decodeHeldChunk(chunk.slice(0, chunk.byteLength - 1))).toThrow(/cut short at byte \d+: an entry of \d+ bytes/);
    // The second entry's header itself cut: 18 bytes of the first entry, 5 of the second's header.
    expect(() => decodeHeldChunk(chunk.slice(0, 23))).toThrow('held-packet chunk cut short at byte 18');
  });
});
