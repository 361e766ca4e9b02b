/**
 * The full state of one instrument at one moment: everything a Kite full-mode
 * packet or a /quote answer carries. Prices are in rupees (or the pair's
 * units), already on the instrument's tick size; times are Unix seconds.
 */
export type DepthLevel = { quantity: number; price: number; orders: number };

export type Quote = {
  instrument_token: number;
  last_price: number;
  last_traded_quantity: number;
  average_traded_price: number;
  volume_traded: number;
  total_buy_quantity: number;
  total_sell_quantity: number;
  /** close is the previous session's close, as on Kite. */
  ohlc: { open: number; high: number; low: number; close: number };
  last_trade_time: number;
  exchange_timestamp: number;
  oi: number;
  oi_day_high: number;
  oi_day_low: number;
  /** Five levels each; empty levels are zeros. Bids below, asks above the last price. */
  depth: { buy: DepthLevel[]; sell: DepthLevel[] };
};
