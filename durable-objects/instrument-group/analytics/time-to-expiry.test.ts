import { describe, expect, it } from 'vitest';
import { expiryCloseMs, YEAR_MS, yearsToExpiry } from './time-to-expiry.ts';

const ist = (text: string) => Date.parse(`${text}+05:30`);

describe('yearsToExpiry', () => {
  it('closes at 15:30 IST, 10:00 UTC, on the expiry day', () => {
    expect(expiryCloseMs('2026-01-27')).toBe(Date.parse('2026-01-27T10:00:00Z'));
    expect(new Date(expiryCloseMs('2026-12-29')).toISOString()).toBe('2026-12-29T10:00:00.000Z');
  });

  it('counts calendar days in years of 365, weekends and year ends included', () => {
    // Tuesday 09:15 IST to the next Tuesday's 15:30: seven days and 6¼ hours.
    expect(yearsToExpiry('2026-01-27', ist('2026-01-20T09:15:00'))).toBe((7 * 86_400_000 + 6.25 * 3_600_000) / YEAR_MS);
    // From a Saturday evening, across the weekend.
    expect(yearsToExpiry('2026-01-27', ist('2026-01-24T20:00:00'))).toBe((2 * 86_400_000 + 19.5 * 3_600_000) / YEAR_MS);
    // Across a year end.
    expect(yearsToExpiry('2027-01-05', ist('2026-12-29T15:30:00'))).toBe(7 / 365);
    // A leap day is a day like any other: 366 days from 2028-01-01 to 2029-01-01.
    expect(yearsToExpiry('2029-01-01', ist('2028-01-01T15:30:00'))).toBe(366 / 365);
  });

  it('on expiry day: positive before 15:30 IST, 0 at it, negative after', () => {
    expect(yearsToExpiry('2026-01-27', ist('2026-01-27T09:15:00'))).toBe((6.25 * 3_600_000) / YEAR_MS);
    expect(yearsToExpiry('2026-01-27', ist('2026-01-27T15:29:59'))).toBe(1000 / YEAR_MS);
    expect(yearsToExpiry('2026-01-27', ist('2026-01-27T15:30:00'))).toBe(0);
    expect(yearsToExpiry('2026-01-27', ist('2026-01-27T15:30:01'))).toBeLessThan(0);
    expect(yearsToExpiry('2026-01-27', ist('2026-01-28T09:15:00'))).toBeLessThan(0);
  });

  it('reads the IST day, not the UTC one: just after midnight IST is still the previous UTC day', () => {
    // 00:30 IST on the 27th is 19:00 UTC on the 26th: 15 hours to go.
    expect(yearsToExpiry('2026-01-27', ist('2026-01-27T00:30:00'))).toBe((15 * 3_600_000) / YEAR_MS);
  });

  it('refuses anything but a real YYYY-MM-DD', () => {
    for (const bad of ['2026-02-30', '27-01-2026', '2026-1-27', '', '2026-01-27T10:00:00Z']) {
      expect(() => yearsToExpiry(bad, 0)).toThrow(RangeError);
    }
  });
});
