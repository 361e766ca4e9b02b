import { DAY_MS, IST_OFFSET_MS } from './ist-clock.ts';

/**
 * NSE's regular equity session, 09:15–15:30 IST on weekdays that are not
 * exchange holidays: what the origin's `kite_market_open` gauges and the
 * feed alerts (ops/prometheus/feed.rules.yml) rest on. Special sessions
 * (Diwali's Muhurat hour, a Saturday mock session) are not in it.
 *
 * Holidays come from NSE's yearly circular ("Holidays", published each
 * December; nseindia.com/resources/exchange-communication-holidays). A year
 * missing here counts every weekday as a session, so on its holidays the
 * "no ticks" alerts fire: add the year's list when NSE publishes it.
 */
export const NSE_OPEN_MINUTE = 9 * 60 + 15;
export const NSE_CLOSE_MINUTE = 15 * 60 + 30;

const NSE_HOLIDAYS: ReadonlySet<string> = new Set([
  // 2025
  '2025-02-26', // Mahashivratri
  '2025-03-14', // Holi
  '2025-03-31', // Id-ul-Fitr
  '2025-04-10', // Shri Mahavir Jayanti
  '2025-04-14', // Dr. Baba Saheb Ambedkar Jayanti
  '2025-04-18', // Good Friday
  '2025-05-01', // Maharashtra Day
  '2025-08-15', // Independence Day
  '2025-08-27', // Ganesh Chaturthi
  '2025-10-02', // Mahatma Gandhi Jayanti / Dussehra
  '2025-10-21', // Diwali Laxmi Pujan
  '2025-10-22', // Diwali Balipratipada
  '2025-11-05', // Prakash Gurpurb Sri Guru Nanak Dev
  '2025-12-25', // Christmas
  // 2026
  '2026-01-15', // Municipal elections in Maharashtra
  '2026-01-26', // Republic Day
  '2026-03-03', // Holi
  '2026-03-26', // Shri Ram Navami
  '2026-03-31', // Shri Mahavir Jayanti
  '2026-04-03', // Good Friday
  '2026-04-14', // Dr. Baba Saheb Ambedkar Jayanti
  '2026-05-01', // Maharashtra Day
  '2026-05-28', // Bakri Id
  '2026-06-26', // Muharram
  '2026-09-14', // Ganesh Chaturthi
  '2026-10-02', // Mahatma Gandhi Jayanti
  '2026-10-20', // Dussehra
  '2026-11-10', // Diwali Balipratipada
  '2026-11-24', // Prakash Gurpurb Sri Guru Nanak Dev
  '2026-12-25', // Christmas
]);

/** Whether `day` (whole days since 1970-01-01 on the IST calendar) has a regular session. */
export function isNseTradingDay(day: number): boolean {
  const weekday = (day + 4) % 7; // day 0 was a Thursday
  return weekday !== 0 && weekday !== 6 && !NSE_HOLIDAYS.has(new Date(day * DAY_MS).toISOString().slice(0, 10));
}

export type NseSession = {
  open: boolean;
  /** Seconds since today's open while the session runs, else 0. */
  secondsSinceOpen: number;
  /** Seconds until the next session opens, 0 while one runs. */
  secondsToNextOpen: number;
};

/** Where `at` (epoch milliseconds) falls in NSE's sessions. */
export function nseSession(at: number): NseSession {
  const day = Math.floor((at + IST_OFFSET_MS) / DAY_MS);
  const openOf = (d: number) => d * DAY_MS - IST_OFFSET_MS + NSE_OPEN_MINUTE * 60_000;
  const todayOpen = openOf(day);
  const todayClose = day * DAY_MS - IST_OFFSET_MS + NSE_CLOSE_MINUTE * 60_000;
  if (isNseTradingDay(day) && at >= todayOpen && at < todayClose) return { open: true, secondsSinceOpen: (at - todayOpen) / 1000, secondsToNextOpen: 0 };
  let next = at < todayOpen ? day : day + 1;
  // Two weeks covers any run of weekends and holidays NSE has had.
  while (!isNseTradingDay(next) && next - day < 14) next += 1;
  return { open: false, secondsSinceOpen: 0, secondsToNextOpen: (openOf(next) - at) / 1000 };
}
