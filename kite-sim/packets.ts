import { SEGMENT_CODE } from '../contracts/kite-instrument.ts';
import { priceDivisor } from '../contracts/kite-ticks/decode.ts';
import type { TickMode } from '../contracts/kite-ticks/tick.ts';
import type { Quote } from './quote.ts';

/**
 * Kite's binary tick frames, byte for byte (docs/kite-simulator.md has the table):
 *
 *   frame   = int16 count, then count × (int16 length, packet)      big-endian
 *   packet  = LTP 8 B | index quote 28 B | index full 32 B | quote 44 B | full 184 B
 *
 * Prices travel as integers: rupees × 100, except NSE currency (× 1e7) and
 * BSE currency (× 1e4), chosen by the segment in the token's low byte.
 */
export type { TickMode };

export const HEARTBEAT = Buffer.from([0]);

export function isIndex(instrumentToken: number): boolean {
  return (instrumentToken & 0xff) === SEGMENT_CODE.INDICES;
}

export function packetLength(instrumentToken: number, mode: TickMode): number {
  if (mode === 'ltp') return 8;
  if (isIndex(instrumentToken)) return mode === 'full' ? 32 : 28;
  return mode === 'full' ? 184 : 44;
}

export type FrameEntry = { mode: TickMode; quote: Quote };

/** Encodes one frame holding a packet per entry (at most 32767, the int16 count). */
export function encodeFrame(entries: readonly FrameEntry[]): Buffer {
  if (entries.length > 0x7fff) throw new RangeError(`a frame holds at most 32767 packets, not ${entries.length}`);
  let size = 2;
  for (const entry of entries) size += 2 + packetLength(entry.quote.instrument_token, entry.mode);
  const frame = Buffer.allocUnsafe(size);
  frame.writeUInt16BE(entries.length, 0);
  let offset = 2;
  for (const { mode, quote } of entries) {
    const length = packetLength(quote.instrument_token, mode);
    frame.writeUInt16BE(length, offset);
    writePacket(frame, offset + 2, quote, mode);
    offset += 2 + length;
  }
  return frame;
}

function writePacket(buf: Buffer, at: number, q: Quote, mode: TickMode): void {
  const divisor = priceDivisor(q.instrument_token);
  const price = (value: number) => Math.round(value * divisor);
  buf.writeUInt32BE(q.instrument_token, at);
  buf.writeInt32BE(price(q.last_price), at + 4);
  if (mode === 'ltp') return;

  if (isIndex(q.instrument_token)) {
    buf.writeInt32BE(price(q.ohlc.high), at + 8);
    buf.writeInt32BE(price(q.ohlc.low), at + 12);
    buf.writeInt32BE(price(q.ohlc.open), at + 16);
    buf.writeInt32BE(price(q.ohlc.close), at + 20);
    buf.writeInt32BE(price(q.last_price - q.ohlc.close), at + 24); // net change
    if (mode === 'full') buf.writeUInt32BE(q.exchange_timestamp, at + 28);
    return;
  }

  buf.writeUInt32BE(count(q.last_traded_quantity), at + 8);
  buf.writeInt32BE(price(q.average_traded_price), at + 12);
  buf.writeUInt32BE(count(q.volume_traded), at + 16);
  buf.writeUInt32BE(count(q.total_buy_quantity), at + 20);
  buf.writeUInt32BE(count(q.total_sell_quantity), at + 24);
  buf.writeInt32BE(price(q.ohlc.open), at + 28);
  buf.writeInt32BE(price(q.ohlc.high), at + 32);
  buf.writeInt32BE(price(q.ohlc.low), at + 36);
  buf.writeInt32BE(price(q.ohlc.close), at + 40);
  if (mode === 'quote') return;

  buf.writeUInt32BE(q.last_trade_time, at + 44);
  buf.writeUInt32BE(count(q.oi), at + 48);
  buf.writeUInt32BE(count(q.oi_day_high), at + 52);
  buf.writeUInt32BE(count(q.oi_day_low), at + 56);
  buf.writeUInt32BE(q.exchange_timestamp, at + 60);
  let level = at + 64;
  for (const side of [q.depth.buy, q.depth.sell]) {
    for (let i = 0; i < 5; i++) {
      const entry = side[i];
      buf.writeUInt32BE(count(entry?.quantity ?? 0), level);
      buf.writeInt32BE(entry ? price(entry.price) : 0, level + 4);
      buf.writeUInt16BE(Math.min(entry?.orders ?? 0, 0xffff), level + 8);
      buf.writeUInt16BE(0, level + 10); // padding
      level += 12;
    }
  }
}

/** Kite's counters are unsigned 32-bit; clamp rather than wrap. */
function count(value: number): number {
  return Math.max(0, Math.min(Math.round(value), 0xffffffff));
}
