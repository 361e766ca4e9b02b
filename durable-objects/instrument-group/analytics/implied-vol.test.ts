import { describe, expect, it } from 'vitest';
import { black76Price, type OptionKind } from './black76.ts';
import { impliedVol, type SolverStats } from './implied-vol.ts';

const F = 24_000;
const RATE = 0.065;
const MONEYNESS = [0.5, 0.6, 0.75, 0.9, 0.95, 0.99, 1, 1.01, 1.05, 1.1, 1.25, 1.5, 2];
const DAYS = [1, 2, 7, 30, 90, 365, 730];
const VOLS = [0.05, 0.1, 0.2, 0.35, 0.6, 1, 1.5];

type Case = { kind: OptionKind; strike: number; years: number; vol: number; price: number; timeValue: number };

/** Every option of the grid with its price and its time value (price − discounted intrinsic, what carries the vol). */
function* grid(): Generator<Case> {
  for (const kind of ['CE', 'PE'] as const)
    for (const m of MONEYNESS)
      for (const days of DAYS)
        for (const vol of VOLS) {
          const strike = F * m;
          const years = days / 365;
          const price = black76Price(kind, F, strike, years, vol, RATE);
          const intrinsic = Math.exp(-RATE * years) * Math.max(kind === 'CE' ? F - strike : strike - F, 0);
          yield { kind, strike, years, vol, price, timeValue: price - intrinsic };
        }
}

describe('impliedVol', () => {
  it('round-trips price → IV → price to 1e-8 relative or 1e-6 absolute across strikes 0.5F–2F, 1 day–2 years, σ 5–150 %', () => {
    let solved = 0;
    for (const c of grid()) {
      // A time value below 1e-12 of the premium is lost in the premium's own rounding: no vol can be read from it.
      if (!(c.price > 0) || c.timeValue <= 1e-12 * c.price) continue;
      const iv = impliedVol(c.kind, c.price, F, c.strike, c.years, RATE);
      expect({ ...c, solved: iv !== null }).toEqual({ ...c, solved: true });
      const back = black76Price(c.kind, F, c.strike, c.years, iv as number, RATE);
      const error = Math.abs(back - c.price);
      expect({ ...c, iv, roundTrip: error <= 1e-8 * c.price || error <= 1e-6 }).toEqual({ ...c, iv, roundTrip: true });
      solved++;
    }
    expect(solved).toBeGreaterThan(1000);
  });

  it('recovers σ itself to 1e-7 wherever the time value is worth a thousandth of a paisa', () => {
    let checked = 0;
    for (const c of grid()) {
      if (c.timeValue < 1e-5) continue;
      const iv = impliedVol(c.kind, c.price, F, c.strike, c.years, RATE) as number;
      expect({ ...c, error: Math.abs(iv - c.vol) < 1e-7 }).toEqual({ ...c, error: true });
      checked++;
    }
    expect(checked).toBeGreaterThan(900);
  });

  it('converges in a few evaluations: under 5 on average over the grid, never more than 12', () => {
    const total: SolverStats = { solves: 0, evaluations: 0 };
    let worst = 0;
    for (const c of grid()) {
      if (!(c.price > 0) || c.timeValue <= 1e-12 * c.price) continue;
      const one: SolverStats = { solves: 0, evaluations: 0 };
      impliedVol(c.kind, c.price, F, c.strike, c.years, RATE, one);
      total.solves += one.solves;
      total.evaluations += one.evaluations;
      worst = Math.max(worst, one.evaluations);
    }
    expect(total.evaluations / total.solves).toBeLessThan(5);
    expect(worst).toBeLessThanOrEqual(12);
  });

  it('takes the option one day before expiry, deep in and out of the money', () => {
    const years = 1 / 365;
    for (const [kind, strike, vol] of [
      ['CE', 23_000, 0.3],
      ['PE', 25_000, 0.3],
      ['CE', 25_000, 0.3],
      ['PE', 23_000, 0.3],
      ['CE', 24_050, 0.11],
    ] as const) {
      const price = black76Price(kind, F, strike, years, vol, RATE);
      expect(impliedVol(kind, price, F, strike, years, RATE)).toBeCloseTo(vol, 9);
    }
  });

  it('is null at or below the discounted intrinsic value, at or above the discounted forward (call) or strike (put), and for T ≤ 0 or a bad price', () => {
    const years = 0.1;
    const discount = Math.exp(-RATE * years);
    expect(impliedVol('CE', discount * 1000, 25_000, 24_000, years, RATE)).toBeNull(); // exactly intrinsic
    expect(impliedVol('CE', discount * 1000 - 0.05, 25_000, 24_000, years, RATE)).toBeNull();
    expect(impliedVol('PE', discount * 1000 - 0.01, 23_000, 24_000, years, RATE)).toBeNull();
    expect(impliedVol('CE', discount * 24_000, 24_000, 24_000, years, RATE)).toBeNull();
    expect(impliedVol('CE', discount * 24_000 + 1, 24_000, 25_000, years, RATE)).toBeNull();
    expect(impliedVol('PE', discount * 25_000, 24_000, 25_000, years, RATE)).toBeNull();
    for (const price of [0, -1, NaN, Infinity]) expect(impliedVol('CE', price, 24_000, 24_000, years, RATE)).toBeNull();
    expect(impliedVol('CE', 100, 24_000, 24_000, 0, RATE)).toBeNull();
    expect(impliedVol('CE', 100, 24_000, 24_000, -1 / 365, RATE)).toBeNull();
    expect(impliedVol('CE', 100, 0, 24_000, years, RATE)).toBeNull();
    expect(impliedVol('CE', 100, 24_000, NaN, years, RATE)).toBeNull();
    expect(impliedVol('CE', 100, 24_000, 24_000, years, NaN)).toBeNull();
  });

  it('reads a price a paisa above intrinsic as a low vol, and one just under the ceiling as a very high one', () => {
    const years = 30 / 365;
    const discount = Math.exp(-RATE * years);
    const low = impliedVol('CE', discount * 1000 + 0.01, 25_000, 24_000, years, RATE);
    expect(low).not.toBeNull();
    expect(low as number).toBeLessThan(0.05);
    const high = impliedVol('PE', discount * 24_000 * 0.999, 24_000, 24_000, years, RATE);
    expect(high as number).toBeGreaterThan(10);
  });
});
