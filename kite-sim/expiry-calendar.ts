import { DAY_MS, IST_OFFSET_MS } from '../contracts/ist-clock.ts';

/**
 * The exchanges' expiry calendar as the simulator keeps it: days are whole
 * days since 1970-01-01 on the IST calendar; weekly, monthly, quarterly
 * expiries on a weekday, moved back off weekends (holidays are ignored).
 */

export const TUESDAY = 2;
export const THURSDAY = 4;
export const FRIDAY = 5;
export const MONTHS = 'JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC';
/** Kite's one-character month in weekly symbols: 1-9, then O, N, D. */
export const WEEKLY_MONTH_CODES = '123456789OND';

export function istDay(date: Date): number {
  return Math.floor((date.getTime() + IST_OFFSET_MS) / DAY_MS);
}

/** 0 = Sunday. Day 0 was a Thursday. */
export function weekday(day: number): number {
  return (day + 4) % 7;
}

export function firstOfMonth(year: number, month: number): number {
  return Date.UTC(year, month, 1) / DAY_MS;
}

export function lastWeekdayOfMonth(year: number, month: number, wanted: number): number {
  const last = firstOfMonth(year, month + 1) - 1;
  return last - ((weekday(last) - wanted + 7) % 7);
}

/** The day itself, or the Friday before when it falls on a weekend (holidays are ignored). */
export function onWeekday(day: number): number {
  const wd = weekday(day);
  return wd === 0 ? day - 2 : wd === 6 ? day - 1 : day;
}

export function weekdaysBefore(day: number, count: number): number {
  let result = day;
  for (let left = count; left > 0; ) {
    result -= 1;
    if (weekday(result) !== 0 && weekday(result) !== 6) left -= 1;
  }
  return result;
}

/** Weeks starting on Monday: two days share a trading week when these agree. */
export function tradingWeek(day: number): number {
  return Math.floor((day + 3) / 7);
}

/** The next `count` contract days on or after `from`, one per month, where `dayIn` names it (undefined: no contract that month). */
export function monthlySeries(from: number, count: number, dayIn: (year: number, month: number) => number | undefined): number[] {
  const start = new Date(from * DAY_MS);
  const days: number[] = [];
  for (let offset = 0; days.length < count && offset < 120; offset++) {
    const year = start.getUTCFullYear() + Math.floor((start.getUTCMonth() + offset) / 12);
    const month = (start.getUTCMonth() + offset) % 12;
    const day = dayIn(year, month);
    if (day !== undefined && day >= from) days.push(day);
  }
  return days;
}

export function weeklySeries(from: number, wanted: number, count: number): number[] {
  const first = from + ((wanted - weekday(from) + 7) % 7);
  return Array.from({ length: count }, (_, week) => first + 7 * week);
}

export type Expiry = { day: number; iso: string /** '25DEC' (monthly) or '25D09' (weekly) */; code: string };

export function expiry(day: number, monthly: boolean): Expiry {
  const date = new Date(day * DAY_MS);
  const year = String(date.getUTCFullYear() % 100).padStart(2, '0');
  const month = date.getUTCMonth();
  const code = monthly ? year + MONTHS.slice(month * 3, month * 3 + 3) : year + WEEKLY_MONTH_CODES.charAt(month) + String(date.getUTCDate()).padStart(2, '0');
  return { day, iso: date.toISOString().slice(0, 10), code };
}
