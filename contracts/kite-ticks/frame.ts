/**
 * Kite's binary frame around packets already encoded: a 2-byte packet
 * count, then each packet after its 2-byte length, big-endian (the reverse
 * of decode.ts's forEachPacket). The hubs write /kite/ws frames with it; the
 * simulator encodes its ticks straight into a frame instead (kite-sim/packets.ts).
 */
export function kiteFrame(packets: readonly Uint8Array[]): Uint8Array {
  if (packets.length > 0x7fff) throw new RangeError(`a frame holds at most 32767 packets, not ${packets.length}`);
  let size = 2;
  for (const packet of packets) size += 2 + packet.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, packets.length);
  let at = 2;
  for (const packet of packets) {
    view.setUint16(at, packet.byteLength);
    out.set(packet, at + 2);
    at += 2 + packet.byteLength;
  }
  return out;
}
