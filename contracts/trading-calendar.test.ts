import { describe, expect, it } from 'vitest';
import { exchangeSession, isTradingDay, sessionBounds, tradingDaysBetween } from './trading-calendar.ts';

const ist = (local: string) => Date.parse(`${local}+05:30`);

describe('exchangeSession (NSE)', () => {
  it('is open from 09:15 to 15:30 IST on a trading day, counting seconds since the open', () => {
    expect(exchangeSession(ist('2026-12-07T09:14:59'))).toEqual({ open: false, secondsSinceOpen: 0, secondsToNextOpen: 1 });
    expect(exchangeSession(ist('2026-12-07T09:15:00'))).toEqual({ open: true, secondsSinceOpen: 0, secondsToNextOpen: 0 });
    expect(exchangeSession(ist('2026-12-07T09:15:30'))).toEqual({ open: true, secondsSinceOpen: 30, secondsToNextOpen: 0 });
    expect(exchangeSession(ist('2026-12-07T15:29:59')).open).toBe(true);
    expect(exchangeSession(ist('2026-12-07T15:30:00')).open).toBe(false);
  });

  it('counts the time to the next open across the night, the weekend and a holiday', () => {
    // Monday evening → Tuesday 09:15.
    expect(exchangeSession(ist('2026-12-07T15:30:00')).secondsToNextOpen).toBe(17.75 * 3600);
    // Friday evening → Monday 09:15.
    expect(exchangeSession(ist('2026-12-04T16:00:00')).secondsToNextOpen).toBe((2 * 24 + 17.25) * 3600);
    // Thursday 2026-12-24 after the close → Christmas (Friday) and the weekend are shut → Monday 2026-12-28.
    expect(exchangeSession(ist('2026-12-24T15:30:00')).secondsToNextOpen).toBe((3 * 24 + 17.75) * 3600);
    // Early morning (UTC is still the day before): today's open, not tomorrow's.
    expect(exchangeSession(ist('2026-12-08T02:00:00')).secondsToNextOpen).toBe(7.25 * 3600);
  });

  it('keeps the market shut all day on weekends and exchange holidays', () => {
    expect(exchangeSession(ist('2026-12-05T11:00:00')).open).toBe(false); // Saturday
    expect(exchangeSession(ist('2026-12-06T11:00:00')).open).toBe(false); // Sunday
    expect(exchangeSession(ist('2026-12-25T11:00:00')).open).toBe(false); // Christmas, a Friday
    expect(exchangeSession(ist('2026-01-26T11:00:00')).open).toBe(false); // Republic Day
  });
});

describe('trading days and sessions', () => {
  it('takes weekdays off the holiday list', () => {
    expect(isTradingDay('2026-11-10')).toBe(false); // Diwali Balipratipada
    expect(isTradingDay('2026-11-11')).toBe(true);
    expect(isTradingDay('2025-10-21')).toBe(false); // Diwali Laxmi Pujan
    expect(tradingDaysBetween('2026-12-04', '2026-12-08')).toEqual(['2026-12-04', '2026-12-07', '2026-12-08']);
  });

  it('gives each exchange its own hours: MCX into the night, currencies from 09:00', () => {
    expect(exchangeSession(ist('2026-12-07T22:00:00'), 'MCX').open).toBe(true);
    expect(exchangeSession(ist('2026-12-07T09:05:00'), 'CDS').open).toBe(true);
    expect(exchangeSession(ist('2026-12-07T09:05:00'), 'NSE').open).toBe(false);
    expect(sessionBounds('2026-12-07', 'NSE')).toEqual({ openMs: ist('2026-12-07T09:15:00'), closeMs: ist('2026-12-07T15:30:00') });
  });
});
