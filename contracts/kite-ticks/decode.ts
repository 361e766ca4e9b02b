import { SEGMENT_CODE } from '../kite-instrument.ts';
import type { DepthLevel, FullTick, IndexFullTick, IndexQuoteTick, LtpTick, QuoteTick, Tick, TickMode } from './tick.ts';

/**
 * Kite's binary tick frames, decoded with Web APIs only (a DataView over the
 * bytes, no Buffer, no node: imports), so the origin in Node and the
 * Durable Objects in workerd share one decoder.
 *
 *   frame   = uint16 count, then count × (uint16 length, packet)     big-endian
 *   packet  = LTP 8 B | index quote 28 B | index full 32 B | quote 44 B | full 184 B
 *   a 1-byte frame is a heartbeat
 *
 * The packet layouts are in docs/kite-simulator.md; what differs from the
 * official parser (unsigned counters, timestamps in seconds, malformed
 * frames rejected rather than half-read) is in docs/kite-ticks.md.
 */

/** Kite's packet sizes, by kind. */
export const PACKET_LENGTH = { ltp: 8, indexQuote: 28, indexFull: 32, quote: 44, full: 184 } as const;
export type PacketKind = keyof typeof PACKET_LENGTH;

export type KiteFrameProblem = 'empty-frame' | 'truncated' | 'unknown-packet-length' | 'trailing-bytes';

/** A frame (or packet) that is not what Kite sends; `problem` says which way, `offset` where. */
export class KiteFrameError extends Error {
  readonly problem: KiteFrameProblem;
  /** Byte offset into the frame (or packet) where the problem was found. */
  readonly offset: number;

  constructor(problem: KiteFrameProblem, offset: number, message: string) {
    super(message);
    this.name = 'KiteFrameError';
    this.problem = problem;
    this.offset = offset;
  }
}

/** The kind of packet a length means, or undefined for a length Kite never sends. */
export function packetKind(length: number): PacketKind | undefined {
  switch (length) {
    case 8:
      return 'ltp';
    case 28:
      return 'indexQuote';
    case 32:
      return 'indexFull';
    case 44:
      return 'quote';
    case 184:
      return 'full';
    default:
      return undefined;
  }
}

/** The mode a packet carries (from its length), or undefined for a length Kite never sends. */
export function packetMode(packet: Uint8Array): TickMode | undefined {
  switch (packet.byteLength) {
    case 8:
      return 'ltp';
    case 28:
    case 44:
      return 'quote';
    case 32:
    case 184:
      return 'full';
    default:
      return undefined;
  }
}

/** What a price integer is divided by: 1e7 for NSE currency (CDS), 1e4 for BSE currency (BCD), else 100. */
export function priceDivisor(instrumentToken: number): number {
  const segment = instrumentToken & 0xff;
  if (segment === SEGMENT_CODE.CDS) return 10_000_000;
  if (segment === SEGMENT_CODE.BCD) return 10_000;
  return 100;
}

/** A 1-byte frame: Kite's heartbeat, sent when there is nothing else to send. */
export function isHeartbeat(frame: Uint8Array): boolean {
  return frame.byteLength === 1;
}

/**
 * Splits a frame into packet views (subarrays: no copy, no decoding) and
 * returns how many there were; `visit` gets each packet with its
 * instrument_token. A heartbeat has none. The whole frame is checked before
 * the first visit, so a malformed frame throws KiteFrameError without
 * having delivered half of itself.
 */
