import type { ServerResponse } from 'node:http';
import { CandleInterval, INTERVAL_MAX_DAYS, kiteCandleRow } from '../contracts/candles.ts';
import { DAY_MS, IST_OFFSET_MS } from '../contracts/ist-clock.ts';
import type { CandleHistory } from './candle-history.ts';
import { sendData, sendError } from './kite-http.ts';
import { RequestRate } from './request-rate.ts';
import type { SimInstrument, Universe } from './universe-types.ts';

/**
 * `GET /instruments/historical/{instrument_token}/{interval}?from=…&to=…
 * &continuous=0|1&oi=0|1`, as Kite Connect answers it: candles whose
 * start lies in [from, to] (IST, `YYYY-MM-DD HH:MM:SS`, or `YYYY-MM-DD`: a
 * `to` day means its end), Kite's range limit per interval, Kite's
 * historical rate limit per API key, and Kite's errors.
 */
export type HistoricalOptions = {
  universe: Universe;
  history: CandleHistory;
  /** Requests a second per API key; 0: unlimited. */
  requestsPerSecond: number;
};

export function historicalRoute(options: HistoricalOptions) {
  const { universe, history } = options;
  const rate = new RequestRate(options.requestsPerSecond);

  return function historical(res: ServerResponse, apiKey: string, tokenText: string, intervalText: string, query: URLSearchParams): void {
    if (!rate.take(apiKey)) {
      sendError(res, 429, 'NetworkException', 'Too many requests');
      return;
    }
    const request = historicalRequest(universe, tokenText, intervalText, query);
    if (typeof request === 'string') {
      sendError(res, 400, 'InputException', request);
      return;
    }
    const candles = history.candles(request.instrument, request.interval, request.fromMs, request.toMs);
    sendData(res, { candles: candles.map((c) => kiteCandleRow(c, request.oi)) });
  };
}

type HistoricalRequest = { instrument: SimInstrument; interval: CandleInterval; fromMs: number; toMs: number; oi: boolean };

/** The request, or why Kite would refuse it (an InputException's message). */
function historicalRequest(universe: Universe, tokenText: string, intervalText: string, query: URLSearchParams): HistoricalRequest | string {
  const interval = CandleInterval.safeParse(intervalText);
  if (!interval.success) return 'invalid interval';
  const instrument = /^\d+$/.test(tokenText) ? universe.byToken.get(Number(tokenText)) : undefined;
  if (!instrument) return 'invalid token';
  const fromMs = istTime(query.get('from'), 'start');
  if (fromMs === undefined) return 'invalid from date';
  const toMs = istTime(query.get('to'), 'end');
  if (toMs === undefined) return 'invalid to date';
  if (fromMs > toMs) return 'invalid date range: from is after to';
  const maxDays = INTERVAL_MAX_DAYS[interval.data];
  if (toMs - fromMs > maxDays * DAY_MS) return `interval exceeds max limit: ${maxDays} days`;
  const continuous = flag(query.get('continuous'));
  if (continuous === undefined) return 'invalid continuous: 0 or 1';
  const oi = flag(query.get('oi'));
  if (oi === undefined) return 'invalid oi: 0 or 1';
  // A future's series is already continuous here: simulated contracts do not roll over.
  if (continuous && instrument.kind !== 'future') return 'invalid token for continuous data: only futures have continuous data';
  return { instrument, interval: interval.data, fromMs, toMs, oi };
}

/** "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" in IST as an instant; a bare day is its start or its last second. */
function istTime(text: string | null, bareDay: 'start' | 'end'): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}:\d{2}))?$/.exec(text ?? '');
  if (!match) return undefined;
  const [, day, time] = match;
  const utc = Date.parse(`${day}T${time ?? (bareDay === 'start' ? '00:00:00' : '23:59:59')}Z`);
  // Date.parse rolls 2026-02-30 over to March; a real date reads back as written.
  if (Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 10) !== day) return undefined;
  return utc - IST_OFFSET_MS;
}

function flag(text: string | null): boolean | undefined {
  if (text === null || text === '0') return false;
  return text === '1' ? true : undefined;
}
