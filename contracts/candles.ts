import { z } from 'zod';
import { IST_OFFSET_MS } from './ist-clock.ts';
import type { KiteExchange } from './kite-instrument.ts';
import { istDay, istMidnight, tradingSession } from './trading-calendar.ts';

/**
 * Candles (docs/candles.md): minute candles built from ticks in each
 * instrument group, day candles beside them, and the intervals Kite's
 * historical API serves, each aggregated from minutes and aligned from the
 * exchange's open (09:15 IST for NSE) as Kite aligns them.
 */
export const CANDLE_INTERVALS = ['minute', '3minute', '5minute', '10minute', '15minute', '30minute', '60minute', 'day'] as const;
export const CandleInterval = z.enum(CANDLE_INTERVALS, { error: `interval must be one of ${CANDLE_INTERVALS.join(', ')}` });
export type CandleInterval = z.infer<typeof CandleInterval>;

/** Minutes per intraday interval. */
export const INTERVAL_MINUTES: Record<Exclude<CandleInterval, 'day'>, number> = {
  minute: 1,
  '3minute': 3,
  '5minute': 5,
  '10minute': 10,
  '15minute': 15,
  '30minute': 30,
  '60minute': 60,
};

/** Kite's longest range per request, in days, per interval. */
export const INTERVAL_MAX_DAYS: Record<CandleInterval, number> = {
  minute: 60,
  '3minute': 100,
  '5minute': 100,
  '10minute': 100,
  '15minute': 200,
  '30minute': 200,
  '60minute': 400,
  day: 2000,
};

/** One candle; `time` is the start of its interval (ms since the epoch). */
export type Candle = { time: number; open: number; high: number; low: number; close: number; volume: number; oi: number };

export const CandleShape = z.object({
  time: z.number().int(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number().nonnegative(),
  oi: z.number().nonnegative(),
});

/** The start of the minute holding `ms`: IST is UTC+05:30, so IST minutes are UTC minutes. */
export function minuteStart(ms: number): number {
  return ms - (((ms % 60_000) + 60_000) % 60_000);
}

/**
 * The start of the `interval` bucket holding minute `minuteMs` on `exchange`:
 * intraday buckets count from the session's open (09:15, 09:18, … for
 * 3minute on NSE), a day bucket is the IST day's midnight.
 */
export function bucketStart(minuteMs: number, interval: CandleInterval, exchange: KiteExchange): number {
  const midnight = istMidnight(istDay(minuteMs));
  if (interval === 'day') return midnight;
  const size = INTERVAL_MINUTES[interval] * 60_000;
  const open = midnight + tradingSession(exchange).open * 60_000;
  return open + Math.floor((minuteMs - open) / size) * size;
}

/** Where the bucket starting at `startMs` ends (exclusive). */
export function bucketEnd(startMs: number, interval: CandleInterval): number {
  return interval === 'day' ? startMs + 86_400_000 : startMs + INTERVAL_MINUTES[interval] * 60_000;
}

/** Folds minute candles (oldest first) into one: first open, extreme high and low, last close and OI, summed volume. */
export function mergeCandles(time: number, minutes: readonly Candle[]): Candle | undefined {
  const first = minutes[0];
  const last = minutes[minutes.length - 1];
  if (!first || !last) return undefined;
  let high = first.high;
  let low = first.low;
  let volume = 0;
  for (const m of minutes) {
    if (m.high > high) high = m.high;
    if (m.low < low) low = m.low;
    volume += m.volume;
  }
  return { time, open: first.open, high, low, close: last.close, volume, oi: last.oi };
}

/** Kite's candle time: "2026-12-04T09:15:00+0530". */
export function kiteCandleTime(ms: number): string {
  return `${new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 19)}+0530`;
}

/** A candle as Kite's historical API writes it: [time, open, high, low, close, volume(, oi)]. */
export type KiteCandleRow = [string, number, number, number, number, number] | [string, number, number, number, number, number, number];

export function kiteCandleRow(candle: Candle, withOi: boolean): KiteCandleRow {
  const row: KiteCandleRow = [kiteCandleTime(candle.time), candle.open, candle.high, candle.low, candle.close, candle.volume];
  if (withOi) row.push(candle.oi);
  return row;
}

/** A row of Kite's historical API read back (an absent OI reads 0). */
export function candleOfKiteRow([time, open, high, low, close, volume, oi]: readonly [string, number, number, number, number, number, ...number[]]): Candle {
  return { time: parseKiteCandleTime(time), open, high, low, close, volume, oi: oi ?? 0 };
}

/** Reads "2026-12-04T09:15:00+0530" (Kite's candle time) back to ms. */
export function parseKiteCandleTime(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\+0530$/.exec(text);
  if (!match) throw new RangeError(`candle time ${JSON.stringify(text)} is not Kite's YYYY-MM-DDTHH:MM:SS+0530`);
  return Date.parse(`${match[1]}Z`) - IST_OFFSET_MS;
}

/**
 * Candles as the arrays of a Postgres `unnest(…)` insert, one per column:
 * time (ms), open, high, low, close, volume, oi (whole numbers, as the
 * bigint columns take them). The groups' writes and the origin's backfill
 * insert with it.
 */
export function candleColumns(candles: readonly Candle[]): [number[], number[], number[], number[], number[], number[], number[]] {
  return [
    candles.map((c) => c.time),
    candles.map((c) => c.open),
    candles.map((c) => c.high),
    candles.map((c) => c.low),
    candles.map((c) => c.close),
    candles.map((c) => Math.round(c.volume)),
    candles.map((c) => Math.round(c.oi)),
  ];
}
