import {
  DEPTH_LEVEL,
  FRAME_COUNT_BYTES,
  FULL,
  HEARTBEAT_BYTES,
  INDEX,
  isIndexToken,
  KNOWN_PACKET_LENGTHS,
  PACKET,
  PACKET_LENGTH,
  PACKET_LENGTH_BYTES,
  packetKind,
  priceDivisor,
  QUOTE,
} from './packet-layout.ts';
import type { DepthLevel, FullTick, IndexFullTick, IndexQuoteTick, LtpTick, QuoteTick, Tick } from './tick.ts';

/**
 * Kite's binary tick frames, decoded with Web APIs only (a DataView over the
 * bytes, no Buffer, no node: imports), so the origin in Node and the
 * Durable Objects in workerd share one decoder. The frame and packet layout
 * (lengths, offsets, limits) is packet-layout.ts's.
 *
 * The packet layouts are in docs/kite-simulator.md; what differs from the
 * official parser (unsigned counters, timestamps in seconds, malformed
 * frames rejected rather than half-read) is in docs/kite-ticks.md.
 */

/** `unknown-frame-type`: the first byte of a /v2/ws binary tick frame (contracts/binary-tick-frame.ts). */
export type KiteFrameProblem = 'empty-frame' | 'truncated' | 'unknown-packet-length' | 'trailing-bytes' | 'unknown-frame-type';

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

/**
 * Splits a frame into packet views (subarrays: no copy, no decoding) and
 * returns how many there were; `visit` gets each packet with its
 * instrument_token. A heartbeat has none. The whole frame is checked before
 * the first visit, so a malformed frame throws KiteFrameError without
 * having delivered half of itself.
 */
export function forEachPacket(frame: Uint8Array, visit: (token: number, packet: Uint8Array) => void): number {
  if (frame.byteLength === HEARTBEAT_BYTES) return 0;
  const view = viewOf(frame);
  const count = checkFrame(view);
  for (let i = 0, at = FRAME_COUNT_BYTES; i < count; i++) {
    const length = view.getUint16(at);
    const packet = at + PACKET_LENGTH_BYTES;
    visit(view.getUint32(packet + PACKET.token), frame.subarray(packet, packet + length));
    at = packet + length;
  }
  return count;
}

/** Decodes every packet of a frame, in order; a heartbeat gives []. Throws KiteFrameError for a malformed frame. */
export function decodeFrame(frame: Uint8Array): Tick[] {
  const ticks: Tick[] = [];
  if (frame.byteLength === HEARTBEAT_BYTES) return ticks;
  const view = viewOf(frame);
  const count = checkFrame(view);
  for (let i = 0, at = FRAME_COUNT_BYTES; i < count; i++) {
    const length = view.getUint16(at);
    ticks.push(decodeAt(view, at + PACKET_LENGTH_BYTES, length));
    at += PACKET_LENGTH_BYTES + length;
  }
  return ticks;
}

/** Decodes one packet (as `forEachPacket` hands them out). Throws KiteFrameError for a length Kite never sends. */
export function decodePacket(packet: Uint8Array): Tick {
  if (packetKind(packet.byteLength) === undefined) {
    throw new KiteFrameError('unknown-packet-length', 0, `a packet of ${packet.byteLength} bytes is none of Kite's (${KNOWN_PACKET_LENGTHS})`);
  }
  return decodeAt(viewOf(packet), 0, packet.byteLength);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Walks the headers of a frame (not a heartbeat) and returns its packet count, or throws saying what is wrong. */
function checkFrame(view: DataView): number {
  const size = view.byteLength;
  if (size < FRAME_COUNT_BYTES) throw new KiteFrameError('empty-frame', 0, 'empty frame: 0 bytes (a frame is a 2-byte packet count, or a 1-byte heartbeat)');
  const count = view.getUint16(0);
  let at = FRAME_COUNT_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + PACKET_LENGTH_BYTES > size) {
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
        `packet ${i + 1} of ${count} (at byte ${at}) has length ${length}, not one of Kite's ${KNOWN_PACKET_LENGTHS}`,
      );
    }
    if (at + PACKET_LENGTH_BYTES + length > size) {
      throw new KiteFrameError(
        'truncated',
        at,
        `truncated frame: packet ${i + 1} of ${count} (${length} bytes at byte ${at + PACKET_LENGTH_BYTES}) runs past the end of the ${size}-byte frame`,
      );
    }
    at += PACKET_LENGTH_BYTES + length;
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
  const token = view.getUint32(at + PACKET.token);
  const divisor = priceDivisor(token);
  const tradable = !isIndexToken(token);
  const last_price = view.getInt32(at + PACKET.lastPrice) / divisor;
  if (length === PACKET_LENGTH.ltp) {
    const tick: LtpTick = { tradable, mode: 'ltp', instrument_token: token, last_price };
    return tick;
  }
  if (length === PACKET_LENGTH.indexQuote || length === PACKET_LENGTH.indexFull) return decodeIndex(view, at, length, token, tradable, divisor, last_price);
  return decodeQuote(view, at, length, token, tradable, divisor, last_price);
}

