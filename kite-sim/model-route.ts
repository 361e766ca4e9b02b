import type { Market } from './market.ts';
import type { SimInstrument, Universe } from './universe-types.ts';

/**
 * `GET /_sim/model`: for tests of option analytics, what the simulator
 * priced each future's or option's latest price with: spot, forward, T,
 * rate and the smile's volatility. Asked by token (`tokens=1,2,3`) or for a
 * whole chain (`name=NIFTY&expiry=YYYY-MM-DD`: its futures, then its
 * options by strike, call before put).
 *
 * The volatility is the σ given to Black-76 together with T in years of
 * 365 days: a calendar-year implied volatility, which is what a chain's IV
 * computed back from the premium is (the platform's `iv` is it in
 * percent). The random walk's own σ is per trading year (market.ts), but
 * that only sets how far spot moves a second; it is not what the premium
 * was priced with.
 */
export const MAX_MODEL_TOKENS = 1000;

/** The answer says what its numbers are, so a reader need not guess. */
export const MODEL_UNITS = {
  priced_at: 'ms since the epoch: the trade priced (or the session start, for a previous close)',
  years: 'T, years of 365 days from priced_at to 15:30 IST on the expiry day, at least one minute',
  vol: 'σ per year of 365 days, given to Black-76 with that T (a calendar-year implied volatility)',
  iv: 'the same σ in percent, the unit of the platform chain’s iv',
  rate: 'continuously compounded per year (SIM_RATE)',
  model_price: 'Black-76 premium (a future: the forward) before rounding to the tick; last_price is it on the tick',
} as const;

export type ModelRow = {
  instrument_token: number;
  tradingsymbol: string;
  instrument_type: string;
  expiry: string;
  strike: number;
  priced_at: number;
  spot: number;
  forward: number;
  years: number;
  rate: number;
  vol: number;
  iv: number;
  model_price: number;
  last_price: number;
};

/** The rows asked for, or a message saying what is wrong with the query (a 400). */
export function modelRows(universe: Universe, market: Market, query: URLSearchParams): ModelRow[] | string {
  const picked = pick(universe, query);
  if (typeof picked === 'string') return picked;
  return picked.map((instrument) => {
    const priced = market.pricedWith(instrument.instrument_token);
    if (!priced) throw new Error(`${instrument.tradingsymbol} is a derivative without a model`);
    return {
      instrument_token: instrument.instrument_token,
      tradingsymbol: instrument.tradingsymbol,
      instrument_type: instrument.instrument_type,
      expiry: instrument.expiry,
      strike: instrument.strike,
      priced_at: priced.at,
      spot: priced.spot,
      forward: priced.forward,
      years: priced.years,
      rate: priced.rate,
      vol: priced.vol,
      iv: 100 * priced.vol,
      model_price: priced.price,
      last_price: market.quote(instrument.instrument_token).last_price,
    };
  });
}

const isDerivative = (instrument: SimInstrument) => instrument.kind === 'future' || instrument.kind === 'option';

function pick(universe: Universe, query: URLSearchParams): SimInstrument[] | string {
  const tokens = query.get('tokens');
  const name = query.get('name');
  const expiry = query.get('expiry');
  if (tokens !== null) {
    if (name !== null || expiry !== null) return 'Give either `tokens` or `name` and `expiry`, not both.';
    const parts = tokens.split(',');
    if (parts.length > MAX_MODEL_TOKENS) return `At most ${MAX_MODEL_TOKENS} tokens at a time, not ${parts.length}.`;
    const instruments: SimInstrument[] = [];
    const unknown: string[] = [];
    for (const part of parts) {
      const instrument = /^\d{1,10}$/.test(part) ? universe.byToken.get(Number(part)) : undefined;
      if (instrument && isDerivative(instrument)) instruments.push(instrument);
      else unknown.push(part);
    }
    if (unknown.length > 0) return `Not the instrument_token of a future or option: ${unknown.slice(0, 20).join(', ')}.`;
    return instruments;
  }
  if (name === null || expiry === null) return 'Give `tokens=1,2,3`, or `name` and `expiry` (YYYY-MM-DD) for a whole chain.';
  const chain = universe.instruments.filter((i) => i.name === name && i.expiry === expiry && isDerivative(i));
  if (chain.length === 0) return `No futures or options of ${name} expire on ${expiry}.`;
  const rank = (i: SimInstrument) => (i.kind === 'future' ? 0 : 1);
  const side = (i: SimInstrument) => (i.instrument_type === 'PE' ? 1 : 0);
  return chain.sort((a, b) => rank(a) - rank(b) || a.strike - b.strike || side(a) - side(b));
}
