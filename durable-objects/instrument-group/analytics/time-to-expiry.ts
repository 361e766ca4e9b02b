import { isCalendarDay } from '../../../contracts/calendar-day.ts';
import { DAY_MS, IST_OFFSET_MS } from '../../../contracts/ist-clock.ts';

/**
 * Time to expiry, T: from `now` to the expiry day's close, 15:30 IST
 * (UTC+05:30, no daylight saving), in years of 365 days. Calendar days,
 * not trading days, because that is how NSE counts T for its own implied
 * volatilities and how traders read σ; weekends and holidays count as
 * days. T is 0 at 15:30 IST on the expiry day and negative after it:
 * the option has settled, and nothing that needs T > 0 (implied
 * volatility, Greeks) is computed.
 */
export const YEAR_MS = 365 * DAY_MS;
const CLOSE_MINUTE_IST = 15 * 60 + 30;

/** 15:30 IST on `expiry` ('YYYY-MM-DD'), in ms since the epoch. Throws RangeError for anything else. */
export function expiryCloseMs(expiry: string): number {
  if (!isCalendarDay(expiry)) throw new RangeError(`expiry must be a date YYYY-MM-DD, not ${JSON.stringify(expiry)}`);
  return Date.parse(`${expiry}T00:00:00Z`) + CLOSE_MINUTE_IST * 60_000 - IST_OFFSET_MS;
}

/** T in years of 365 days from `now` (ms since the epoch) to 15:30 IST on `expiry`; ≤ 0 from then on. */
export function yearsToExpiry(expiry: string, now: number): number {
  return (expiryCloseMs(expiry) - now) / YEAR_MS;
}
