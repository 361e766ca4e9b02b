import { FRAME_COUNT_BYTES, MAX_PACKETS_PER_FRAME, PACKET_LENGTH_BYTES } from './packet-layout.ts';

/**
 * Kite's binary frame around packets already encoded: a 2-byte packet
 * count, then each packet after its 2-byte length, big-endian (the reverse
 * of decode.ts's forEachPacket). The hubs write /kite/ws frames with it; the
 * simulator encodes its ticks straight into a frame instead (kite-sim/packets.ts).
 * `headerBytes` leaves that many bytes free before the frame, for a header
 * of the caller's (contracts/binary-tick-frame.ts), so the frame is written once.
 */
export function kiteFrame(packets: readonly Uint8Array[], headerBytes = 0): Uint8Array {
  if (packets.length > MAX_PACKETS_PER_FRAME) throw new RangeError(`a frame holds at most ${MAX_PACKETS_PER_FRAME} packets, not ${packets.length}`);
  let size = headerBytes + FRAME_COUNT_BYTES;
  for (const packet of packets) size += PACKET_LENGTH_BYTES + packet.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(headerBytes, packets.length);
  let at = headerBytes + FRAME_COUNT_BYTES;
  for (const packet of packets) {
    view.setUint16(at, packet.byteLength);
    out.set(packet, at + PACKET_LENGTH_BYTES);
    at += PACKET_LENGTH_BYTES + packet.byteLength;
  }
  return out;
}
