import type { BackfillAsk } from '../../contracts/candle-backfill.ts';
import { type Candle, minuteStart } from '../../contracts/candles.ts';
import type { KiteExchange } from '../../contracts/kite-instrument.ts';
import { addDays, istDay, istMidnight, sessionBounds, tradingDaysBetween } from '../../contracts/trading-calendar.ts';
import { daysWithCandles, firstMinuteFrom, readFills } from '../../storage/candles.ts';
import type { Database } from '../../storage/database.ts';

/**
 * What of a historical request the platform has neither recorded nor
 * fetched yet, as backfill asks for the origin (contracts/candle-backfill.ts):
 *
 * - a past trading day's minutes, until `candle_fills` says the whole
 *   session was fetched (consecutive days go in one ask);
 * - today's minutes from the open (or from what was fetched) up to the
 *   first minute the platform recorded itself, or up to now when it has
 *   recorded none: what it records is never fetched over;
 * - day candles of past trading days that have none and were never fetched.
 */
export type FillPlan = BackfillAsk[];

export async function planFill(
  db: Database,
  request: { token: number; exchange: KiteExchange; interval: 'minute' | 'day'; from: number; to: number },
  now: number,
  /** The first minute the group holds unwritten (today's recording not yet in Postgres), if any. */
  firstUnwritten: number | undefined,
): Promise<FillPlan> {
  const { token, exchange } = request;
  const today = istDay(now);
  const to = Math.min(request.to, now);
  if (to < request.from) return [];
  const days = tradingDaysBetween(istDay(request.from), istDay(to));
  if (days.length === 0) return [];
  if (request.interval === 'day') {
    const past = days.filter((d) => d < today);
    if (past.length === 0) return [];
    const [held, fills] = await Promise.all([daysWithCandles(db, token, past[0] ?? today, past.at(-1) ?? today), readFills(db, token, past)]);
    const missing = past.filter((d) => !held.has(d) && !fills.get(d)?.day_filled);
    return runs(missing).map(([first, last]) => ({ token, exchange, interval: 'day', from: istMidnight(first), to: istMidnight(addDays(last, 1)) }));
  }
  const fills = await readFills(db, token, days);
  const asks: FillPlan = [];
  const missingPast = days.filter((d) => {
    if (d >= today) return false;
    const until = fills.get(d)?.minutes_until;
    return until == null || until < sessionBounds(d, exchange).closeMs;
  });
  for (const [first, last] of runs(missingPast)) {
    asks.push({ token, exchange, interval: 'minute', from: sessionBounds(first, exchange).openMs, to: sessionBounds(last, exchange).closeMs });
  }
  if (days.includes(today)) {
    const { openMs, closeMs } = sessionBounds(today, exchange);
    const gapStart = Math.max(fills.get(today)?.minutes_until ?? openMs, openMs);
    const nowMinute = Math.min(minuteStart(now), closeMs);
    if (nowMinute > gapStart) {
      const recorded = await firstMinuteFrom(db, token, gapStart, nowMinute);
      const firstRecorded = Math.min(recorded ?? nowMinute, firstUnwritten ?? nowMinute);
      if (firstRecorded > gapStart) asks.push({ token, exchange, interval: 'minute', from: gapStart, to: firstRecorded });
    }
  }
  return asks;
}

/** Days (sorted) grouped into runs of consecutive trading days: [first, last] each. */
function runs(days: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  const all = days.length === 0 ? [] : tradingDaysBetween(days[0] ?? '', days.at(-1) ?? '');
  const wanted = new Set(days);
  let start: string | undefined;
  let previous: string | undefined;
  for (const day of all) {
    if (wanted.has(day)) {
      start ??= day;
      previous = day;
    } else if (start !== undefined && previous !== undefined) {
      out.push([start, previous]);
      start = undefined;
    }
  }
  if (start !== undefined && previous !== undefined) out.push([start, previous]);
  return out;
}

/** The earliest unwritten minute of a group's answer (for `planFill`). */
export function firstMinuteOf(minutes: readonly Candle[]): number | undefined {
  return minutes[0]?.time;
}
