import { normCdf, normPdf } from './normal.ts';

/**
 * Black-76: European options on a forward, discounted, the model NSE's
 * index and stock options are quoted in (they are European and settle on
 * the expiry's close, so the forward of the expiry is what they are written
 * on). Conventions, the same everywhere in these analytics and in
 * docs/fno.md:
 *
 * - `forward` F and `strike` K in rupees; `years` T in years of 365 days;
 *   `vol` σ per year of 365 days (0.13 for 13 %); `rate` r continuously
 *   compounded per year.
 * - price = e^(−rT)·(F·N(d1) − K·N(d2)) for a call, by parity for a put,
 *   with d1 = ln(F/K)/(σ√T) + σ√T/2 and d2 = d1 − σ√T.
 * - delta = ∂price/∂F: e^(−rT)·N(d1) for a call, −e^(−rT)·N(−d1) for a put.
 * - gamma = ∂²price/∂F² = e^(−rT)·n(d1)/(F·σ√T), the same for both.
 * - vega = ∂price/∂σ per vol point, i.e. for σ moving by 0.01:
 *   e^(−rT)·F·n(d1)·√T / 100, the same for both.
 * - theta = the change in price as one calendar day passes with F and σ
 *   held: −(∂price/∂T)/365 = (−e^(−rT)·F·n(d1)·σ/(2√T) + r·price)/365, in
 *   rupees a day, negative for a long option except where the discount
 *   accreting on a deep in-the-money price outweighs the time value's decay.
 *
 * F is held fixed in theta because it is the traded future of the expiry,
 * not spot carried forward: the carry is already in it.
 */
export type OptionKind = 'CE' | 'PE';

/** What `black76Greeks` fills in: the price and its sensitivities in the units above. */
export type Greeks = { price: number; delta: number; gamma: number; vega: number; theta: number };

const DAYS_PER_YEAR = 365;

/**
 * The undiscounted price of the out-of-the-money option at log-moneyness
 * x = −|ln(F/K)| ≤ 0 and total volatility s = σ√T, divided by √(FK):
 * b(x, s) = e^(x/2)·N(x/s + s/2) − e^(−x/2)·N(x/s − s/2). Every price here
 * is built from it (an in-the-money option is its intrinsic value plus
 * this, by parity), so prices, parity and the implied-volatility solver
 * rest on one function and agree to rounding.
 */
export function normalisedOtmPrice(x: number, s: number): number {
  const h = x / s;
  const t = 0.5 * s;
  return Math.exp(0.5 * x) * normCdf(h + t) - Math.exp(-0.5 * x) * normCdf(h - t);
}

/**
 * The discounted Black-76 premium. With no time or volatility left it is
 * the discounted intrinsic value.
 */
export function black76Price(kind: OptionKind, forward: number, strike: number, years: number, vol: number, rate: number): number {
  const discount = Math.exp(-rate * years);
  const intrinsic = kind === 'CE' ? Math.max(forward - strike, 0) : Math.max(strike - forward, 0);
  const s = vol * Math.sqrt(years);
  if (!(s > 0)) return discount * intrinsic;
  return discount * (intrinsic + Math.sqrt(forward * strike) * normalisedOtmPrice(-Math.abs(Math.log(forward / strike)), s));
}

/**
 * The premium and its Greeks, written into `out` (returned) so a chain of
 * hundreds of options allocates nothing per option for them. Needs
 * years > 0 and vol > 0: where either is not, every field is NaN.
 */
export function black76Greeks(kind: OptionKind, forward: number, strike: number, years: number, vol: number, rate: number, out: Greeks): Greeks {
  const sqrtT = Math.sqrt(years);
  const s = vol * sqrtT;
  if (!(s > 0 && s < Infinity)) {
    out.price = out.delta = out.gamma = out.vega = out.theta = NaN;
    return out;
  }
  const discount = Math.exp(-rate * years);
  const x = Math.log(forward / strike);
  const d1 = x / s + 0.5 * s;
  const density = normPdf(d1);
  const intrinsic = kind === 'CE' ? Math.max(forward - strike, 0) : Math.max(strike - forward, 0);
  const price = discount * (intrinsic + Math.sqrt(forward * strike) * normalisedOtmPrice(-Math.abs(x), s));
  out.price = price;
  out.delta = kind === 'CE' ? discount * normCdf(d1) : -discount * normCdf(-d1);
  out.gamma = (discount * density) / (forward * s);
  out.vega = (discount * forward * density * sqrtT) / 100;
  out.theta = ((-discount * forward * density * vol) / (2 * sqrtT) + rate * price) / DAYS_PER_YEAR;
  return out;
}
