import { describe, expect, it } from 'vitest';
import { istTimestamp } from '../../contracts/ist-clock.ts';
import { DEFAULT_TOKEN_EXPIRY_MINUTE_IST, parseIstTimeOfDay, tokenExpiresAt } from './token-expiry.ts';

/** An IST wall-clock time as an instant (IST is UTC+05:30 all year). */
const ist = (text: string) => new Date(`${text}+05:30`);
const expires = (login: string, minute?: number) => tokenExpiresAt(ist(login), minute).toISOString();

describe('tokenExpiresAt', () => {
  it('is 06:00 IST the same morning for a login before 06:00', () => {
    expect(DEFAULT_TOKEN_EXPIRY_MINUTE_IST).toBe(360);
    expect(expires('2026-11-23T05:59:59.999')).toBe('2026-11-23T00:30:00.000Z');
    expect(expires('2026-11-23T00:00:00.000')).toBe('2026-11-23T00:30:00.000Z');
    expect(expires('2026-11-23T04:30:00.000')).toBe('2026-11-23T00:30:00.000Z'); // 23:00 UTC the day before
  });

  it('is 06:00 IST the next morning for a login at or after 06:00', () => {
    expect(expires('2026-11-23T06:00:00.000')).toBe('2026-11-24T00:30:00.000Z');
    expect(expires('2026-11-23T06:00:00.001')).toBe('2026-11-24T00:30:00.000Z');
    expect(expires('2026-11-23T09:15:00.000')).toBe('2026-11-24T00:30:00.000Z');
    expect(expires('2026-11-23T23:59:59.999')).toBe('2026-11-24T00:30:00.000Z');
  });

  it('crosses months and years on the IST calendar, not the UTC one', () => {
    expect(expires('2026-12-31T18:00:00')).toBe('2027-01-01T00:30:00.000Z');
    expect(expires('2027-01-01T05:00:00')).toBe('2027-01-01T00:30:00.000Z'); // 2026-12-31T23:30Z
    expect(expires('2028-02-28T07:00:00')).toBe('2028-02-29T00:30:00.000Z');
  });

  it('follows a configured time of day', () => {
    expect(expires('2026-11-23T15:29:00', 15 * 60 + 30)).toBe('2026-11-23T10:00:00.000Z');
    expect(expires('2026-11-23T15:30:00', 15 * 60 + 30)).toBe('2026-11-24T10:00:00.000Z');
    expect(expires('2026-11-23T23:59:00', 0)).toBe('2026-11-23T18:30:00.000Z');
    expect(expires('2026-11-24T00:00:00', 0)).toBe('2026-11-24T18:30:00.000Z');
  });

  it('is always within the next day and shows the expiry time on the IST clock', () => {
    let login = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 2000; i++) {
      login += 7 * 60_000 + 13_001; // walks through every time of day
      const minute = (i * 37) % 1440;
      const at = tokenExpiresAt(new Date(login), minute).getTime();
      expect(at).toBeGreaterThan(login);
      expect(at - login).toBeLessThanOrEqual(86_400_000);
      const clock = istTimestamp(at).slice(11, 16);
      expect(clock).toBe(`${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`);
    }
  });

  it('refuses a minute outside the day and an invalid date', () => {
    expect(() => tokenExpiresAt(new Date(), 1440)).toThrow(/0-1439/);
    expect(() => tokenExpiresAt(new Date(), -1)).toThrow(RangeError);
    expect(() => tokenExpiresAt(new Date(), 6.5)).toThrow(RangeError);
    expect(() => tokenExpiresAt(new Date('not a date'))).toThrow(/not a valid date/);
  });
});

describe('parseIstTimeOfDay', () => {
  it('reads HH:MM and nothing else', () => {
    expect(parseIstTimeOfDay('06:00')).toBe(360);
    expect(parseIstTimeOfDay('00:00')).toBe(0);
    expect(parseIstTimeOfDay('23:59')).toBe(1439);
    for (const bad of ['6:00', '24:00', '06:60', '06:00:00', '', 'six']) expect(parseIstTimeOfDay(bad)).toBeUndefined();
  });
});
