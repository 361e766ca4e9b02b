/**
 * A decoded Kite tick: the field names, nesting and key order of the official
 * JavaScript client's parser (`kiteconnect`, `KiteTicker#parseBinary`), so
 * code written against Kite's docs reads ours unchanged. Each packet kind
 * carries its own set of fields (docs/kite-ticks.md has the table).
 *
 * Two deliberate differences from the official parser:
 *
 * - Timestamps (`last_trade_time`, `exchange_timestamp`) are Unix SECONDS,
 *   not `Date`s: a tick crosses the origin → edge link as JSON, where a Date
 *   turns into an ISO string that no longer parses back as a Date, and the
 *   two Dates of a full tick made decoding and JSON.stringify each about
 *   1.6× slower when measured (docs/kite-ticks.md). Kite sends whole
 *   seconds, so nothing is lost. As in the official parser, a 0 on the wire
 *   (no trade yet) is `null`.
 * - Counters (quantities, volume, OI, orders) and timestamps are read
 *   unsigned: the official parser reads every 4-byte field as a signed
 *   int32, so a volume above 2³¹−1 comes out negative there and right here.
 *   Prices stay signed (spreads can trade below zero).
 */

export type TickMode = 'ltp' | 'quote' | 'full';

export type Ohlc = { open: number; high: number; low: number; close: number };

export type DepthLevel = { quantity: number; price: number; orders: number };

/** Five bid levels and five ask levels; empty levels are zeros. */
export type Depth = { buy: DepthLevel[]; sell: DepthLevel[] };

/** LTP packet (PACKET_LENGTH.ltp in packet-layout.ts), any segment. */
export type LtpTick = {
  /** false for indices (segment 9), true otherwise. */
  tradable: boolean;
  mode: 'ltp';
  instrument_token: number;
  last_price: number;
};

/** Index quote packet (PACKET_LENGTH.indexQuote). */
export type IndexQuoteTick = {
  tradable: boolean;
  mode: 'quote';
  instrument_token: number;
  last_price: number;
  /** In the packet's order: high, low, open, close (previous session). */
  ohlc: Ohlc;
  /**
   * Percent change from the previous close. When the close is 0 this is the
   * raw net-change integer from the packet, unscaled, as the official parser
   * leaves it.
   */
  change: number;
};

/** Index full packet (PACKET_LENGTH.indexFull). */
export type IndexFullTick = Omit<IndexQuoteTick, 'mode'> & {
  mode: 'full';
  /** Unix seconds, or null when the packet carries 0. */
  exchange_timestamp: number | null;
};

/** Quote packet (PACKET_LENGTH.quote): tradable instruments. */
export type QuoteTick = {
  tradable: boolean;
  mode: 'quote';
  instrument_token: number;
  last_price: number;
  last_traded_quantity: number;
  average_traded_price: number;
  volume_traded: number;
  total_buy_quantity: number;
  total_sell_quantity: number;
  /** close is the previous session's close. */
  ohlc: Ohlc;
  /** Percent change from the previous close; 0 when the close is 0. */
  change: number;
};

/** Full packet (PACKET_LENGTH.full): a quote plus times, open interest and five levels of depth. */
export type FullTick = Omit<QuoteTick, 'mode'> & {
  mode: 'full';
  /** Unix seconds, or null when the packet carries 0. */
  last_trade_time: number | null;
  /** Unix seconds, or null when the packet carries 0. */
  exchange_timestamp: number | null;
  oi: number;
  oi_day_high: number;
  oi_day_low: number;
  depth: Depth;
};

export type IndexTick = IndexQuoteTick | IndexFullTick;

export type Tick = LtpTick | IndexQuoteTick | IndexFullTick | QuoteTick | FullTick;

/** The tick of a quote or full packet of a tradable instrument (volume, quantities). */
export function hasVolume(tick: Tick): tick is QuoteTick | FullTick {
  return 'volume_traded' in tick;
}

/** The tick of a full packet of a tradable instrument (depth, OI, trade time). */
export function hasDepth(tick: Tick): tick is FullTick {
  return 'depth' in tick;
}
