/**
 * India Standard Time, which Kite's day runs on (token expiry at 06:00,
 * the dump's refresh in the morning, sessions 09:15-15:30): UTC+05:30, no
 * daylight saving, so plain arithmetic is exact.
 */
export const IST_OFFSET_MS = 330 * 60_000;
export const DAY_MS = 86_400_000;

/** The first time strictly after `from` at which the IST clock shows `minuteOfDay` (06:00 → 360). */
export function nextDailyIst(from: number, minuteOfDay: number): number {
  const istMidnight = Math.floor((from + IST_OFFSET_MS) / DAY_MS) * DAY_MS - IST_OFFSET_MS;
  const today = istMidnight + minuteOfDay * 60_000;
  return today > from ? today : today + DAY_MS;
}

/** "YYYY-MM-DD HH:MM:SS" in IST, the way Kite writes times. */
export function istTimestamp(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}
