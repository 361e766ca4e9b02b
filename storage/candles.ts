import { type Candle, type CandleInterval, candleColumns, INTERVAL_MINUTES } from '../contracts/candles.ts';
import type { KiteExchange } from '../contracts/kite-instrument.ts';
import { tradingSession } from '../contracts/trading-calendar.ts';
import type { Database } from './database.ts';

/**
 * The candle tables (migrations/0008_candles.sql, docs/candles.md): the
 * groups' batched writes and the historical API's reads.
 */
export type TokenCandle = Candle & { token: number };

/**
 * Writes closed minute candles and moved day candles of one group in ONE
 * statement (arrays unnested), whatever their number. What the group built
 * replaces what was there (a backfilled minute, or an earlier copy of an
 * amended one). Within a batch the last copy of a (token, time) wins.
 */
export async function writeCandles(db: Database, minutes: readonly TokenCandle[], days: readonly TokenCandle[]): Promise<{ minutes: number; days: number }> {
  const m = columns(lastCopies(minutes));
  const d = columns(lastCopies(days));
  const { rows } = await db.query<{ minutes: string; days: string }>(
    `WITH m AS (
       INSERT INTO candles (instrument_token, time, open, high, low, close, volume, oi)
       SELECT token, to_timestamp(at / 1000.0), o, h, l, c, v, oi
       FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::bigint[], $8::bigint[])
         AS x(token, at, o, h, l, c, v, oi)
       ON CONFLICT (instrument_token, time) DO UPDATE
         SET open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume, oi = excluded.oi
       RETURNING 1
     ), d AS (
       INSERT INTO day_candles (instrument_token, day, open, high, low, close, volume, oi)
       SELECT token, (to_timestamp(at / 1000.0) AT TIME ZONE 'Asia/Kolkata')::date, o, h, l, c, v, oi
       FROM unnest($9::bigint[], $10::bigint[], $11::float8[], $12::float8[], $13::float8[], $14::float8[], $15::bigint[], $16::bigint[])
         AS x(token, at, o, h, l, c, v, oi)
       ON CONFLICT (instrument_token, day) DO UPDATE
         SET open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume, oi = excluded.oi
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM m) AS minutes, (SELECT count(*) FROM d) AS days`,
    [...m, ...d],
  );
  return { minutes: Number(rows[0]?.minutes ?? 0), days: Number(rows[0]?.days ?? 0) };
}

/** Candles of `token` with start in [fromMs, toMs], `interval` aggregated in Postgres from the minutes (or the day rows). */
export async function readCandles(
  db: Database,
  token: number,
  interval: CandleInterval,
  exchange: KiteExchange,
  fromMs: number,
  toMs: number,
): Promise<Candle[]> {
  if (interval === 'day') {
    const { rows } = await db.query<CandleRow>(
      `SELECT (extract(epoch FROM (day::timestamp AT TIME ZONE 'Asia/Kolkata')) * 1000)::bigint AS time, open, high, low, close, volume, oi
       FROM day_candles
       WHERE instrument_token = $1
         AND day BETWEEN (to_timestamp($2 / 1000.0) AT TIME ZONE 'Asia/Kolkata')::date AND (to_timestamp($3 / 1000.0) AT TIME ZONE 'Asia/Kolkata')::date
       ORDER BY day`,
      [token, fromMs, toMs],
    );
    return rows.map(candleOf);
  }
  if (interval === 'minute') return readMinutes(db, token, fromMs, toMs);
  const open = tradingSession(exchange).open;
  const origin = `2000-01-03 ${String(Math.floor(open / 60)).padStart(2, '0')}:${String(open % 60).padStart(2, '0')}:00+05:30`;
  // Buckets count from the session's open; the range selects minutes, so a bucket cut by `from` starts at its first minute in range.
  const { rows } = await db.query<CandleRow>(
    `SELECT (extract(epoch FROM bucket) * 1000)::bigint AS time,
            (array_agg(open ORDER BY time))[1] AS open, max(high) AS high, min(low) AS low,
            (array_agg(close ORDER BY time DESC))[1] AS close, sum(volume)::bigint AS volume,
            (array_agg(oi ORDER BY time DESC))[1] AS oi
     FROM (
       SELECT date_bin(make_interval(mins => $4), time, $5::timestamptz) AS bucket, time, open, high, low, close, volume, oi
       FROM candles
       WHERE instrument_token = $1 AND time >= to_timestamp($2 / 1000.0) AND time <= to_timestamp($3 / 1000.0)
     ) minutes
     GROUP BY bucket
     ORDER BY bucket`,
    [token, fromMs, toMs, INTERVAL_MINUTES[interval], origin],
  );
  return rows.map(candleOf);
}

