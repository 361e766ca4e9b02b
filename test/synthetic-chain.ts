import type { OiChangeBasis } from '../contracts/fno-chain.ts';
import { black76Price, type OptionKind } from '../durable-objects/instrument-group/analytics/black76.ts';
import type { ChainInput, OptionQuote } from '../durable-objects/instrument-group/analytics/chain.ts';
import { yearsToExpiry } from '../durable-objects/instrument-group/analytics/time-to-expiry.ts';
import type { Quote } from '../kite-sim/quote.ts';

/**
 * An option chain made to order for the F&O analytics' tests and bench:
 * every option priced by Black-76 on the forward spot·e^(rT) with the
 * volatility `vol` gives its strike, its quote (bid, ask, OI, volume) made
 * up deterministically, OI heaviest at the money, as on a real chain.
 */
export type ChainSpec = {
  name?: string;
  expiry: string;
  now: number;
  spot: number;
  rate?: number;
  strikes: readonly number[];
  /** σ per year of 365 days at a strike. */
  vol: (strike: number, forward: number, years: number) => number;
  /** Prices on this tick, at least one tick, as the exchange quotes them; 0 or absent: exact. */
  tick?: number;
  /** Whether the expiry has a future that has traded (at the forward, on the tick). Default true. */
  future?: boolean;
  /** Another pricer in Black-76's signature (the simulator's, say); default the analytics' own. */
  price?: (kind: OptionKind, forward: number, strike: number, years: number, vol: number, rate: number) => number;
  oiChangeBasis?: OiChangeBasis;
  /** Passed through to ChainInput.strikes. */
  window?: number;
};

export const DEFAULT_RATE = 0.065;

export function syntheticChain(spec: ChainSpec): ChainInput {
  const rate = spec.rate ?? DEFAULT_RATE;
  const years = yearsToExpiry(spec.expiry, spec.now);
  const forward = spec.spot * Math.exp(rate * Math.max(years, 0));
  const price = spec.price ?? black76Price;
  const tick = spec.tick ?? 0;
  const onTick = (value: number) => (tick > 0 ? Math.max(Math.round(value / tick), 1) * tick : value);
  const name = spec.name ?? 'NIFTY';
  let token = 1_000_000;
  const quote = (kind: OptionKind, strike: number): OptionQuote => {
    const last = onTick(price(kind, forward, strike, years, spec.vol(strike, forward, years), rate));
    const distance = (strike - forward) / (0.04 * forward);
    const oi = 75 * Math.round(20_000 * Math.exp(-distance * distance) + (kind === 'PE' ? 900 : 600));
    return {
      instrument_token: token++ * 256 + 2,
      tradingsymbol: `${name}${spec.expiry.replaceAll('-', '')}${strike}${kind}`,
      last_price: last,
      close: onTick(last * 1.08),
      bid: tick > 0 && last > tick ? last - tick : last,
      ask: tick > 0 ? last + tick : last,
      volume: 75 * Math.round(oi / 750),
      oi,
      oi_reference: oi - 75 * Math.round(100 * distance),
    };
  };
  return {
    name,
    expiry: spec.expiry,
    now: spec.now,
    rate,
    spot: spec.spot,
    future: spec.future === false ? null : { instrument_token: 999 * 256 + 2, tradingsymbol: `${name}${spec.expiry}FUT`, last_price: onTick(forward) },
    rows: spec.strikes.map((strike) => ({ strike, CE: quote('CE', strike), PE: quote('PE', strike) })),
    oi_change_basis: spec.oiChangeBasis ?? 'first_seen_today',
    ...(spec.window === undefined ? {} : { strikes: spec.window }),
  };
}

/** `count` strikes `step` apart centred on `around`. */
export function strikeLadder(around: number, step: number, count: number): number[] {
  const first = Math.round(around / step) * step - step * Math.floor(count / 2);
  return Array.from({ length: count }, (_, i) => first + step * i);
}

/** The chain input's quote of one option from the simulator's quote of it (the bench and the recovery test read the simulator's market). */
export function optionQuoteOf(instrument_token: number, tradingsymbol: string, q: Quote): OptionQuote {
  return {
    instrument_token,
    tradingsymbol,
    last_price: q.last_price,
    close: q.ohlc.close,
    bid: q.depth.buy[0]?.price ?? null,
    ask: q.depth.sell[0]?.price ?? null,
    volume: q.volume_traded,
    oi: q.oi,
    oi_reference: null,
  };
}
