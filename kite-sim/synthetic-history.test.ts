import { beforeAll, describe, expect, it } from 'vitest';
import { tradingDaysBetween } from '../contracts/trading-calendar.ts';
import { Market } from './market.ts';
import { SyntheticHistory } from './synthetic-history.ts';
import { buildUniverse } from './universe.ts';
import type { SimInstrument, Universe } from './universe-types.ts';

/** The simulator's past without a server: its determinism and its cost. */
const START = Date.parse('2026-12-07T09:15:00+05:30');
const ist = (text: string) => Date.parse(`${text}+05:30`);
let universe: Universe;
let future: SimInstrument;

beforeAll(() => {
  universe = buildUniverse({ seed: 1, today: new Date(START) });
  const found = universe.instruments.find((i) => i.kind === 'future' && i.underlying === 'NIFTY');
  if (!found) throw new Error('no NIFTY future in the universe');
  future = found;
});

const history = (seed: number) =>
  new SyntheticHistory({ seed, underlyings: universe.underlyings, basis: new Market(universe, { seed, startMs: START }), liveDay: '2026-12-07' });

describe('SyntheticHistory', () => {
  it('is the same for the same seed and differs for another', () => {
    const from = ist('2026-11-30T00:00:00');
    const to = ist('2026-12-04T23:59:59');
    const once = history(1).minutes(future, from, to);
    expect(once).toHaveLength(5 * 375);
    expect(history(1).minutes(future, from, to)).toEqual(once);
    const other = history(2).minutes(future, from, to);
    expect(other).toHaveLength(once.length);
    expect(other.map((c) => c.close)).not.toEqual(once.map((c) => c.close));
  });

  it('generates 60 days of minutes in well under 50 ms', () => {
    const past = history(1);
    const from = ist('2026-10-08T00:00:00');
    const to = ist('2026-12-06T23:59:59');
    // The best of a few runs: the cost of the work, not of a machine busy with other tests.
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 10; run++) {
      const started = performance.now();
      const minutes = past.minutes(future, from, to);
      best = Math.min(best, performance.now() - started);
      expect(minutes.length).toBe(tradingDaysBetween('2026-10-08', '2026-12-04').length * 375);
    }
    expect(best).toBeLessThan(50);
  });
});
