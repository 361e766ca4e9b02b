import { describe, expect, it } from 'vitest';
import { black76Price } from './black76.ts';
import { estimateForward, type ParityRow } from './forward.ts';

const RATE = 0.065;
const YEARS = 20 / 365;
const TRUE_FORWARD = 24_137.5;

/** A ladder of strikes priced exactly on TRUE_FORWARD; `missing` strikes lose their put's price. */
function ladder(missing: number[] = []): ParityRow[] {
  return Array.from({ length: 21 }, (_, i) => {
    const strike = 23_500 + 50 * i;
    return {
      strike,
      CE: { last_price: black76Price('CE', TRUE_FORWARD, strike, YEARS, 0.14, RATE) },
      PE: missing.includes(strike) ? { last_price: null } : { last_price: black76Price('PE', TRUE_FORWARD, strike, YEARS, 0.14, RATE) },
    };
  });
}

describe('estimateForward', () => {
  it('takes the future’s last price when it has traded', () => {
    expect(estimateForward(24_150.05, 24_000, ladder(), YEARS, RATE)).toEqual({ forward: 24_150.05, source: 'future' });
  });

  it('without a trade in the future, reads put-call parity at the strikes nearest the money', () => {
    for (const future of [null, 0]) {
      const estimate = estimateForward(future, 24_000, ladder(), YEARS, RATE);
      expect(estimate?.source).toBe('parity');
      expect(Math.abs((estimate?.forward ?? 0) - TRUE_FORWARD)).toBeLessThan(1e-8);
    }
  });

  it('averages K + e^(rT)(C − P) over the three pairs of smallest |C − P|, ignoring pairs further out', () => {
    const rows: ParityRow[] = [
      { strike: 23_000, CE: { last_price: 1200 }, PE: { last_price: 10 } }, // far: implies 24,197.xx, must be left out
      { strike: 24_000, CE: { last_price: 150 }, PE: { last_price: 100 } },
      { strike: 24_100, CE: { last_price: 110 }, PE: { last_price: 120 } },
      { strike: 24_200, CE: { last_price: 70 }, PE: { last_price: 140 } },
      { strike: 24_300, CE: { last_price: 40 }, PE: null },
    ];
    const growth = Math.exp(RATE * YEARS);
    // Summed nearest first, as the estimate does, so the comparison can be exact.
    const want = (24_100 + growth * -10 + (24_000 + growth * 50) + (24_200 + growth * -70)) / 3;
    expect(estimateForward(null, null, rows, YEARS, RATE)).toEqual({ forward: want, source: 'parity' });
  });

  it('uses one or two pairs when that is all there is', () => {
    const one: ParityRow[] = [
      { strike: 24_000, CE: { last_price: 150 }, PE: { last_price: 100 } },
      { strike: 24_100, CE: { last_price: 110 }, PE: { last_price: 0 } },
    ];
    expect(estimateForward(null, null, one, YEARS, RATE)?.forward).toBe(24_000 + Math.exp(RATE * YEARS) * 50);
    const two = ladder().filter((row) => row.strike === 24_100 || row.strike === 24_150);
    expect(Math.abs((estimateForward(null, null, two, YEARS, RATE)?.forward ?? 0) - TRUE_FORWARD)).toBeLessThan(1e-8);
  });

  it('falls back to spot carried at the rate, then to nothing', () => {
    const noPairs = ladder(ladder().map((row) => row.strike));
    expect(estimateForward(null, 24_000, noPairs, YEARS, RATE)).toEqual({ forward: 24_000 * Math.exp(RATE * YEARS), source: 'carry' });
    expect(estimateForward(null, 24_000, [], YEARS, RATE)?.source).toBe('carry');
    expect(estimateForward(null, null, noPairs, YEARS, RATE)).toBeNull();
    expect(estimateForward(0, 0, [], YEARS, RATE)).toBeNull();
    expect(estimateForward(NaN, Infinity, [], YEARS, RATE)).toBeNull();
  });

  it('after the expiry’s close carries and discounts nothing', () => {
    expect(estimateForward(null, 24_000, [], -1 / 365, RATE)).toEqual({ forward: 24_000, source: 'carry' });
    const rows: ParityRow[] = [{ strike: 24_000, CE: { last_price: 150 }, PE: { last_price: 100 } }];
    expect(estimateForward(null, null, rows, -1 / 365, RATE)?.forward).toBe(24_050);
  });
});
