/**
 * Kite's instrument dump: its columns, exchanges, segments and the token
 * rule. The simulator writes dumps, the origin's registry sync reads them,
 * and the instruments API answers with these fields.
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

/** Kite's exchanges, as its instrument dump names them. */
export const KITE_EXCHANGES = ['NSE', 'BSE', 'NFO', 'BFO', 'MCX', 'CDS', 'BCD'] as const;
export type KiteExchange = (typeof KITE_EXCHANGES)[number];
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

/** instrument_token = exchange_token * 256 + segment code, as Kite builds them. */
export function instrumentToken(exchangeToken: number, segment: keyof typeof SEGMENT_CODE): number {
  return exchangeToken * 256 + SEGMENT_CODE[segment];
}
