import { describe, expect, it } from 'vitest';
import { black76 as simBlack76 } from '../../../kite-sim/pricing.ts';
import { black76Greeks, black76Price, type Greeks, type OptionKind } from './black76.ts';

const F = 24_000;
const STRIKES = [0.8, 0.9, 0.97, 1, 1.03, 1.1, 1.25].map((m) => F * m);
const YEARS = [1, 7, 30, 180, 730].map((days) => days / 365);
const VOLS = [0.08, 0.2, 0.5, 1.2];
const RATES = [0.065, 0];
const KINDS: OptionKind[] = ['CE', 'PE'];

function* grid() {
  for (const kind of KINDS)
    for (const strike of STRIKES) for (const years of YEARS) for (const vol of VOLS) for (const rate of RATES) yield { kind, strike, years, vol, rate };
}

const greeks = (kind: OptionKind, forward: number, strike: number, years: number, vol: number, rate: number): Greeks =>
  black76Greeks(kind, forward, strike, years, vol, rate, { price: 0, delta: 0, gamma: 0, vega: 0, theta: 0 });

describe('black76Price', () => {
  it('matches 50-digit references (mpmath) to 1e-12 relative, deep out of the money and one day out included', () => {
    const cases: [OptionKind, number, number, number, number, number, number][] = [
      ['CE', 24_000, 25_000, 7 / 365, 0.13, 0.065, 1.7728606377859208],
      ['PE', 24_000, 25_000, 7 / 365, 0.13, 0.065, 1000.5270619476104],
      ['CE', 24_000, 30_000, 30 / 365, 0.2, 0.065, 0.01757025576842047],
      ['PE', 24_000, 12_000, 1, 0.5, 0.065, 293.9246956536159],
      ['CE', 24_000, 23_000, 1 / 365, 0.9, 0.065, 1110.2397284862634],
      ['CE', 83.5, 84.25, 0.05, 0.04, 0.07, 0.06231489935917508],
      ['PE', 24_000, 24_000, 2, 1.5, 0.1, 13973.879699923003],
    ];
    for (const [kind, forward, strike, years, vol, rate, want] of cases) {
      const got = black76Price(kind, forward, strike, years, vol, rate);
      expect({ kind, strike, error: Math.abs(got - want) / want < 1e-12 }).toEqual({ kind, strike, error: true });
    }
  });

  it('agrees with the simulator’s own Black-76 (another normal CDF) to 1e-9 of the forward', () => {
    for (const { kind, strike, years, vol, rate } of grid()) {
      expect(Math.abs(black76Price(kind, F, strike, years, vol, rate) - simBlack76(kind, F, strike, years, vol, rate))).toBeLessThan(1e-9 * F);
    }
  });

  it('satisfies put-call parity, C − P = e^(−rT)(F − K), to rounding', () => {
    for (const { strike, years, vol, rate } of grid()) {
      const call = black76Price('CE', F, strike, years, vol, rate);
      const put = black76Price('PE', F, strike, years, vol, rate);
      expect(Math.abs(call - put - Math.exp(-rate * years) * (F - strike))).toBeLessThan(1e-11 * F);
    }
  });

  it('is the discounted intrinsic value with no volatility or no time left', () => {
    expect(black76Price('CE', 110, 100, 0.5, 0, 0.05)).toBe(10 * Math.exp(-0.025));
    expect(black76Price('PE', 110, 100, 0.5, 0, 0.05)).toBe(0);
    expect(black76Price('PE', 90, 100, 0, 0.2, 0.05)).toBe(10);
    expect(black76Price('CE', 90, 100, -0.001, 0.2, 0.05)).toBe(0);
  });
});

