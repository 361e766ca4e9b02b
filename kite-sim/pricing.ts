/**
 * Option pricing for the Kite simulator: Black-76 on the forward, its
 * inverse (implied volatility), and the volatility smile that makes a
 * simulated option chain look like a traded one. Pure functions, no state.
 *
 * Indian F&O options are European and settle on the expiry's close, so
 * Black-76 on the forward of the expiry, discounted at `rate`, is the
 * textbook price; all times are in years of 365 days, as the NSE's own
 * implied-volatility figures count them.
 */
export type OptionKind = 'CE' | 'PE';

/** A quadratic smile in standardized moneyness; see `smileVol`. */
export type Smile = { skew: number; curvature: number };

/**
 * An equity-index smirk, as NIFTY and BANKNIFTY chains usually show it:
 * for a monthly with ATM at 13%, the 5%-OTM put (m ≈ -0.18) prices near
 * 15.5% and the 5%-OTM call (m ≈ +0.18) near 11.8%; OTM calls only turn
 * back above ATM far out (m > -skew/curvature ≈ 0.53, about 15% OTM on a
 * monthly, 6% on a weekly). The minimum of the curve (0.89 × ATM) stays
 * well clear of the 0.2 × ATM floor.
 */
export const DEFAULT_SMILE: Smile = Object.freeze({ skew: -0.8, curvature: 1.5 });

/** Years are 365-day years; this many milliseconds. */
export const YEAR_MS = 365 * 86_400_000;

/**
 * The shortest time to expiry the market prices with: one minute, so an
 * option on expiry day (or a minute past the close) still has a price and
 * an implied volatility rather than a division by zero.
 */
export const MIN_YEARS = 60_000 / YEAR_MS;

/** Where `impliedVol` searches; prices outside what these vols produce have no implied vol. */
const VOL_MIN = 0.001;
const VOL_MAX = 5;

const INV_SQRT_2PI = 0.3989422804014327;

/**
 * Standard normal CDF, Hart's double-precision rational approximation
 * (as given by G. West, "Better approximations to cumulative normal
 * functions", 2005): absolute error below 1e-14, well past the 1e-7
 * needed to invert premiums quoted to the paisa. Computing the tail for
 * |x| and reflecting keeps N(x) + N(-x) = 1 exactly, which is what makes
 * put–call parity hold to rounding error.
 */
export function normCdf(x: number): number {
  const a = Math.abs(x);
  let tail: number;
  if (a > 37) {
    tail = 0;
  } else if (a < 7.07106781186547) {
    let num = 3.52624965998911e-2 * a + 0.700383064443688;
    num = num * a + 6.37396220353165;
    num = num * a + 33.912866078383;
    num = num * a + 112.079291497871;
    num = num * a + 221.213596169931;
    num = num * a + 220.206867912376;
    let den = 8.83883476483184e-2 * a + 1.75566716318264;
    den = den * a + 16.064177579207;
    den = den * a + 86.7807322029461;
    den = den * a + 296.564248779674;
    den = den * a + 637.333633378831;
    den = den * a + 793.826512519948;
    den = den * a + 440.413735824752;
    tail = (Math.exp(-0.5 * a * a) * num) / den;
  } else {
    // Continued fraction for the far tail.
    let b = a + 0.65;
    b = a + 4 / b;
    b = a + 3 / b;
    b = a + 2 / b;
    b = a + 1 / b;
    tail = Math.exp(-0.5 * a * a) / b / 2.506628274631;
  }
  return x > 0 ? 1 - tail : tail;
}

/**
 * Black-76: the discounted premium of a European option on a forward.
 * With no time or no volatility left it is the discounted intrinsic value.
 */
export function black76(kind: OptionKind, forward: number, strike: number, years: number, vol: number, rate: number): number {
  const discount = Math.exp(-rate * years);
  const sd = vol * Math.sqrt(years);
  if (!(sd > 0)) {
    return discount * Math.max(kind === 'CE' ? forward - strike : strike - forward, 0);
  }
  const d1 = Math.log(forward / strike) / sd + 0.5 * sd;
  const d2 = d1 - sd;
  return kind === 'CE' ? discount * (forward * normCdf(d1) - strike * normCdf(d2)) : discount * (strike * normCdf(-d2) - forward * normCdf(-d1));
}

