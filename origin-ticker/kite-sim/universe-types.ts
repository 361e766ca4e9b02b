/**
 * The shapes the Kite simulator's universe and market share. A row of
 * Kite's instrument dump is `KiteInstrument`, column for column; the
 * simulator adds what it needs to price the instrument (`SimInstrument`).
 */

/** Kite's segment codes: the low byte of every instrument_token. */
export const SEGMENT_CODE = {
  NSE: 1, // NSE cash (NseCM)
  NFO: 2, // NSE F&O
  CDS: 3, // NSE currency derivatives (prices in 1e-7)
  BSE: 4, // BSE cash
  BFO: 5, // BSE F&O
  BCD: 6, // BSE currency derivatives (prices in 1e-4)
  MCX: 7, // MCX F&O
  MCXSX: 8,
  INDICES: 9, // NSE and BSE indices (not tradable)
} as const;

/** The CSV columns of Kite's dump, in order. */
export const INSTRUMENT_COLUMNS = [
  'instrument_token',
  'exchange_token',
  'tradingsymbol',
  'name',
  'last_price',
  'expiry',
  'strike',
  'tick_size',
  'lot_size',
  'instrument_type',
  'segment',
  'exchange',
] as const;

export type KiteExchange = 'NSE' | 'BSE' | 'NFO' | 'BFO' | 'MCX' | 'CDS' | 'BCD';
export type KiteSegment =
  | 'NSE'
  | 'BSE'
  | 'INDICES'
  | 'NFO-FUT'
  | 'NFO-OPT'
  | 'BFO-FUT'
  | 'BFO-OPT'
  | 'MCX-FUT'
  | 'MCX-OPT'
  | 'CDS-FUT'
  | 'CDS-OPT'
  | 'BCD-FUT'
  | 'BCD-OPT';

export type KiteInstrument = {
  instrument_token: number;
  exchange_token: number;
  tradingsymbol: string;
  name: string;
  /** Kite's dump carries 0 here; the simulator does too. */
  last_price: number;
  /** YYYY-MM-DD, or '' for instruments that do not expire. */
  expiry: string;
  /** 0 for anything but options. */
  strike: number;
  tick_size: number;
  lot_size: number;
  instrument_type: 'EQ' | 'FUT' | 'CE' | 'PE';
  segment: KiteSegment;
  exchange: KiteExchange;
};

/** Something whose price moves by itself (an index, a stock, a commodity, a currency pair). */
export type Underlying = {
  /** Stable key, e.g. 'NIFTY', 'RELIANCE', 'SENSEX', 'CRUDEOIL', 'USDINR'. Equals the `name` column of its derivatives. */
  id: string;
  /** Price at the start of the simulated day (the previous close). */
  spot: number;
  /** Annualised volatility of its random walk, and the at-the-money implied volatility of its options. */
  annualVol: number;
  /** Token of its own quoted instrument (index or cash equity), if it has one (MCX and currencies do not). */
  spotToken: number | undefined;
  /** Tick size of its derivatives' prices. */
  tickSize: number;
  /** How actively it trades, 0..1: scales volume, OI and depth (indices and large caps near 1). */
  liquidity: number;
};

export type SimInstrument = KiteInstrument & {
  kind: 'index' | 'equity' | 'future' | 'option';
  /** Underlying.id this instrument is priced from (itself for indices and equities). */
  underlying: string;
};

export type Universe = {
  /** Every instrument, in dump order. */
  instruments: SimInstrument[];
  byToken: Map<number, SimInstrument>;
  /** Keyed 'EXCHANGE:TRADINGSYMBOL', as Kite's quote API names instruments. */
  bySymbol: Map<string, SimInstrument>;
  underlyings: Map<string, Underlying>;
};

/** instrument_token = exchange_token * 256 + segment code, as Kite builds them. */
export function instrumentToken(exchangeToken: number, segment: keyof typeof SEGMENT_CODE): number {
  return exchangeToken * 256 + SEGMENT_CODE[segment];
}
