import type { KiteInstrument } from '../contracts/kite-instrument.ts';

/**
 * The shapes the Kite simulator's universe and market share. A row of
 * Kite's instrument dump is `KiteInstrument` (contracts/kite-instrument.ts);
 * the simulator adds what it needs to price the instrument (`SimInstrument`).
 */

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