/**
 * The volatility that makes `black76` return `price`: Newton's method kept
 * inside a shrinking bisection bracket on [0.001, 5], so it converges from
 * any start, including deep in- or out-of-the-money where vega vanishes.
 *
 * NaN when no volatility explains the price: at or below the discounted
 * intrinsic value, at or above the discounted forward (call) or strike
 * (put), or outside what vols in [0.001, 5] produce.
 */
export function impliedVol(kind: OptionKind, price: number, forward: number, strike: number, years: number, rate: number): number {
  if (!(price > 0 && forward > 0 && strike > 0 && years > 0)) return NaN;
  const discount = Math.exp(-rate * years);
  const intrinsic = discount * Math.max(kind === 'CE' ? forward - strike : strike - forward, 0);
  const ceiling = discount * (kind === 'CE' ? forward : strike);
  if (price <= intrinsic || price >= ceiling) return NaN;

  let lo = VOL_MIN;
  let hi = VOL_MAX;
  if (price < black76(kind, forward, strike, years, lo, rate) || price > black76(kind, forward, strike, years, hi, rate)) return NaN;

  const sqrtT = Math.sqrt(years);
  const logMoneyness = Math.log(forward / strike);
  // Brenner–Subrahmanyam's at-the-money estimate as a start.
  let vol = Math.min(Math.max((Math.sqrt((2 * Math.PI) / years) * price) / (discount * forward), lo), hi);
  for (let i = 0; i < 200; i++) {
    const diff = black76(kind, forward, strike, years, vol, rate) - price;
    if (diff === 0) return vol;
    if (diff > 0) hi = vol;
    else lo = vol;
    const sd = vol * sqrtT;
    const d1 = logMoneyness / sd + 0.5 * sd;
    const vega = discount * forward * INV_SQRT_2PI * Math.exp(-0.5 * d1 * d1) * sqrtT;
    let next = vol - diff / vega;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - vol) < 1e-13 || hi - lo < 1e-13) return next;
    vol = next;
  }
  return vol;
}

/**
 * The implied volatility the market quotes at `strike`: a quadratic in
 * standardized moneyness m = ln(K/F) / √T (T floored at one day, so the
 * last hours of a weekly do not blow the wings up without bound),
 *
 *   vol = atmVol · (1 + skew·m + curvature·m²),   floored at 0.2 · atmVol.
 *
 * Dividing by √T makes one set of parameters fit weeklies and quarterlies
 * alike: a strike 2% away is far out for a weekly, near the money for a
 * quarterly. A negative skew prices OTM puts richer than OTM calls.
 */
export function smileVol(atmVol: number, forward: number, strike: number, years: number, smile: Smile): number {
  const m = Math.log(strike / forward) / Math.sqrt(Math.max(years, 1 / 365));
  return atmVol * Math.max(1 + smile.skew * m + smile.curvature * m * m, 0.2);
}

/** The fair futures price: spot carried at `rate` to expiry (futures trade at a basis to spot). */
export function forwardPrice(spot: number, years: number, rate: number): number {
  return spot * Math.exp(rate * years);
}

/** The instant an expiry date's session closes, 15:30 IST (10:00 UTC), in Unix milliseconds. */
export function expiryCloseMs(expiry: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expiry);
  if (!match) throw new RangeError(`expiry must be YYYY-MM-DD, not '${expiry}'`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 10, 0);
}

/** Years from `nowMs` to `closeMs`, floored at MIN_YEARS. */
export function yearsUntil(closeMs: number, nowMs: number): number {
  return Math.max((closeMs - nowMs) / YEAR_MS, MIN_YEARS);
}

/** Years (of 365 days) from `nowMs` to 15:30 IST on `expiry`, floored at one minute so expiry day still prices. */
export function yearsToExpiry(expiry: string, nowMs: number): number {
  return yearsUntil(expiryCloseMs(expiry), nowMs);
}
