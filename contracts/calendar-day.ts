/**
 * A `YYYY-MM-DD` that Postgres takes as a date. Date.parse is laxer on
 * both counts that matter: it rolls 2026-02-30 over into March, and it
 * reads 0000-01-01, but the calendar has no year 0 (1 BC is followed by
 * AD 1) and Postgres refuses it. Used wherever a day from outside reaches
 * a `date` column or cast: the instruments API's dates and cursors, the
 * instrument dump's expiries.
 */
export function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || text.startsWith('0000')) return false;
  const day = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text);
}
