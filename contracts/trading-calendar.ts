import { DAY_MS, IST_OFFSET_MS } from './ist-clock.ts';
import type { KiteExchange } from './kite-instrument.ts';

/**
 * When Indian exchanges trade: Monday to Friday less the holidays below, in
 * each exchange's regular session (IST). One calendar for the whole
 * platform: the simulator's history, the candles' trading days and backfill,
 * the origin's `kite_market_open`. The holiday list is the exchanges'
 * published trading holidays that fall on weekdays; an operator adds the
 * next year's when the exchanges publish it (docs/candles.md).
 */
export const EXCHANGE_HOLIDAYS: ReadonlySet<string> = new Set([
  '2025-12-25',
  '2026-01-26',
  '2026-03-03',
  '2026-03-26',
  '2026-03-31',
  '2026-04-03',
  '2026-04-14',
  '2026-05-01',
  '2026-05-28',
  '2026-06-26',
  '2026-09-14',
  '2026-10-02',
  '2026-10-20',
  '2026-11-10',
  '2026-11-24',
  '2026-12-25',
  '2027-01-26',
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

/** Whether `exchange`'s regular session is open at `ms`. */
export function marketOpenAt(ms: number, exchange: KiteExchange = 'NSE'): boolean {
  const day = istDay(ms);
  if (!isTradingDay(day)) return false;
  const { openMs, closeMs } = sessionBounds(day, exchange);
  return ms >= openMs && ms < closeMs;
}
