import { describe, expect, it } from 'vitest';
import { INTERVAL_MAX_DAYS } from '../../../contracts/candles.ts';
import { isTradingDay } from '../../../contracts/trading-calendar.ts';
import { CHART_INTERVALS, type ChartInterval, historyRange } from './intervals.ts';

const ist = (text: string) => Date.parse(`${text}+05:30`);
function byId(id: ChartInterval['id']): ChartInterval {
  const interval = CHART_INTERVALS.find((candidate) => candidate.id === id);
  if (!interval) throw new Error(`no interval ${id}`);
  return interval;
}

describe('the chart’s history ranges', () => {
  it('opens 1m with the previous trading session and today’s, up to the end of the forming minute', () => {
    // A Monday: the Friday before.
    expect(historyRange(byId('1m'), ist('2026-12-07T10:20:30'))).toEqual({ from: '2026-12-04 00:00:00', to: '2026-12-07 10:21:30' });
    // A Sunday: Friday's session, then whatever today's ticks made.
    expect(historyRange(byId('1m'), ist('2026-12-06T12:00:00'))).toEqual({ from: '2026-12-04 00:00:00', to: '2026-12-06 12:01:00' });
    // After a holiday (Christmas, a Friday in 2026): the Thursday before it.
    expect(historyRange(byId('1m'), ist('2026-12-28T09:30:00')).from).toBe('2026-12-24 00:00:00');
  });

  it('starts every interval at midnight of a trading day, inside Kite’s longest range for it, on any day of the year', () => {
    for (let day = ist('2026-01-01T08:00:00'); day < ist('2027-01-01T00:00:00'); day += 86_400_000 + 3_600_000) {
      for (const interval of CHART_INTERVALS) {
        const { from, to } = historyRange(interval, day);
        expect(from.endsWith(' 00:00:00'), from).toBe(true);
        expect(isTradingDay(from.slice(0, 10)), `${interval.id} from ${from}`).toBe(true);
        const days = (Date.parse(`${to.replace(' ', 'T')}Z`) - Date.parse(`${from.replace(' ', 'T')}Z`)) / 86_400_000;
        expect(days, `${interval.id} at ${to}`).toBeLessThanOrEqual(INTERVAL_MAX_DAYS[interval.kite]);
      }
    }
  });
});
