import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FnoOption, FnoStrikeRow } from '../../../contracts/fno-chain.ts';
import { maxPain, openInterestStats } from './open-interest.ts';

/** An option with only what these figures read set. */
const option = (oi: number | null, volume: number | null): FnoOption => ({
  instrument_token: 1,
  tradingsymbol: 'X',
  last_price: null,
  change: null,
  bid: null,
  ask: null,
  volume,
  oi,
  oi_change: null,
  iv: null,
  delta: null,
  gamma: null,
  theta: null,
  vega: null,
});

const side = fc.option(fc.record({ oi: fc.option(fc.integer({ min: 0, max: 20_000_000 })), volume: fc.option(fc.integer({ min: 0, max: 50_000_000 })) }), {
  freq: 5,
});

/** Chains of 1–80 strikes on an integer step, some sides missing, some OI and volume unknown. */
const chains = (step: fc.Arbitrary<number>) =>
  fc
    .tuple(fc.integer({ min: 1, max: 50_000 }), step, fc.array(fc.tuple(side, side), { minLength: 1, maxLength: 80 }))
    .map(([base, by, sides]): FnoStrikeRow[] =>
      sides.map(([call, put], i) => ({
        strike: base + by * i,
        CE: call ? option(call.oi, call.volume) : null,
        PE: put ? option(put.oi, put.volume) : null,
      })),
    );

/** What option holders are paid if the underlying settles at `settle`, summed the slow way. */
function payout(rows: FnoStrikeRow[], settle: number): number {
  let total = 0;
  for (const row of rows) {
    total += (row.CE?.oi ?? 0) * Math.max(0, settle - row.strike);
    total += (row.PE?.oi ?? 0) * Math.max(0, row.strike - settle);
  }
  return total;
}

function bruteMaxPain(rows: FnoStrikeRow[]): number | null {
  let best: number | null = null;
  let least = Infinity;
  for (const row of rows) {
    const pain = payout(rows, row.strike);
    if (pain < least) {
      least = pain;
      best = row.strike;
    }
  }
  return best;
}

const sum = (rows: FnoStrikeRow[], pick: (row: FnoStrikeRow) => number | null | undefined) => rows.reduce((total, row) => total + (pick(row) ?? 0), 0);

describe('openInterestStats', () => {
  it('max pain is the strike a brute-force sum over every strike picks, the lowest on a tie (integer strikes, exact)', () => {
    fc.assert(
      fc.property(chains(fc.integer({ min: 1, max: 500 })), (rows) => {
        expect(maxPain(rows)).toBe(bruteMaxPain(rows));
      }),
      { numRuns: 300 },
    );
  });

  it('max pain pays no more than any other listed strike would, on fractional strikes too', () => {
    fc.assert(
      fc.property(chains(fc.constantFrom(0.25, 2.5, 12.5)), (rows) => {
        const strike = maxPain(rows) as number;
        const least = payout(rows, strike);
        for (const row of rows) expect(least).toBeLessThanOrEqual(payout(rows, row.strike) * (1 + 1e-12));
      }),
      { numRuns: 200 },
    );
  });

  it('PCRs and totals are the brute-force sums and ratios, null without call OI or volume, max pain null without OI', () => {
    fc.assert(
      fc.property(chains(fc.integer({ min: 1, max: 500 })), (rows) => {
        const callOi = sum(rows, (r) => r.CE?.oi);
        const putOi = sum(rows, (r) => r.PE?.oi);
        const callVolume = sum(rows, (r) => r.CE?.volume);
        const putVolume = sum(rows, (r) => r.PE?.volume);
        const stats = openInterestStats(rows);
        expect(stats.total_call_oi).toBe(callOi);
        expect(stats.total_put_oi).toBe(putOi);
        expect(stats.pcr_oi).toBe(callOi > 0 ? Math.round((putOi / callOi) * 1e4) / 1e4 : null);
        expect(stats.pcr_volume).toBe(callVolume > 0 ? Math.round((putVolume / callVolume) * 1e4) / 1e4 : null);
        expect(stats.max_pain).toBe(callOi + putOi > 0 ? bruteMaxPain(rows) : null);
      }),
      { numRuns: 300 },
    );
  });

  it('on a hand-worked chain', () => {
    const rows: FnoStrikeRow[] = [
      { strike: 100, CE: option(10, 5), PE: option(0, 0) },
      { strike: 110, CE: option(20, 5), PE: option(30, 20) },
      { strike: 120, CE: option(0, 0), PE: option(40, 10) },
    ];
    // At 100: puts 30·10 + 40·20 = 1100. At 110: calls 10·10 = 100, puts 40·10 = 400 → 500. At 120: calls 10·20 + 20·10 = 400.
    expect(openInterestStats(rows)).toEqual({ total_call_oi: 30, total_put_oi: 70, pcr_oi: 2.3333, pcr_volume: 3, max_pain: 120 });
    expect(openInterestStats([])).toEqual({ total_call_oi: 0, total_put_oi: 0, pcr_oi: null, pcr_volume: null, max_pain: null });
  });
});