describe('black76Greeks', () => {
  it('gives the same price as black76Price', () => {
    for (const { kind, strike, years, vol, rate } of grid()) {
      expect(greeks(kind, F, strike, years, vol, rate).price).toBe(black76Price(kind, F, strike, years, vol, rate));
    }
  });

  it('has delta and gamma equal to central differences in F', () => {
    for (const { kind, strike, years, vol, rate } of grid()) {
      const g = greeks(kind, F, strike, years, vol, rate);
      // Steps in proportion to the distribution's width, F·σ√T: small enough for the curvature, large enough for rounding.
      const width = F * vol * Math.sqrt(years);
      const h = width * 1e-3;
      const up = black76Price(kind, F + h, strike, years, vol, rate);
      const mid = black76Price(kind, F, strike, years, vol, rate);
      const down = black76Price(kind, F - h, strike, years, vol, rate);
      expect(Math.abs((up - down) / (2 * h) - g.delta)).toBeLessThan(1e-6);
      // A second difference is noisier: a wider step, a looser bound.
      const H = width * 1e-2;
      const second = (black76Price(kind, F + H, strike, years, vol, rate) - 2 * mid + black76Price(kind, F - H, strike, years, vol, rate)) / (H * H);
      expect(Math.abs(second - g.gamma)).toBeLessThan(1e-3 * g.gamma + 1e-8);
    }
  });

  it('has vega per vol point equal to the price change for σ ± 0.001 %, per point', () => {
    for (const { kind, strike, years, vol, rate } of grid()) {
      const g = greeks(kind, F, strike, years, vol, rate);
      const h = 1e-5;
      const central = ((black76Price(kind, F, strike, years, vol + h, rate) - black76Price(kind, F, strike, years, vol - h, rate)) / (2 * h)) * 0.01;
      expect(Math.abs(central - g.vega)).toBeLessThan(1e-6 * (1 + g.vega));
    }
  });

  it('has theta per calendar day equal to −∂price/∂T / 365, and to a one-day central difference on longer expiries', () => {
    for (const { kind, strike, years, vol, rate } of grid()) {
      const g = greeks(kind, F, strike, years, vol, rate);
      const h = years * 1e-5;
      const central = -(black76Price(kind, F, strike, years + h, vol, rate) - black76Price(kind, F, strike, years - h, vol, rate)) / (2 * h) / 365;
      expect(Math.abs(central - g.theta)).toBeLessThan(1e-6 * (1 + Math.abs(g.theta)));
      if (years >= 30 / 365) {
        const day = 1 / 365;
        const oneDay = (black76Price(kind, F, strike, years - day, vol, rate) - black76Price(kind, F, strike, years + day, vol, rate)) / 2;
        expect(Math.abs(oneDay - g.theta)).toBeLessThan(0.02 * Math.abs(g.theta) + 1e-6);
      }
    }
  });

  it('signs: call delta in [0, 1], put delta in [−1, 0], gamma and vega ≥ 0, theta negative at the money', () => {
    for (const { kind, strike, years, vol, rate } of grid()) {
      const g = greeks(kind, F, strike, years, vol, rate);
      if (kind === 'CE') expect(g.delta >= 0 && g.delta <= 1).toBe(true);
      else expect(g.delta >= -1 && g.delta <= 0).toBe(true);
      expect(g.gamma).toBeGreaterThanOrEqual(0);
      expect(g.vega).toBeGreaterThanOrEqual(0);
      // At the money theta is D·n(0)·σ·F·(r·√T − 1/(2√T))/365: negative while 2rT < 1. Deep in the money on a long
      // expiry it turns positive, the discount accreting on the premium outgrowing the time value's decay.
      if (strike === F) expect(g.theta).toBeLessThan(0);
    }
  });

  it('is all NaN where there is no time or no volatility', () => {
    expect(greeks('CE', F, F, 0, 0.2, 0.065)).toEqual({ price: NaN, delta: NaN, gamma: NaN, vega: NaN, theta: NaN });
    expect(greeks('PE', F, F, 0.1, 0, 0.065).delta).toBeNaN();
  });
});
