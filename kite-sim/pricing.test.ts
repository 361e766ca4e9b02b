import { describe, expect, it } from 'vitest';
import { black76, DEFAULT_SMILE, forwardPrice, impliedVol, MIN_YEARS, normCdf, smileVol, yearsToExpiry } from './pricing.ts';

const STRIKES = [0.7, 0.85, 0.95, 0.99, 1, 1.01, 1.05, 1.15, 1.3].map((k) => 24_000 * k);
const YEARS = [2 / 365, 7 / 365, 30 / 365, 0.25, 1];
const VOLS = [0.08, 0.15, 0.35, 0.9];

describe('normCdf', () => {
  it('matches reference values to 1e-12', () => {
    const reference: [number, number][] = [
      [0, 0.5],
      [1, 0.8413447460685429],
      [-1.96, 0.024997895148220435],
      [3, 0.9986501019683699],
      [-5, 2.866515718791939e-7],
      [0.3, 0.6179114221889527],
    ];
    for (const [x, value] of reference) expect(Math.abs(normCdf(x) - value)).toBeLessThan(1e-12);
  });
});

describe('black76', () => {
  it('satisfies put–call parity, C − P = e^(−rT)(F − K), to 1e-9', () => {
    const forward = 24_000;
    for (const strike of STRIKES)
      for (const years of YEARS)
        for (const vol of VOLS) {
          const call = black76('CE', forward, strike, years, vol, 0.065);
          const put = black76('PE', forward, strike, years, vol, 0.065);
          expect(Math.abs(call - put - Math.exp(-0.065 * years) * (forward - strike))).toBeLessThan(1e-9);
        }
  });

  it('is the discounted intrinsic value with no volatility or time left', () => {
    expect(black76('CE', 110, 100, 0.5, 0, 0.05)).toBeCloseTo(10 * Math.exp(-0.025), 12);
    expect(black76('PE', 110, 100, 0, 0.2, 0.05)).toBe(0);
  });
});

describe('impliedVol', () => {
  it('inverts black76 across strikes, expiries and vols to 1e-6', () => {
    const forward = 24_000;
    let checked = 0;
    for (const kind of ['CE', 'PE'] as const)
      for (const strike of STRIKES)
        for (const years of YEARS)
          for (const vol of VOLS) {
            const price = black76(kind, forward, strike, years, vol, 0.065);
            // A time value of a millionth of a rupee carries no information about vol
            // (by parity, an option's time value is its out-of-the-money twin's premium).
            const twin = black76(kind === 'CE' ? 'PE' : 'CE', forward, strike, years, vol, 0.065);
            if (Math.min(price, twin) < 1e-6) continue;
            expect(Math.abs(impliedVol(kind, price, forward, strike, years, 0.065) - vol)).toBeLessThan(1e-6);
            checked++;
          }
    expect(checked).toBeGreaterThan(250);
  });

  it('is NaN for prices outside the no-arbitrage bounds', () => {
    const discount = Math.exp(-0.065 * 0.1);
    // Below the discounted intrinsic value.
    expect(impliedVol('CE', 900, 25_000, 24_000, 0.1, 0.065)).toBeNaN();
    expect(impliedVol('PE', discount * 1000 - 0.01, 23_000, 24_000, 0.1, 0.065)).toBeNaN();
    // At or above the discounted forward / strike.
    expect(impliedVol('CE', discount * 24_000, 24_000, 24_000, 0.1, 0.065)).toBeNaN();
    expect(impliedVol('PE', discount * 24_000 + 1, 24_000, 24_000, 0.1, 0.065)).toBeNaN();
    expect(impliedVol('CE', 0, 24_000, 24_000, 0.1, 0.065)).toBeNaN();
    expect(impliedVol('CE', -1, 24_000, 24_000, 0.1, 0.065)).toBeNaN();
  });
});

describe('smileVol', () => {
  const forward = 24_000;
  const years = 30 / 365;
  const atm = 0.13;
  // Strikes at standardized moneyness m = ln(K/F)/√T = ±x.
  const at = (m: number) => smileVol(atm, forward, forward * Math.exp(m * Math.sqrt(years)), years, DEFAULT_SMILE);

  it('is the ATM vol at the money', () => {
    expect(smileVol(atm, forward, forward, years, DEFAULT_SMILE)).toBeCloseTo(atm, 12);
  });

  it('is a smirk: OTM puts richer than ATM, OTM calls richer than ATM far out but cheaper than puts', () => {
    for (const m of [0.1, 0.2, 0.4, 0.8, 1.2]) expect(at(-m)).toBeGreaterThan(at(m));
    expect(at(-0.2)).toBeGreaterThan(atm);
    expect(at(0.8)).toBeGreaterThan(atm);
    // Near the money, calls dip below ATM, as index chains show.
    expect(at(0.2)).toBeLessThan(atm);
    // A monthly 5%-OTM put is a couple of vol points over ATM.
    expect(smileVol(atm, forward, forward * 0.95, years, DEFAULT_SMILE) - atm).toBeGreaterThan(0.015);
  });

  it('widens in strike for longer expiries (standardized moneyness)', () => {
    const strike = forward * 0.97;
    expect(smileVol(atm, forward, strike, 7 / 365, DEFAULT_SMILE)).toBeGreaterThan(smileVol(atm, forward, strike, 90 / 365, DEFAULT_SMILE));
  });

  it('never falls below 0.2 × ATM', () => {
    const steep = { skew: -2, curvature: 0 };
    expect(smileVol(atm, forward, forward * 2, years, steep)).toBeCloseTo(0.2 * atm, 12);
  });
});

describe('forwardPrice and yearsToExpiry', () => {
  it('carries spot at the rate', () => {
    expect(forwardPrice(100, 0.5, 0.08)).toBeCloseTo(100 * Math.exp(0.04), 12);
    expect(forwardPrice(100, 0.5, 0.08)).toBeGreaterThan(100);
  });

  it('counts 365-day years to 15:30 IST on the expiry date', () => {
    const close = Date.parse('2025-06-26T15:30:00+05:30');
    expect(yearsToExpiry('2025-06-26', close - 86_400_000)).toBeCloseTo(1 / 365, 12);
    expect(yearsToExpiry('2025-06-26', Date.parse('2025-06-26T09:15:00+05:30'))).toBeCloseTo(6.25 / 24 / 365, 12);
    expect(yearsToExpiry('2025-06-26', close - 120_000)).toBeCloseTo(2 / (365 * 1440), 12);
  });

  it('floors at one minute on and after the close, so expiry day still prices', () => {
    const close = Date.parse('2025-06-26T15:30:00+05:30');
    expect(yearsToExpiry('2025-06-26', close)).toBe(MIN_YEARS);
    expect(yearsToExpiry('2025-06-26', close - 30_000)).toBe(MIN_YEARS);
    expect(yearsToExpiry('2025-06-26', close + 3_600_000)).toBe(MIN_YEARS);
    expect(MIN_YEARS).toBeCloseTo(1 / (365 * 1440), 15);
    expect(black76('CE', 24_010, 24_000, MIN_YEARS, 0.13, 0.065)).toBeGreaterThan(10);
  });

  it('rejects malformed dates', () => {
    expect(() => yearsToExpiry('26-06-2025', 0)).toThrow(RangeError);
    expect(() => yearsToExpiry('', 0)).toThrow(RangeError);
  });
});
