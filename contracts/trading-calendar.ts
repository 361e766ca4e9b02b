import { DAY_MS, IST_OFFSET_MS } from './ist-clock.ts';
import type { KiteExchange } from './kite-instrument.ts';

/**
 * When Indian exchanges trade: Monday to Friday less the holidays below, in
 * each exchange's regular session (IST). One calendar for the whole
 * platform: the simulator's history, the candles' trading days and backfill,
 * the origin's `kite_market_open` gauges (and the feed alerts that rest on
 * them, ops/prometheus/feed.rules.yml). Special sessions (Diwali's Muhurat
 * hour, a Saturday mock session) are not in it.
 *
 * Holidays come from NSE's yearly circular ("Holidays", published each
 * December; nseindia.com/resources/exchange-communication-holidays). A year
 * missing here counts every weekday as a session, so on its holidays the
 * "no ticks" alerts fire and the backfill asks Kite for an empty day: add
 * the year's list when NSE publishes it.
 */
export const EXCHANGE_HOLIDAYS: ReadonlySet<string> = new Set([
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

/** A regular session in minutes after IST midnight, close exclusive: NSE's 09:15–15:30 is [555, 930). */
export type TradingSession = { open: number; close: number };

export const EQUITY_SESSION: TradingSession = { open: 9 * 60 + 15, close: 15 * 60 + 30 };
const CURRENCY_SESSION: TradingSession = { open: 9 * 60, close: 17 * 60 };
const COMMODITY_SESSION: TradingSession = { open: 9 * 60, close: 23 * 60 + 30 };

const SESSIONS: Record<KiteExchange, TradingSession> = {
  NSE: EQUITY_SESSION,
  BSE: EQUITY_SESSION,
  NFO: EQUITY_SESSION,
  BFO: EQUITY_SESSION,
  CDS: CURRENCY_SESSION,
  BCD: CURRENCY_SESSION,
  MCX: COMMODITY_SESSION,
};

export function tradingSession(exchange: KiteExchange): TradingSession {
  return SESSIONS[exchange];
}

/** The IST calendar day (YYYY-MM-DD) of an instant. */
export function istDay(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/** IST midnight of a YYYY-MM-DD day, as an instant. */
export function istMidnight(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - IST_OFFSET_MS;
}

export function isTradingDay(day: string): boolean {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !EXCHANGE_HOLIDAYS.has(day);
}

/** The day `days` calendar days after `day` (negative: before). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The trading days from `from` to `to`, both included, oldest first. */
export function tradingDaysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) if (isTradingDay(day)) days.push(day);
  return days;
}

/** The last trading day strictly before `day`. */
export function previousTradingDay(day: string): string {
  let previous = addDays(day, -1);
  while (!isTradingDay(previous)) previous = addDays(previous, -1);
  return previous;
}

/** A trading day's regular session of `exchange` as instants, close exclusive. */
export function sessionBounds(day: string, exchange: KiteExchange): { openMs: number; closeMs: number } {
  const session = tradingSession(exchange);
  const midnight = istMidnight(day);
  return { openMs: midnight + session.open * 60_000, closeMs: midnight + session.close * 60_000 };
}

/** Where `at` falls in `exchange`'s sessions: open or not, seconds since today's open, seconds to the next open. */
export type ExchangeSession = { open: boolean; secondsSinceOpen: number; secondsToNextOpen: number };

export function exchangeSession(at: number, exchange: KiteExchange = 'NSE'): ExchangeSession {
  const today = istDay(at);
  const { openMs, closeMs } = sessionBounds(today, exchange);
  if (isTradingDay(today) && at >= openMs && at < closeMs) return { open: true, secondsSinceOpen: (at - openMs) / 1000, secondsToNextOpen: 0 };
  let next = at < openMs ? today : addDays(today, 1);
  // Two weeks covers any run of weekends and holidays the exchanges have had.
  for (let tries = 0; !isTradingDay(next) && tries < 14; tries++) next = addDays(next, 1);
  return { open: false, secondsSinceOpen: 0, secondsToNextOpen: (sessionBounds(next, exchange).openMs - at) / 1000 };
}
