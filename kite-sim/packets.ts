import {
  DEPTH_LEVEL,
  FRAME_COUNT_BYTES,
  FULL,
  HEARTBEAT_BYTES,
  INDEX,
  isIndexToken,
  MAX_PACKETS_PER_FRAME,
  PACKET,
  PACKET_LENGTH_BYTES,
  packetLength,
  priceDivisor,
  QUOTE,
} from '../contracts/kite-ticks/packet-layout.ts';
import type { TickMode } from '../contracts/kite-ticks/tick.ts';
import type { Quote } from './quote.ts';

/**
 * Kite's binary tick frames, byte for byte, as Kite sends them: the layout
 * (contracts/kite-ticks/packet-layout.ts, docs/kite-simulator.md has the
 * table) filled from the simulator's quotes.
 *
 * Prices travel as integers: rupees × 100, except NSE currency (× 1e7) and
 * BSE currency (× 1e4), chosen by the segment in the token's low byte.
 */
export type { TickMode };

export const HEARTBEAT = Buffer.alloc(HEARTBEAT_BYTES);

export type FrameEntry = { mode: TickMode; quote: Quote };

/** Encodes one frame holding a packet per entry (at most MAX_PACKETS_PER_FRAME, the int16 count). */
export function encodeFrame(entries: readonly FrameEntry[]): Buffer {
  if (entries.length > MAX_PACKETS_PER_FRAME) throw new RangeError(`a frame holds at most ${MAX_PACKETS_PER_FRAME} packets, not ${entries.length}`);
  let size = FRAME_COUNT_BYTES;
  for (const entry of entries) size += PACKET_LENGTH_BYTES + packetLength(entry.quote.instrument_token, entry.mode);
  const frame = Buffer.allocUnsafe(size);
  frame.writeUInt16BE(entries.length, 0);
  let offset = FRAME_COUNT_BYTES;
  for (const { mode, quote } of entries) {
    const length = packetLength(quote.instrument_token, mode);
    frame.writeUInt16BE(length, offset);
    writePacket(frame, offset + PACKET_LENGTH_BYTES, quote, mode);
    offset += PACKET_LENGTH_BYTES + length;
  }
  return frame;
}

function writePacket(buf: Buffer, at: number, q: Quote, mode: TickMode): void {
  const divisor = priceDivisor(q.instrument_token);
  const price = (value: number) => Math.round(value * divisor);
  buf.writeUInt32BE(q.instrument_token, at + PACKET.token);
  buf.writeInt32BE(price(q.last_price), at + PACKET.lastPrice);
  if (mode === 'ltp') return;

  if (isIndexToken(q.instrument_token)) {
    buf.writeInt32BE(price(q.ohlc.high), at + INDEX.high);
    buf.writeInt32BE(price(q.ohlc.low), at + INDEX.low);
    buf.writeInt32BE(price(q.ohlc.open), at + INDEX.open);
    buf.writeInt32BE(price(q.ohlc.close), at + INDEX.close);
    buf.writeInt32BE(price(q.last_price - q.ohlc.close), at + INDEX.netChange);
    if (mode === 'full') buf.writeUInt32BE(q.exchange_timestamp, at + INDEX.exchangeTimestamp);
    return;
  }

  buf.writeUInt32BE(count(q.last_traded_quantity), at + QUOTE.lastTradedQuantity);
  buf.writeInt32BE(price(q.average_traded_price), at + QUOTE.averageTradedPrice);
  buf.writeUInt32BE(count(q.volume_traded), at + QUOTE.volumeTraded);
  buf.writeUInt32BE(count(q.total_buy_quantity), at + QUOTE.totalBuyQuantity);
  buf.writeUInt32BE(count(q.total_sell_quantity), at + QUOTE.totalSellQuantity);
  buf.writeInt32BE(price(q.ohlc.open), at + QUOTE.open);
  buf.writeInt32BE(price(q.ohlc.high), at + QUOTE.high);
  buf.writeInt32BE(price(q.ohlc.low), at + QUOTE.low);
  buf.writeInt32BE(price(q.ohlc.close), at + QUOTE.close);
  if (mode === 'quote') return;

  buf.writeUInt32BE(q.last_trade_time, at + FULL.lastTradeTime);
  buf.writeUInt32BE(count(q.oi), at + FULL.oi);
  buf.writeUInt32BE(count(q.oi_day_high), at + FULL.oiDayHigh);
  buf.writeUInt32BE(count(q.oi_day_low), at + FULL.oiDayLow);
  buf.writeUInt32BE(q.exchange_timestamp, at + FULL.exchangeTimestamp);
  for (const [side, from] of [
    [q.depth.buy, FULL.buyDepth],
    [q.depth.sell, FULL.sellDepth],
  ] as const) {
    for (let i = 0, level = at + from; i < DEPTH_LEVEL.levels; i++, level += DEPTH_LEVEL.bytes) {
      const entry = side[i];
      buf.writeUInt32BE(count(entry?.quantity ?? 0), level + DEPTH_LEVEL.quantity);
      buf.writeInt32BE(entry ? price(entry.price) : 0, level + DEPTH_LEVEL.price);
      buf.writeUInt16BE(Math.min(entry?.orders ?? 0, 0xffff), level + DEPTH_LEVEL.orders);
      buf.writeUInt16BE(0, level + DEPTH_LEVEL.padding);
    }
  }
}

/** Kite's counters are unsigned 32-bit; clamp rather than wrap. */
function count(value: number): number {
  return Math.max(0, Math.min(Math.round(value), 0xffffffff));
}
