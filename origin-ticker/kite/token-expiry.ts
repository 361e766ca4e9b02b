import { nextDailyIst } from '../../contracts/ist-clock.ts';

/**
 * When a Kite access token dies. Kite invalidates every token at 06:00 IST
 * the next morning (a regulatory requirement), whenever it was obtained: a
 * login at 05:59 lasts one minute, a login at 06:00 lasts a day. The time of
 * day is configurable (KITE_TOKEN_EXPIRY_IST) to match the simulator's
 * SIM_TOKEN_EXPIRY_IST in tests and demos.
 */
export const DEFAULT_TOKEN_EXPIRY_MINUTE_IST = 6 * 60;

/** The first instant strictly after `loginAt` at which the IST clock reads `expiryMinuteIst` (minutes after midnight). */
export function tokenExpiresAt(loginAt: Date, expiryMinuteIst: number = DEFAULT_TOKEN_EXPIRY_MINUTE_IST): Date {
  const from = loginAt.getTime();
  if (!Number.isFinite(from)) throw new RangeError('loginAt is not a valid date');
  if (!Number.isInteger(expiryMinuteIst) || expiryMinuteIst < 0 || expiryMinuteIst >= 24 * 60) {
    throw new RangeError(`expiryMinuteIst must be a whole minute of the day (0-1439), not ${expiryMinuteIst}`);
  }
  return new Date(nextDailyIst(from, expiryMinuteIst));
}

/** "HH:MM" (IST) to minutes after midnight, as KITE_TOKEN_EXPIRY_IST is written; undefined when it is not a time of day. */
export function parseIstTimeOfDay(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}