/** The minute candles of `token` with start in [fromMs, toMs], oldest first. */
export async function readMinutes(db: Database, token: number, fromMs: number, toMs: number): Promise<Candle[]> {
  const { rows } = await db.query<CandleRow>(
    `SELECT (extract(epoch FROM time) * 1000)::bigint AS time, open, high, low, close, volume, oi
     FROM candles
     WHERE instrument_token = $1 AND time >= to_timestamp($2 / 1000.0) AND time <= to_timestamp($3 / 1000.0)
     ORDER BY time`,
    [token, fromMs, toMs],
  );
  return rows.map(candleOf);
}

/** What the backfill already fetched of `token` on each of `days` (YYYY-MM-DD); days never filled are left out. */
export type CandleFill = { day: string; minutes_until: number | null; day_filled: boolean };

export async function readFills(db: Database, token: number, days: readonly string[]): Promise<Map<string, CandleFill>> {
  if (days.length === 0) return new Map();
  const { rows } = await db.query<{ day: string; minutes_until: string | null; day_filled: boolean }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, (extract(epoch FROM minutes_until) * 1000)::bigint AS minutes_until, day_filled
     FROM candle_fills WHERE instrument_token = $1 AND day = ANY($2::date[])`,
    [token, days],
  );
  return new Map(rows.map((r) => [r.day, { day: r.day, minutes_until: r.minutes_until === null ? null : Number(r.minutes_until), day_filled: r.day_filled }]));
}

/** The first minute at or after `fromMs` (and before `toMs`) that Postgres holds of `token`, or undefined. */
export async function firstMinuteFrom(db: Database, token: number, fromMs: number, toMs: number): Promise<number | undefined> {
  const { rows } = await db.query<{ time: string | null }>(
    `SELECT (extract(epoch FROM min(time)) * 1000)::bigint AS time FROM candles
     WHERE instrument_token = $1 AND time >= to_timestamp($2 / 1000.0) AND time < to_timestamp($3 / 1000.0)`,
    [token, fromMs, toMs],
  );
  const time = rows[0]?.time;
  return time === null || time === undefined ? undefined : Number(time);
}

/** The days (YYYY-MM-DD) in [fromDay, toDay] that have a day candle of `token`. */
export async function daysWithCandles(db: Database, token: number, fromDay: string, toDay: string): Promise<Set<string>> {
  const { rows } = await db.query<{ day: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day FROM day_candles WHERE instrument_token = $1 AND day BETWEEN $2::date AND $3::date`,
    [token, fromDay, toDay],
  );
  return new Set(rows.map((r) => r.day));
}

type CandleRow = { time: string | number; open: number; high: number; low: number; close: number; volume: string | number; oi: string | number };

function candleOf(row: CandleRow): Candle {
  return {
    time: Number(row.time),
    open: Number(row.open),
    high: Number(row.high),
    low: Number(row.low),
    close: Number(row.close),
    volume: Number(row.volume),
    oi: Number(row.oi),
  };
}

function lastCopies(candles: readonly TokenCandle[]): TokenCandle[] {
  const byKey = new Map<string, TokenCandle>();
  for (const candle of candles) byKey.set(`${candle.token}:${candle.time}`, candle);
  return [...byKey.values()];
}

function columns(candles: readonly TokenCandle[]): unknown[][] {
  return [candles.map((c) => c.token), ...candleColumns(candles)];
}
