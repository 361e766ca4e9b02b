import { isCalendarDay } from '../../contracts/calendar-day.ts';
import { CANDLE_INTERVALS, type CandleInterval, INTERVAL_MAX_DAYS } from '../../contracts/candles.ts';
import { IST_OFFSET_MS } from '../../contracts/ist-clock.ts';

/**
 * The historical API's request, read the way Kite reads it: the token and
 * interval in the path, `from` and `to` as IST `YYYY-MM-DD HH:MM:SS` (or a
 * bare `YYYY-MM-DD`: midnight for `from`, the day's end for `to`), both
 * inclusive, `continuous` and `oi` as 0 or 1. The official clients also
 * repeat `instrument_token` and `interval` in the query: taken when they
 * agree with the path. Every problem is a HistoryInputError, answered in
 * Kite's envelope as an InputException.
 */
export type HistoryRequest = { token: number; interval: CandleInterval; from: number; to: number; continuous: boolean; oi: boolean };

export class HistoryInputError extends Error {
  override name = 'HistoryInputError';
}

const KNOWN = new Set(['from', 'to', 'continuous', 'oi', 'instrument_token', 'interval']);

export function parseHistoryQuery(tokenText: string, intervalText: string, params: URLSearchParams): HistoryRequest {
  if (!/^\d{1,10}$/.test(tokenText) || Number(tokenText) < 1 || Number(tokenText) > 0xffffffff) {
    throw new HistoryInputError(`invalid token: ${JSON.stringify(tokenText.slice(0, 40))} is not an instrument token (a whole number from 1 to 4294967295)`);
  }
  if (!(CANDLE_INTERVALS as readonly string[]).includes(intervalText)) {
    throw new HistoryInputError(`invalid interval: ${JSON.stringify(intervalText.slice(0, 40))}; one of ${CANDLE_INTERVALS.join(', ')}`);
  }
  const interval = intervalText as CandleInterval;
  for (const key of params.keys()) {
    if (!KNOWN.has(key)) throw new HistoryInputError(`unknown parameter ${JSON.stringify(key.slice(0, 40))}; this route takes from, to, continuous, oi`);
    if (params.getAll(key).length > 1) throw new HistoryInputError(`${key} is given more than once`);
  }
  if (params.has('instrument_token') && params.get('instrument_token') !== tokenText)
    throw new HistoryInputError('instrument_token in the query differs from the path');
  if (params.has('interval') && params.get('interval') !== intervalText) throw new HistoryInputError('interval in the query differs from the path');
  const from = parseIstTime('from', params.get('from'), 'start');
  const to = parseIstTime('to', params.get('to'), 'end');
  if (from > to) throw new HistoryInputError('from must not be after to');
  const maxDays = INTERVAL_MAX_DAYS[interval];
  if (to - from > maxDays * 86_400_000) throw new HistoryInputError(`interval exceeds max limit: ${maxDays} days`);
  return { token: Number(tokenText), interval, from, to, continuous: flag('continuous', params.get('continuous')), oi: flag('oi', params.get('oi')) };
}

function parseIstTime(name: string, text: string | null, side: 'start' | 'end'): number {
  if (text === null || text === '') throw new HistoryInputError(`${name} is required: YYYY-MM-DD HH:MM:SS (IST) or YYYY-MM-DD`);
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!match || !isCalendarDay(match[1] ?? ''))
    throw new HistoryInputError(`invalid ${name}: ${JSON.stringify(text.slice(0, 40))} is not YYYY-MM-DD HH:MM:SS (IST)`);
  const [, day, hh, mm, ss] = match;
  if (hh === undefined) return Date.parse(`${day}T00:00:00Z`) - IST_OFFSET_MS + (side === 'end' ? 86_399_000 : 0);
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 59) throw new HistoryInputError(`invalid ${name}: ${JSON.stringify(text)} is not a time of day`);
  return Date.parse(`${day}T${hh}:${mm}:${ss ?? '00'}Z`) - IST_OFFSET_MS;
}

function flag(name: string, text: string | null): boolean {
  if (text === null || text === '0' || text === 'false') return false;
  if (text === '1' || text === 'true') return true;
  throw new HistoryInputError(`invalid ${name}: ${JSON.stringify(text.slice(0, 20))}; 0 or 1`);
}
