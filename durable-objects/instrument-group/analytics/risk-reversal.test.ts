import { describe, expect, it } from 'vitest';
import { strikeLadder, syntheticChain } from '../../../test/synthetic-chain.ts';
import { computeChain } from './chain.ts';
import { normCdf } from './normal.ts';
import { riskReversal25 } from './risk-reversal.ts';
import { yearsToExpiry } from './time-to-expiry.ts';

const arrays = (...values: number[][]) => values.map((v) => Float64Array.from(v)) as [Float64Array, Float64Array, Float64Array, Float64Array];

describe('riskReversal25', () => {
  it('interpolates each side’s IV linearly in delta between the strikes that bracket ±0.25', () => {
    const [callDelta, callIv, putDelta, putIv] = arrays(
      [0.9, 0.6, 0.4, 0.3, 0.2, 0.1],
      [9, 10, 11, 12, 13, 14],
      [-0.01, -0.05, -0.1, -0.2, -0.3, -0.5],
      [22, 20, 18, 16, 15, 14],
    );
    // Call: halfway between 0.3 (12) and 0.2 (13); put: halfway between −0.2 (16) and −0.3 (15).
    expect(riskReversal25(callDelta, callIv, putDelta, putIv)).toBe(12.5 - 15.5);
  });

  it('skips strikes without an IV and is null where a side is not bracketed', () => {
    const [callDelta, callIv, putDelta, putIv] = arrays([0.6, 0.3, NaN, 0.2], [10, 12, NaN, 13], [-0.1, -0.2, -0.26, -0.3], [18, 16, NaN, 15]);
    expect(riskReversal25(callDelta, callIv, putDelta, putIv)).toBeCloseTo(12.5 - 15.5, 12);
    const narrow = arrays([0.5, 0.4], [10, 11], [-0.5, -0.6], [14, 13]);
    expect(riskReversal25(...narrow)).toBeNull();
    expect(riskReversal25(...arrays([], [], [], []))).toBeNull();
  });

  it('on a chain priced on a known smile, is the smile’s own 25-delta risk reversal to within 0.02 vol points', () => {
    const now = Date.parse('2026-01-05T10:00:00+05:30');
    const expiry = '2026-01-27';
    const smile = (strike: number, forward: number) => 0.14 - 0.6 * Math.log(strike / forward) + 2 * Math.log(strike / forward) ** 2;
    const chain = computeChain(syntheticChain({ expiry, now, spot: 24_000, strikes: strikeLadder(24_000, 50, 121), vol: smile }));
    const years = yearsToExpiry(expiry, now);
    const forward = chain.forward as number;
    // The strike whose forward call delta N(d1) under the smile is `target`, by bisection (it falls as the strike rises).
    const strikeAt = (target: number, low: number, high: number) => {
      for (let i = 0; i < 100; i++) {
        const mid = (low + high) / 2;
        const sd = smile(mid, forward) * Math.sqrt(years);
        if (normCdf(Math.log(forward / mid) / sd + sd / 2) > target) low = mid;
        else high = mid;
      }
      return low;
    };
    const call = smile(strikeAt(0.25, forward, 2 * forward), forward);
    const put = smile(strikeAt(0.75, forward / 2, forward), forward);
    const want = 100 * (call - put);
    expect(want).toBeLessThan(-1);
    expect(Math.abs((chain.risk_reversal_25d as number) - want)).toBeLessThanOrEqual(0.02);
  });
});
