import { bucketStart, type Candle, type CandleInterval, mergeCandles } from '../../contracts/candles.ts';
import type { KiteExchange } from '../../contracts/kite-instrument.ts';
import { istDay } from '../../contracts/trading-calendar.ts';
import { readCandles, readMinutes } from '../../storage/candles.ts';
import type { Database } from '../../storage/database.ts';

/**
 * The candles of a request: what Postgres holds, aggregated there, with
 * what the group has not written yet (closed minutes in its outbox, the
 * forming minute, today's day candle) laid over the end. The buckets the
 * unwritten minutes touch are built here from raw minutes, the group's copy
 * of a minute winning over Postgres's (an amended minute waits in the
 * outbox), so every bucket counts each minute once.
 */
export type Unwritten = { minutes: Candle[]; day: Candle | null };

export async function readHistory(
  db: Database,
  q: { token: number; interval: CandleInterval; exchange: KiteExchange; from: number; to: number },
  unwritten: Unwritten,
): Promise<Candle[]> {
  const { token, interval, exchange, from, to } = q;
  if (interval === 'day') {
    const days = await readCandles(db, token, 'day', exchange, from, to);
    const today = unwritten.day;
    if (!today || today.time < from - 86_399_000 || today.time > to) return days;
    // The group's day candle is fresher than any row of the same day.
    return [...days.filter((d) => istDay(d.time) !== istDay(today.time)), today].sort((a, b) => a.time - b.time);
  }
  const pending = unwritten.minutes.filter((m) => m.time >= from && m.time <= to);
  const first = pending[0];
  if (!first) return readCandles(db, token, interval, exchange, from, to);
  const tailFrom = Math.max(from, bucketStart(first.time, interval, exchange));
  const [head, tailMinutes] = await Promise.all([
    tailFrom > from ? readCandles(db, token, interval, exchange, from, tailFrom - 1) : Promise.resolve([]),
    readMinutes(db, token, tailFrom, to),
  ]);
  const minutes = new Map(tailMinutes.map((m) => [m.time, m]));
  for (const m of pending) minutes.set(m.time, m);
  const buckets = new Map<number, Candle[]>();
  for (const m of [...minutes.values()].sort((a, b) => a.time - b.time)) {
    const start = bucketStart(m.time, interval, exchange);
    const list = buckets.get(start);
    if (list) list.push(m);
    else buckets.set(start, [m]);
  }
  const tail = [...buckets].flatMap(([start, list]) => mergeCandles(start, list) ?? []);
  return [...head, ...tail];
}
