/**
 * How an InstrumentGroup stores its latest packets in SQLite: a few BLOB
 * rows of up to PACKETS_PER_CHUNK packets each, not one row per token,
 * which would cost a statement per ticking instrument per snapshot,
 * thousands a second across the groups; a group's whole set is a few
 * hundred kilobytes at most, so rewriting it in a handful of statements is
 * cheaper (README, Benchmarks).
 *
 * A chunk is a run of entries: when the origin received the packet (float64,
 * ms since epoch), the packet's length (uint16) and Kite's bytes (which start
 * with the token). Order is kept: entries come back as they were given, so
 * the group's least-recently-ticked order survives a restart.
 */
export type HeldPacket = { packet: Uint8Array; receivedAt: number };

/** 1,000 full-mode packets (the longest, MAX_PACKET_LENGTH) make a chunk of under 200 KB, far below a row's 2 MB. */
export const PACKETS_PER_CHUNK = 1_000;

const ENTRY_HEADER = 10;

export function encodeHeldChunks(held: Iterable<HeldPacket>, perChunk = PACKETS_PER_CHUNK): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let run: HeldPacket[] = [];
  const finish = () => {
    const bytes = new Uint8Array(run.reduce((n, h) => n + ENTRY_HEADER + h.packet.byteLength, 0));
    const view = new DataView(bytes.buffer);
    let at = 0;
    for (const { packet, receivedAt } of run) {
      view.setFloat64(at, receivedAt);
      view.setUint16(at + 8, packet.byteLength);
      bytes.set(packet, at + ENTRY_HEADER);
      at += ENTRY_HEADER + packet.byteLength;
    }
    chunks.push(bytes);
    run = [];
  };
  for (const entry of held) {
    if (entry.packet.byteLength > 0xffff) throw new RangeError(`a packet of ${entry.packet.byteLength} bytes is longer than a chunk entry holds`);
    run.push(entry);
    if (run.length === perChunk) finish();
  }
  if (run.length > 0) finish();
  return chunks;
}

/** The entries of one chunk; a truncated tail (a chunk cut short) is an error, not a silent loss. */
export function decodeHeldChunk(chunk: ArrayBuffer | Uint8Array): HeldPacket[] {
  const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: HeldPacket[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (at + ENTRY_HEADER > bytes.byteLength) throw new RangeError(`held-packet chunk cut short at byte ${at}`);
    const receivedAt = view.getFloat64(at);
    const length = view.getUint16(at + 8);
    const end = at + ENTRY_HEADER + length;
    if (end > bytes.byteLength) throw new RangeError(`held-packet chunk cut short at byte ${at}: an entry of ${length} bytes`);
    out.push({ packet: bytes.slice(at + ENTRY_HEADER, end), receivedAt });
    at = end;
  }
  return out;
}
