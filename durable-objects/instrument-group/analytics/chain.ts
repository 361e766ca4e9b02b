import type { FnoChain, FnoOption, FnoStrikeRow, OiChangeBasis } from '../../../contracts/fno-chain.ts';
import { black76Greeks, type Greeks, type OptionKind } from './black76.ts';
import { estimateForward, isPrice } from './forward.ts';
import { impliedVol } from './implied-vol.ts';
import { openInterestStats } from './open-interest.ts';
import { riskReversal25 } from './risk-reversal.ts';
import { roundSignificant, roundTo } from './rounding.ts';
import { yearsToExpiry } from './time-to-expiry.ts';

/**
 * One expiry's option chain, computed from the latest quote of each of its
 * contracts: the forward, T, each option's IV (from its last traded price)
 * and Greeks, and the chain's figures (ATM, PCR, max pain, basis, the
 * 25-delta risk reversal). A pure function of its input, `now` included,
 * so the group object calls it once a round per streamed expiry and any
 * test can call it at any date.
 */

/** The latest of one option, as the group reads it from the contract's last full-mode packet. */
export type OptionQuote = {
  instrument_token: number;
  tradingsymbol: string;
  /** The last traded price; null or 0: no trade (nothing that needs a price is computed). */
  last_price: number | null;
  /** The previous session's close; null or 0 when not known. */
  close: number | null;
  /** Best bid and ask (the first depth level); null or 0 when that side is empty. */
  bid: number | null;
  ask: number | null;
  volume: number | null;
  oi: number | null;
  /** The OI that `oi_change` is measured from (which one: `ChainInput.oi_change_basis`); null when not known. */
  oi_reference: number | null;
};

export type StrikeQuotes = { strike: number; CE: OptionQuote | null; PE: OptionQuote | null };

export type FutureQuote = { instrument_token: number; tradingsymbol: string; last_price: number | null };

export type ChainInput = {
  name: string;
  /** 'YYYY-MM-DD'; the options close at 15:30 IST that day. */
  expiry: string;
  /** The time the chain is for, ms since the epoch: `as_of`, and where T is measured from. */
  now: number;
  /** Continuously compounded, per year (FNO_RATE). */
  rate: number;
  /** The underlying's last price; null when not known. */
  spot: number | null;
  /** The expiry's future, if one is listed; its last_price null or 0 when it has not traded. */
  future: FutureQuote | null;
  /** One entry per listed strike, in any order; a missing side is null. */
  rows: readonly StrikeQuotes[];
  oi_change_basis: OiChangeBasis;
  /** Only this many strikes each side of the ATM strike (the PCRs, OI totals and max pain over those); all when absent. */
  strikes?: number;
  /** Decimals prices are published to: 2 (paisa), 4 for currency options quoted in 0.0025s. */
  price_decimals?: number;
};

const DEFAULT_PRICE_DECIMALS = 2;
const IV_DECIMALS = 2;
const GREEK_DIGITS = 4;
const YEARS_DIGITS = 6;
const CARRY_DIGITS = 4;

/** What one option's valuation shares with the next, and the raw IV and forward delta it leaves for the chain's figures. */
type Valuation = {
  forward: number | null;
  years: number;
  rate: number;
  discount: number;
  decimals: number;
  greeks: Greeks;
  iv: number;
  forwardDelta: number;
};

export function computeChain(input: ChainInput): FnoChain {
  const rows = inStrikeOrder(input.rows);
  const n = rows.length;
  const years = yearsToExpiry(input.expiry, input.now);
  const { rate } = input;
  const decimals = input.price_decimals ?? DEFAULT_PRICE_DECIMALS;
  const spot = isPrice(input.spot) ? input.spot : null;
  const futureLast = input.future?.last_price;
  const futurePrice = isPrice(futureLast) ? futureLast : null;
  const estimate = estimateForward(futurePrice, spot, rows, years, rate);
  const forward = estimate?.forward ?? null;
  const valuation: Valuation = {
    forward,
    years,
    rate,
    discount: Math.exp(-rate * years),
    decimals,
    greeks: { price: 0, delta: 0, gamma: 0, vega: 0, theta: 0 },
    iv: NaN,
    forwardDelta: NaN,
  };

  const callIv = new Float64Array(n);
  const callDelta = new Float64Array(n);
  const putIv = new Float64Array(n);
  const putDelta = new Float64Array(n);
  const strikes: FnoStrikeRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as StrikeQuotes;
    const CE = row.CE ? valueOption('CE', row.CE, row.strike, valuation) : null;
    callIv[i] = row.CE ? valuation.iv : NaN;
    callDelta[i] = row.CE ? valuation.forwardDelta : NaN;
    const PE = row.PE ? valueOption('PE', row.PE, row.strike, valuation) : null;
    putIv[i] = row.PE ? valuation.iv : NaN;
    putDelta[i] = row.PE ? valuation.forwardDelta : NaN;
    strikes[i] = { strike: row.strike, CE, PE };
  }

  const atm = forward === null ? -1 : nearestStrike(rows, forward);
  const interest = openInterestStats(strikes);
  const riskReversal = riskReversal25(callDelta, callIv, putDelta, putIv);
  const chain: FnoChain = {
    name: input.name,
    expiry: input.expiry,
    as_of: new Date(input.now).toISOString(),
    spot: spot === null ? null : roundTo(spot, decimals),
    future: input.future
      ? {
          instrument_token: input.future.instrument_token,
          tradingsymbol: input.future.tradingsymbol,
          last_price: futurePrice === null ? null : roundTo(futurePrice, decimals),
        }
      : null,
    forward: forward === null ? null : roundTo(forward, decimals),
    forward_source: estimate?.source ?? null,
    time_to_expiry_years: roundSignificant(years, YEARS_DIGITS),
    rate,
    atm_strike: atm < 0 ? null : (rows[atm] as StrikeQuotes).strike,
    atm_iv: atm < 0 ? null : meanIv(callIv[atm] as number, putIv[atm] as number),
    pcr_oi: interest.pcr_oi,
    pcr_volume: interest.pcr_volume,
    max_pain: interest.max_pain,
    basis: forward === null || spot === null ? null : roundTo(forward - spot, decimals),
    basis_annualised: forward === null || spot === null || !(years > 0) ? null : roundSignificant(Math.log(forward / spot) / years, CARRY_DIGITS),
    total_call_oi: interest.total_call_oi,
    total_put_oi: interest.total_put_oi,
    risk_reversal_25d: riskReversal === null ? null : roundTo(riskReversal, IV_DECIMALS),
    oi_change_basis: input.oi_change_basis,
    strikes,
  };
  return input.strikes === undefined ? chain : windowChain(chain, input.strikes);
}