function decodeIndex(view: DataView, at: number, length: number, token: number, tradable: boolean, divisor: number, last_price: number): Tick {
  const close = view.getInt32(at + INDEX.close) / divisor;
  const ohlc = {
    high: view.getInt32(at + INDEX.high) / divisor,
    low: view.getInt32(at + INDEX.low) / divisor,
    open: view.getInt32(at + INDEX.open) / divisor,
    close,
  };
  // As the official parser: percent from the close, or the packet's raw net change when there is no close.
  const change = close !== 0 ? ((last_price - close) * 100) / close : view.getInt32(at + INDEX.netChange);
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
    exchange_timestamp: seconds(view.getUint32(at + INDEX.exchangeTimestamp)),
  };
  return tick;
}

function decodeQuote(view: DataView, at: number, length: number, token: number, tradable: boolean, divisor: number, last_price: number): Tick {
  const last_traded_quantity = view.getUint32(at + QUOTE.lastTradedQuantity);
  const average_traded_price = view.getInt32(at + QUOTE.averageTradedPrice) / divisor;
  const volume_traded = view.getUint32(at + QUOTE.volumeTraded);
  const total_buy_quantity = view.getUint32(at + QUOTE.totalBuyQuantity);
  const total_sell_quantity = view.getUint32(at + QUOTE.totalSellQuantity);
  const close = view.getInt32(at + QUOTE.close) / divisor;
  const ohlc = {
    open: view.getInt32(at + QUOTE.open) / divisor,
    high: view.getInt32(at + QUOTE.high) / divisor,
    low: view.getInt32(at + QUOTE.low) / divisor,
    close,
  };
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
  const buy = at + FULL.buyDepth;
  const sell = at + FULL.sellDepth;
  const step = DEPTH_LEVEL.bytes;
  // The full packet is the quote packet and more; spreading keeps kiteconnect's key order ('mode' stays second).
  const tick: FullTick = {
    ...quote,
    mode: 'full',
    last_trade_time: seconds(view.getUint32(at + FULL.lastTradeTime)),
    exchange_timestamp: seconds(view.getUint32(at + FULL.exchangeTimestamp)),
    oi: view.getUint32(at + FULL.oi),
    oi_day_high: view.getUint32(at + FULL.oiDayHigh),
    oi_day_low: view.getUint32(at + FULL.oiDayLow),
    depth: {
      buy: [
        level(view, buy, divisor),
        level(view, buy + step, divisor),
        level(view, buy + 2 * step, divisor),
        level(view, buy + 3 * step, divisor),
        level(view, buy + 4 * step, divisor),
      ],
      sell: [
        level(view, sell, divisor),
        level(view, sell + step, divisor),
        level(view, sell + 2 * step, divisor),
        level(view, sell + 3 * step, divisor),
        level(view, sell + 4 * step, divisor),
      ],
    },
  };
  return tick;
}

/** A depth level (DEPTH_LEVEL): quantity, price, orders. */
function level(view: DataView, at: number, divisor: number): DepthLevel {
  return {
    quantity: view.getUint32(at + DEPTH_LEVEL.quantity),
    price: view.getInt32(at + DEPTH_LEVEL.price) / divisor,
    orders: view.getUint16(at + DEPTH_LEVEL.orders),
  };
}

/** Kite's 0 means "none" (no trade yet), as null; anything else is Unix seconds. */
function seconds(value: number): number | null {
  return value === 0 ? null : value;
}
