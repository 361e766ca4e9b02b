import { priceDivisor } from '../../contracts/kite-ticks/packet-layout.ts';
import { type DepthLevel, hasDepth, hasVolume, type Tick } from '../../contracts/kite-ticks/tick.ts';
import type { KiteDepthLevel, KiteLtpQuote, KiteOhlc, KiteOhlcQuote, KiteQuote } from '../../contracts/quote-api.ts';

/**
 * Kite Connect's market quote shapes (contracts/quote-api.ts), built from the latest tick a group Durable Object holds, so
 * a program written against Kite's REST quotes reads ours unchanged: the same
 * field names, key order, types and time format (`2021-06-08 15:45:56`,
 * Indian time, as Kite writes it).
 *
 * What Kite's quote has and a tick does not (docs/quote.md):
 * - circuit limits are not in any packet: `lower_circuit_limit` and
 *   `upper_circuit_limit` are 0, as Kite itself answers for instruments
 *   without a band (indices), rather than missing, so typed clients that
 *   expect a number still parse;
 * - a field the held packet's mode does not carry (depth and OI of a quote
 *   packet; all but the price of an LTP packet) is 0, and depth is five
 *   zero levels a side, which is how Kite fills empty levels;
 * - `timestamp` is the exchange's time from a full packet; a quote or LTP
 *   packet carries none, so it is when the origin received the packet;
 * - `net_change` is the absolute change from the previous close, as Kite
 *   documents it (0 while the close is unknown).
 */
const NO_OHLC: KiteOhlc = { open: 0, high: 0, low: 0, close: 0 };
const EMPTY_SIDE: readonly KiteDepthLevel[] = Array.from({ length: 5 }, () => ({ price: 0, quantity: 0, orders: 0 }));

/** The full quote; `receivedAt` (ms) stands in for the exchange time a packet does not carry. */
export function kiteQuote(tick: Tick, receivedAt: number): KiteQuote {
  const ohlc = ohlcOf(tick);
  const exchangeTime = 'exchange_timestamp' in tick ? tick.exchange_timestamp : null;
  const volume = hasVolume(tick) ? tick : undefined;
  const full = hasDepth(tick) ? tick : undefined;
  return {
    instrument_token: tick.instrument_token,
    timestamp: kiteTime(exchangeTime ?? Math.floor(receivedAt / 1000)),
    last_trade_time: full?.last_trade_time ? kiteTime(full.last_trade_time) : null,
    last_price: tick.last_price,
    last_quantity: volume?.last_traded_quantity ?? 0,
    buy_quantity: volume?.total_buy_quantity ?? 0,
    sell_quantity: volume?.total_sell_quantity ?? 0,
    volume: volume?.volume_traded ?? 0,
    average_price: volume?.average_traded_price ?? 0,
    oi: full?.oi ?? 0,
    oi_day_high: full?.oi_day_high ?? 0,
    oi_day_low: full?.oi_day_low ?? 0,
    net_change: netChange(tick.instrument_token, tick.last_price, ohlc.close),
    lower_circuit_limit: 0,
    upper_circuit_limit: 0,
    ohlc,
    depth: full ? { buy: full.depth.buy.map(level), sell: full.depth.sell.map(level) } : { buy: [...EMPTY_SIDE], sell: [...EMPTY_SIDE] },
  };
}

export function kiteOhlcQuote(tick: Tick): KiteOhlcQuote {
  return { instrument_token: tick.instrument_token, last_price: tick.last_price, ohlc: ohlcOf(tick) };
}

export function kiteLtpQuote(tick: Tick): KiteLtpQuote {
  return { instrument_token: tick.instrument_token, last_price: tick.last_price };
}

/** Unix seconds as Kite writes times: `YYYY-MM-DD HH:MM:SS` in Indian Standard Time (UTC+5:30, no daylight saving). */
export function kiteTime(seconds: number): string {
  return new Date((seconds + 5.5 * 3600) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function ohlcOf(tick: Tick): KiteOhlc {
  // The decoder orders an index packet's ohlc as the packet does (high first); Kite's REST order is open, high, low, close.
  if (!('ohlc' in tick)) return { ...NO_OHLC };
  const { open, high, low, close } = tick.ohlc;
  return { open, high, low, close };
}

/** Rounded to the instrument's price unit, so 1573.7 − 1567.8 reads 5.9, not 5.900000000000091. */
function netChange(token: number, lastPrice: number, close: number): number {
  if (close === 0) return 0;
  const divisor = priceDivisor(token);
  return Math.round((lastPrice - close) * divisor) / divisor;
}

function level({ price, quantity, orders }: DepthLevel): KiteDepthLevel {
  return { price, quantity, orders };
}