export function forEachPacket(frame: Uint8Array, visit: (token: number, packet: Uint8Array) => void): number {
  if (frame.byteLength === 1) return 0;
  const view = viewOf(frame);
  const count = checkFrame(view);
  for (let i = 0, at = 2; i < count; i++) {
    const length = view.getUint16(at);
    visit(view.getUint32(at + 2), frame.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return count;
}

/** Decodes every packet of a frame, in order; a heartbeat gives []. Throws KiteFrameError for a malformed frame. */
export function decodeFrame(frame: Uint8Array): Tick[] {
  const ticks: Tick[] = [];
  if (frame.byteLength === 1) return ticks;
  const view = viewOf(frame);
  const count = checkFrame(view);
  for (let i = 0, at = 2; i < count; i++) {
    const length = view.getUint16(at);
    ticks.push(decodeAt(view, at + 2, length));
    at += 2 + length;
  }
  return ticks;
}

/** Decodes one packet (as `forEachPacket` hands them out). Throws KiteFrameError for a length Kite never sends. */
export function decodePacket(packet: Uint8Array): Tick {
  if (packetKind(packet.byteLength) === undefined) {
    throw new KiteFrameError('unknown-packet-length', 0, `a packet of ${packet.byteLength} bytes is none of Kite's (${KNOWN_LENGTHS})`);
  }
  return decodeAt(viewOf(packet), 0, packet.byteLength);
}

const KNOWN_LENGTHS = '8, 28, 32, 44 or 184 bytes';

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Walks the headers of a frame (not a heartbeat) and returns its packet count, or throws saying what is wrong. */
function checkFrame(view: DataView): number {
  const size = view.byteLength;
  if (size < 2) throw new KiteFrameError('empty-frame', 0, 'empty frame: 0 bytes (a frame is a 2-byte packet count, or a 1-byte heartbeat)');
  const count = view.getUint16(0);
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (at + 2 > size) {
      throw new KiteFrameError(
        'truncated',
        at,
        `truncated frame: it declares ${count} packets but its ${size} bytes end at byte ${at}, before the length of packet ${i + 1}`,
      );
    }
    const length = view.getUint16(at);
    if (packetKind(length) === undefined) {
      throw new KiteFrameError(
        'unknown-packet-length',
        at,
        `packet ${i + 1} of ${count} (at byte ${at}) has length ${length}, not one of Kite's ${KNOWN_LENGTHS}`,
      );
    }
    if (at + 2 + length > size) {
      throw new KiteFrameError(
        'truncated',
        at,
        `truncated frame: packet ${i + 1} of ${count} (${length} bytes at byte ${at + 2}) runs past the end of the ${size}-byte frame`,
      );
    }
    at += 2 + length;
  }
  if (at !== size) {
    throw new KiteFrameError(
      'trailing-bytes',
      at,
      `${size - at} trailing bytes after the ${count} packets the frame declares (they end at byte ${at} of ${size})`,
    );
  }
  return count;
}

/**
 * One packet of a known length at `at`. Each kind is built as one object
 * literal, in the official parser's key order, so every tick of a kind
 * shares a shape.
 */
function decodeAt(view: DataView, at: number, length: number): Tick {
  const token = view.getUint32(at);
  const segment = token & 0xff;
  const divisor = segment === SEGMENT_CODE.CDS ? 10_000_000 : segment === SEGMENT_CODE.BCD ? 10_000 : 100;
  const tradable = segment !== SEGMENT_CODE.INDICES;
  const last_price = view.getInt32(at + 4) / divisor;
  if (length === PACKET_LENGTH.ltp) {
    const tick: LtpTick = { tradable, mode: 'ltp', instrument_token: token, last_price };
    return tick;
  }
  if (length === PACKET_LENGTH.indexQuote || length === PACKET_LENGTH.indexFull) return decodeIndex(view, at, length, token, tradable, divisor, last_price);
  return decodeQuote(view, at, length, token, tradable, divisor, last_price);
}

function decodeIndex(view: DataView, at: number, length: number, token: number, tradable: boolean, divisor: number, last_price: number): Tick {
  const close = view.getInt32(at + 20) / divisor;
  const ohlc = { high: view.getInt32(at + 8) / divisor, low: view.getInt32(at + 12) / divisor, open: view.getInt32(at + 16) / divisor, close };
  // As the official parser: percent from the close, or the packet's raw net change when there is no close.
  const change = close !== 0 ? ((last_price - close) * 100) / close : view.getInt32(at + 24);
  if (length === PACKET_LENGTH.indexQuote) {
    const tick: IndexQuoteTick = { tradable, mode: 'quote', instrument_token: token, last_price, ohlc, change };
    return tick;
  }
  const tick: IndexFullTick = {
    tradable,
    mode: 'full',
    instrument_token: token,
    last_price,
    ohlc,
    change,
    exchange_timestamp: seconds(view.getUint32(at + 28)),
  };
  return tick;
}

function decodeQuote(view: DataView, at: number, length: number, token: number, tradable: boolean, divisor: number, last_price: number): Tick {
  const last_traded_quantity = view.getUint32(at + 8);
  const average_traded_price = view.getInt32(at + 12) / divisor;
  const volume_traded = view.getUint32(at + 16);
  const total_buy_quantity = view.getUint32(at + 20);
  const total_sell_quantity = view.getUint32(at + 24);
  const close = view.getInt32(at + 40) / divisor;
  const ohlc = { open: view.getInt32(at + 28) / divisor, high: view.getInt32(at + 32) / divisor, low: view.getInt32(at + 36) / divisor, close };
  const change = close !== 0 ? ((last_price - close) * 100) / close : 0;
  const quote: QuoteTick = {
    tradable,
    mode: 'quote',
    instrument_token: token,
    last_price,
    last_traded_quantity,
    average_traded_price,
    volume_traded,
    total_buy_quantity,
    total_sell_quantity,
    ohlc,
    change,
  };
  if (length === PACKET_LENGTH.quote) return quote;
  const d = at + 64;
  // The full packet is the quote packet and more; spreading keeps kiteconnect's key order ('mode' stays second).
  const tick: FullTick = {
    ...quote,
    mode: 'full',
    last_trade_time: seconds(view.getUint32(at + 44)),
    exchange_timestamp: seconds(view.getUint32(at + 60)),
    oi: view.getUint32(at + 48),
    oi_day_high: view.getUint32(at + 52),
    oi_day_low: view.getUint32(at + 56),
    depth: {
      buy: [level(view, d, divisor), level(view, d + 12, divisor), level(view, d + 24, divisor), level(view, d + 36, divisor), level(view, d + 48, divisor)],
      sell: [
        level(view, d + 60, divisor),
        level(view, d + 72, divisor),
        level(view, d + 84, divisor),
        level(view, d + 96, divisor),
        level(view, d + 108, divisor),
      ],
    },
  };
  return tick;
}

/** A depth level: uint32 quantity, int32 price, uint16 orders, 2 bytes of padding. */
function level(view: DataView, at: number, divisor: number): DepthLevel {
  return { quantity: view.getUint32(at), price: view.getInt32(at + 4) / divisor, orders: view.getUint16(at + 8) };
}

/** Kite's 0 means "none" (no trade yet), as null; anything else is Unix seconds. */
function seconds(value: number): number | null {
  return value === 0 ? null : value;
}