/**
 * The chain cut to `strikes` strikes each side of its ATM strike, with the
 * figures taken over the rows returned (OI totals, PCRs, max pain)
 * recomputed; the rest (ATM IV, risk reversal) stays a property of the
 * whole smile. A chain without an ATM strike (no forward) is returned whole.
 * For the group: compute the whole chain once a round, cut it per reader.
 */
export function windowChain(chain: FnoChain, strikes: number): FnoChain {
  if (!(Number.isInteger(strikes) && strikes >= 0)) throw new RangeError(`strikes must be a whole number ≥ 0, not ${strikes}`);
  if (chain.atm_strike === null) return chain;
  const atm = chain.strikes.findIndex((row) => row.strike === chain.atm_strike);
  const rows = chain.strikes.slice(Math.max(atm - strikes, 0), atm + strikes + 1);
  return { ...chain, ...openInterestStats(rows), strikes: rows };
}

function valueOption(kind: OptionKind, quote: OptionQuote, strike: number, v: Valuation): FnoOption {
  const d = v.decimals;
  const last = isPrice(quote.last_price) ? quote.last_price : null;
  const close = isPrice(quote.close) ? quote.close : null;
  v.iv = NaN;
  v.forwardDelta = NaN;
  let iv: number | null = null;
  let delta: number | null = null;
  let gamma: number | null = null;
  let theta: number | null = null;
  let vega: number | null = null;
  if (last !== null && v.forward !== null && v.years > 0) {
    const vol = impliedVol(kind, last, v.forward, strike, v.years, v.rate);
    if (vol !== null) {
      const g = black76Greeks(kind, v.forward, strike, v.years, vol, v.rate, v.greeks);
      v.iv = 100 * vol;
      v.forwardDelta = g.delta / v.discount;
      iv = roundTo(v.iv, IV_DECIMALS);
      delta = roundSignificant(g.delta, GREEK_DIGITS);
      gamma = roundSignificant(g.gamma, GREEK_DIGITS);
      theta = roundSignificant(g.theta, GREEK_DIGITS);
      vega = roundSignificant(g.vega, GREEK_DIGITS);
    }
  }
  return {
    instrument_token: quote.instrument_token,
    tradingsymbol: quote.tradingsymbol,
    last_price: last === null ? null : roundTo(last, d),
    change: last === null || close === null ? null : roundTo(last - close, d),
    bid: isPrice(quote.bid) ? roundTo(quote.bid, d) : null,
    ask: isPrice(quote.ask) ? roundTo(quote.ask, d) : null,
    volume: quote.volume,
    oi: quote.oi,
    oi_change: quote.oi === null || quote.oi_reference === null ? null : quote.oi - quote.oi_reference,
    iv,
    delta,
    gamma,
    theta,
    vega,
  };
}

/** ATM IV in percent: the mean of the call's and the put's where both exist, else whichever does. */
function meanIv(call: number, put: number): number | null {
  if (Number.isNaN(call)) return Number.isNaN(put) ? null : roundTo(put, IV_DECIMALS);
  return roundTo(Number.isNaN(put) ? call : (call + put) / 2, IV_DECIMALS);
}

/** The index of the strike nearest `forward`, the lower one on a tie; -1 for no strikes. */
function nearestStrike(rows: readonly StrikeQuotes[], forward: number): number {
  let best = -1;
  let bestDistance = Infinity;
  for (let i = 0; i < rows.length; i++) {
    const distance = Math.abs((rows[i] as StrikeQuotes).strike - forward);
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

/** The rows in ascending strike: as given when they already are (the group keeps them so), else a sorted copy. */
function inStrikeOrder(rows: readonly StrikeQuotes[]): readonly StrikeQuotes[] {
  for (let i = 1; i < rows.length; i++) {
    if ((rows[i] as StrikeQuotes).strike < (rows[i - 1] as StrikeQuotes).strike) return [...rows].sort((a, b) => a.strike - b.strike);
  }
  return rows;
}
