import { SEGMENT_CODE } from '../kite-instrument.ts';
import type { TickMode } from './tick.ts';

/**
 * Kite's binary ticker layout, the one place its numbers are written down:
 * packet lengths, field offsets, frame limits and the readers that use
 * them. The decoder (decode.ts, tick-json.ts), the simulator's encoder
 * (kite-sim/packets.ts), the origin's router and the objects' fan-out all
 * read them from here. Big-endian throughout:
 *
 *   frame   = uint16 count, then count × (uint16 length, packet)
 *   packet  = LTP 8 B | index quote 28 B | index full 32 B | quote 44 B | full 184 B
 *   a 1-byte frame is a heartbeat
 *
 * Every packet starts with the uint32 instrument_token and the int32 last
 * price; each lower mode of a kind is a prefix of its richer packet. The
 * byte table is in docs/kite-simulator.md.
 */

/** Kite's packet sizes, by kind. */
export const PACKET_LENGTH = { ltp: 8, indexQuote: 28, indexFull: 32, quote: 44, full: 184 } as const;
export type PacketKind = keyof typeof PACKET_LENGTH;
/** The longest packet: what a slot holding any packet needs. */
export const MAX_PACKET_LENGTH = PACKET_LENGTH.full;
/** The lengths for a message: "8, 28, 32, 44 or 184 bytes". */
export const KNOWN_PACKET_LENGTHS = `${[PACKET_LENGTH.ltp, PACKET_LENGTH.indexQuote, PACKET_LENGTH.indexFull, PACKET_LENGTH.quote].join(', ')} or ${PACKET_LENGTH.full} bytes`;

/** A frame's packet count, and each packet's length before it: uint16s. */
export const FRAME_COUNT_BYTES = 2;
export const PACKET_LENGTH_BYTES = 2;
/** Packets in one frame at most: Kite's clients read the count as an int16 (the link's tick batches keep the same limit). */
export const MAX_PACKETS_PER_FRAME = 0x7fff;
/** A frame of this many bytes is Kite's heartbeat, sent when there is nothing else to send. */
export const HEARTBEAT_BYTES = 1;

/** Offsets of the fields every packet starts with. */
export const PACKET = { token: 0, lastPrice: 4 } as const;
/** Offsets in an index packet (28 B quote; the 32 B full adds the exchange time). */
export const INDEX = { high: 8, low: 12, open: 16, close: 20, netChange: 24, exchangeTimestamp: 28 } as const;
/** Offsets in a quote packet (44 B), which the full packet starts with. */
export const QUOTE = {
  lastTradedQuantity: 8,
  averageTradedPrice: 12,
  volumeTraded: 16,
  totalBuyQuantity: 20,
  totalSellQuantity: 24,
  open: 28,
  high: 32,
  low: 36,
  close: 40,
} as const;
/** Offsets in a full packet (184 B) after its quote part: times, open interest, and five levels of depth a side. */
export const FULL = { lastTradeTime: 44, oi: 48, oiDayHigh: 52, oiDayLow: 56, exchangeTimestamp: 60, buyDepth: 64, sellDepth: 124 } as const;
/** One depth level: uint32 quantity, int32 price, uint16 orders, 2 bytes of padding; `levels` of them a side. */
export const DEPTH_LEVEL = { bytes: 12, quantity: 0, price: 4, orders: 8, padding: 10, levels: 5 } as const;

/** The kind of packet a length means, or undefined for a length Kite never sends. */
export function packetKind(length: number): PacketKind | undefined {
  switch (length) {
    case PACKET_LENGTH.ltp:
      return 'ltp';
    case PACKET_LENGTH.indexQuote:
      return 'indexQuote';
    case PACKET_LENGTH.indexFull:
      return 'indexFull';
    case PACKET_LENGTH.quote:
      return 'quote';
    case PACKET_LENGTH.full:
      return 'full';
    default:
      return undefined;
  }
}

/** The mode a packet carries (from its length), or undefined for a length Kite never sends. */
export function packetMode(packet: Uint8Array): TickMode | undefined {
  switch (packet.byteLength) {
    case PACKET_LENGTH.ltp:
      return 'ltp';
    case PACKET_LENGTH.indexQuote:
    case PACKET_LENGTH.quote:
      return 'quote';
    case PACKET_LENGTH.indexFull:
    case PACKET_LENGTH.full:
      return 'full';
    default:
      return undefined;
  }
}

/** Whether a token is an index's (segment 9): index packets are shorter, and an index is not tradable. */
export function isIndexToken(instrumentToken: number): boolean {
  return (instrumentToken & 0xff) === SEGMENT_CODE.INDICES;
}

/** The length of an instrument's packet in a mode. */
export function packetLength(instrumentToken: number, mode: TickMode): number {
  if (mode === 'ltp') return PACKET_LENGTH.ltp;
  if (isIndexToken(instrumentToken)) return mode === 'full' ? PACKET_LENGTH.indexFull : PACKET_LENGTH.indexQuote;
  return mode === 'full' ? PACKET_LENGTH.full : PACKET_LENGTH.quote;
}

/** What a price integer is divided by: 1e7 for NSE currency (CDS), 1e4 for BSE currency (BCD), else 100. */
export function priceDivisor(instrumentToken: number): number {
  const segment = instrumentToken & 0xff;
  if (segment === SEGMENT_CODE.CDS) return 10_000_000;
  if (segment === SEGMENT_CODE.BCD) return 10_000;
  return 100;
}

/**
 * A packet cut down to a mode: the lower modes are prefixes of the richer
 * packets (a view, no copy). A packet no richer than asked is returned as
 * it is (the origin may still be re-moding it).
 */
export function cutToMode(packet: Uint8Array, mode: TickMode): Uint8Array {
  const length = packet.byteLength;
  if (mode === 'ltp') return length > PACKET_LENGTH.ltp ? packet.subarray(0, PACKET_LENGTH.ltp) : packet;
  if (mode === 'quote') {
    if (length === PACKET_LENGTH.full) return packet.subarray(0, PACKET_LENGTH.quote);
    if (length === PACKET_LENGTH.indexFull) return packet.subarray(0, PACKET_LENGTH.indexQuote);
  }
  return packet;
}

/** A 1-byte frame: Kite's heartbeat. */
export function isHeartbeat(frame: Uint8Array): boolean {
  return frame.byteLength === HEARTBEAT_BYTES;
}

/** The instrument token every packet starts with. */
export const packetToken = (packet: Uint8Array): number =>
  (packet[0] ?? 0) * 0x1000000 + (((packet[1] ?? 0) << 16) | ((packet[2] ?? 0) << 8) | (packet[3] ?? 0));

/**
 * Readers in place, for hot paths that walk a frame without a view per
 * packet (at 9,000 packets a second those views were half of what the
 * origin allocated): the uint16 at `at` (a frame's count, or a packet's
 * length), and the token of the packet whose length is at `at`.
 */
export const packetLengthAt = (frame: Uint8Array, at: number): number => ((frame[at] as number) << 8) | (frame[at + 1] as number);

export const packetTokenAt = (frame: Uint8Array, at: number): number =>
  (frame[at + 2] as number) * 0x1000000 + (((frame[at + 3] as number) << 16) | ((frame[at + 4] as number) << 8) | (frame[at + 5] as number));
