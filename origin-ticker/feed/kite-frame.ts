import { forEachPacket, KiteFrameError, packetKind } from '../../contracts/kite-ticks/decode.ts';

/**
 * Kite's frame layout read in place, for the router's hot path: a frame is
 * a uint16 count, then count × (uint16 length, packet), big-endian.
 * `forEachPacket` (contracts/kite-ticks/decode.ts) hands out a view of each
 * packet, and at 9,000 packets a second those views were half of all the
 * origin allocated; these read offsets instead.
 */

/** The length of the packet whose length field is at `at`. */
export const packetLengthAt = (frame: Uint8Array, at: number): number => ((frame[at] as number) << 8) | (frame[at + 1] as number);

/** The token (uint32) of the packet whose length field is at `at`. */
export const packetTokenAt = (frame: Uint8Array, at: number): number =>
  (frame[at + 2] as number) * 0x1000000 + (((frame[at + 3] as number) << 16) | ((frame[at + 4] as number) << 8) | (frame[at + 5] as number));

/**
 * The number of packets in a frame, after the checks `forEachPacket` makes
 * (every length one of Kite's, nothing truncated, nothing trailing); a
 * heartbeat has none. A malformed frame throws the KiteFrameError the
 * shared decoder gives it, so both say the same about it.
 */
export function packetCount(frame: Uint8Array): number {
  if (frame.byteLength === 1) return 0;
  if (wellFormed(frame)) return packetLengthAt(frame, 0);
  forEachPacket(frame, () => {});
  throw new KiteFrameError('truncated', 0, `malformed frame of ${frame.byteLength} bytes`);
}

function wellFormed(frame: Uint8Array): boolean {
  const size = frame.byteLength;
  if (size < 2) return false;
  const count = packetLengthAt(frame, 0);
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (at + 2 > size) return false;
    const length = packetLengthAt(frame, at);
    if (packetKind(length) === undefined || at + 2 + length > size) return false;
    at += 2 + length;
  }
  return at === size;
}
