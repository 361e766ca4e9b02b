import type { CandleInterval } from '@kite-edge/client';
import { istTimestamp } from '../../../contracts/ist-clock.ts';
import { istDay, istMidnight, previousTradingDay } from '../../../contracts/trading-calendar.ts';

/**
 * The chart's intervals, each with Kite's name for it (the historical API
 * and `subscribe_candles` take the same) and how much history it opens
 * with: whole trading days, enough for a few hundred candles and well
 * inside Kite's longest range per request (docs/candles.md), so that a
 * first look at an instrument costs the backfill one Kite call.
 */
export type ChartInterval = {
  id: '1m' | '5m' | '15m' | '1h' | '1D';
  /** For screen readers and titles. */
  spoken: string;
  kite: CandleInterval;
  /** Trading days of history before today's. */
  pastSessions: number;
};

export const CHART_INTERVALS: readonly ChartInterval[] = [
  { id: '1m', spoken: '1 minute', kite: 'minute', pastSessions: 1 },
  { id: '5m', spoken: '5 minutes', kite: '5minute', pastSessions: 5 },
  { id: '15m', spoken: '15 minutes', kite: '15minute', pastSessions: 15 },
  { id: '1h', spoken: '1 hour', kite: '60minute', pastSessions: 40 },
  { id: '1D', spoken: '1 day', kite: 'day', pastSessions: 250 },
];

export const DEFAULT_INTERVAL: ChartInterval = CHART_INTERVALS[0] as ChartInterval;

/** The history a chart at `interval` asks for at `now`: from midnight of its first past session to the end of the forming minute, in Kite's IST form. */
export function historyRange(interval: ChartInterval, now: number): { from: string; to: string } {
  let first = istDay(now);
  for (let n = 0; n < interval.pastSessions; n++) first = previousTradingDay(first);
  return { from: istTimestamp(istMidnight(first)), to: istTimestamp(now + 60_000) };
}
