import { normalisedOtmPrice, type OptionKind } from './black76.ts';

/**
 * Black-76 implied volatility from a discounted premium (conventions in
 * black76.ts): the σ per year of 365 days at which `black76Price` gives
 * `price`, or null where no σ does.
 *
 * The solve runs on the out-of-the-money twin (an in-the-money premium
 * minus its intrinsic value is, by parity, the twin's premium), normalised
 * by √(FK), for the total volatility s = σ√T. That price b(s) is S-shaped
 * in s with its inflection at s_c = √(2|x|), x = ln(F/K): convex below,
 * concave above. Below s_c it falls off like e^(−x²/2s²), so there the
 * solve runs on ln b, which is nearly linear in 1/s²; above, on b itself.
 * Halley steps (b's first two derivatives in s are closed forms) from a
 * starting guess that fits each branch (the far-tail asymptote below,
 * Corrado–Miller near the money), kept inside a bracket that every
 * evaluation narrows, with bisection when a step would leave it: about
 * five evaluations of the price an option on a typical chain (one of them
 * to tell the branch), never more than MAX_ITERATIONS + 1.
 */

/** Counters the solver adds to (solves, and evaluations of the price), for tests and the bench. */
export type SolverStats = { solves: number; evaluations: number };

const MAX_ITERATIONS = 40;
/** |relative price error| below which the solve stops: far inside what a premium quoted to the paisa tells. */
const PRICE_TOLERANCE = 1e-14;
const STEP_TOLERANCE = 1e-14;
const INV_SQRT_2PI = 0.3989422804014327;
const LN_SQRT_2PI = 0.9189385332046728;
const SQRT_2PI = 2.5066282746310002;

/**
 * null where: the price is not positive and finite; T ≤ 0; F or K is not
 * positive and finite; the price is at or below the discounted intrinsic
 * value, e^(−rT)·max(F − K, 0) for a call, e^(−rT)·max(K − F, 0) for a
 * put; or at or above the no-arbitrage ceiling, e^(−rT)·F for a call,
 * e^(−rT)·K for a put.
 */
export function impliedVol(kind: OptionKind, price: number, forward: number, strike: number, years: number, rate: number, stats?: SolverStats): number | null {
  if (!(price > 0 && price < Infinity && forward > 0 && forward < Infinity && strike > 0 && strike < Infinity && years > 0 && years < Infinity)) return null;
  if (!Number.isFinite(rate)) return null;
  const discount = Math.exp(-rate * years);
  const intrinsic = kind === 'CE' ? Math.max(forward - strike, 0) : Math.max(strike - forward, 0);
  const ceiling = kind === 'CE' ? forward : strike;
  // Judged on the discounted price as given, so a price equal to e^(−rT)·bound is refused however the division rounds.
  if (!(price > discount * intrinsic && price < discount * ceiling)) return null;
  const s = totalVol((price / discount - intrinsic) / Math.sqrt(forward * strike), -Math.abs(Math.log(forward / strike)), stats);
  return s === null ? null : s / Math.sqrt(years);
}

/** The s > 0 with b(x, s) = beta, for x ≤ 0 and 0 < beta < e^(x/2); null if the solve does not close. */
function totalVol(beta: number, x: number, stats: SolverStats | undefined): number | null {
  // The bounds were checked on the premium; rounding in the normalisation can still land on them.
  if (!(beta > 0 && beta < Math.exp(0.5 * x))) return null;
  const inflection = Math.sqrt(-2 * x);
  const lower = x < 0 && beta < normalisedOtmPrice(x, inflection);
  let lo = lower ? 0 : inflection;
  let hi = lower ? inflection : Infinity;
  const guess = lower ? lowerGuess(beta, x, inflection) : corradoMiller(beta, x);
  let s = lower || guess > inflection ? guess : inflection;
  const logBeta = Math.log(beta);
  if (stats) {
    stats.solves++;
    if (x < 0) stats.evaluations++;
  }
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    if (stats) stats.evaluations++;
    const b = normalisedOtmPrice(x, s);
    if (lower && !(b > 0)) {
      // Underflow: far too small a guess.
      lo = s;
      s = 0.5 * (lo + hi);
      continue;
    }
    const vega = INV_SQRT_2PI * Math.exp(-0.5 * ((x * x) / (s * s) + 0.25 * s * s));
    const volga = vega * ((x * x) / (s * s * s) - 0.25 * s);
    let f: number;
    let f1: number;
    let f2: number;
    if (lower) {
      f = Math.log(b) - logBeta;
      f1 = vega / b;
      f2 = volga / b - f1 * f1;
    } else {
      f = b - beta;
      f1 = vega;
      f2 = volga;
    }
    if (f > 0) hi = s;
    else if (f < 0) lo = s;
    else return s;
    if (Math.abs(lower ? f : f / beta) < PRICE_TOLERANCE) return s;
    const newton = -f / f1;
    const damping = 1 + (0.5 * newton * f2) / f1;
    let next = s + (damping > 0.5 && damping < Infinity ? newton / damping : newton);
    if (!(next > lo && next < hi)) next = hi < Infinity ? 0.5 * (lo + hi) : 2 * s;
    if (Math.abs(next - s) <= STEP_TOLERANCE * next) return next;
    s = next;
  }
  return hi - lo <= 1e-10 * hi ? s : null;
}

/**
 * Below the inflection: the far-tail asymptote b ≈ n(x/s)·s³/x² solved for
 * s by two fixed-point passes, or Corrado–Miller where that is the closer
 * (near the inflection, where the asymptote no longer holds).
 */
function lowerGuess(beta: number, x: number, inflection: number): number {
  const logBeta = Math.log(beta);
  const logX2 = Math.log(x * x);
  let s = -x / Math.sqrt(-2 * logBeta);
  for (let k = 0; k < 2; k++) {
    const r = 2 * (3 * Math.log(s) - logX2 - LN_SQRT_2PI - logBeta);
    if (r > 0) s = -x / Math.sqrt(r);
  }
  if (!(s > 0 && s < inflection)) s = 0.5 * inflection;
  const cm = corradoMiller(beta, x);
  return cm > s && cm < inflection ? cm : s;
}

/**
 * Corrado and Miller's (1996) closed-form estimate, in normalised terms:
 * s ≈ √(2π)/(2cosh(x/2))·(a + √(a² − 4sinh²(x/2)/π)), a = beta − sinh(x/2);
 * NaN where the square root's argument is negative (far from the money).
 */
function corradoMiller(beta: number, x: number): number {
  const sinh = Math.sinh(0.5 * x);
  const a = beta - sinh;
  const discriminant = a * a - (4 * sinh * sinh) / Math.PI;
  if (!(discriminant >= 0)) return NaN;
  return (SQRT_2PI / (2 * Math.cosh(0.5 * x))) * (a + Math.sqrt(discriminant));
}
