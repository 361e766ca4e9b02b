import pg from 'pg';
import { type Candle, candleColumns, mergeCandles } from '../../contracts/candles.ts';
import type { KiteExchange } from '../../contracts/kite-instrument.ts';
import { istDay, sessionBounds, tradingDaysBetween } from '../../contracts/trading-calendar.ts';

/**
 * Where the backfill puts what Kite answered (migrations/0008_candles.sql):
 * minutes and day candles inserted beside what the platform recorded,
 * never over it (ON CONFLICT DO NOTHING), and in `candle_fills` what was
 * fetched, so the edge asks for it only once. One transaction per backfill.
 * Also the retention of minute candles (CANDLE_RETENTION_DAYS).
 */
export class CandleStore {
  readonly #pool: pg.Pool;

  constructor(databaseUrl: string, log: (line: string) => void) {
    this.#pool = new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 5_000, query_timeout: 60_000 });
    // An idle client losing its connection (Postgres restarted) must not take the origin down: pg emits it on the
    // pool, and an 'error' nobody listens to ends the process. The next backfill connects again.
    this.#pool.on('error', (error) => log(`candle store: idle database connection failed: ${error.message}`));
  }

  /** Kite's minutes of [from, to) for `token`; whole past trading days in it get their day candle (the minutes' aggregate) and count as filled. */
  async storeMinutes(
    token: number,
    exchange: KiteExchange,
    from: number,
    to: number,
    minutes: readonly Candle[],
    now: number,
  ): Promise<{ minutes: number; days: number }> {
    const today = istDay(now);
    const byDay = new Map<string, Candle[]>();
    for (const minute of minutes) {
      const day = istDay(minute.time);
      const list = byDay.get(day);
      if (list) list.push(minute);
      else byDay.set(day, [minute]);
    }
    const fills: { day: string; until: number; whole: boolean }[] = [];
    const days: (Candle & { day: string })[] = [];
    for (const day of tradingDaysBetween(istDay(from), istDay(to - 1))) {
      const { openMs, closeMs } = sessionBounds(day, exchange);
      if (to <= openMs) continue;
      const whole = day < today && from <= openMs && to >= closeMs;
      fills.push({ day, until: Math.min(to, closeMs), whole });
      const candle = whole ? mergeCandles(Date.parse(`${day}T00:00:00+05:30`), byDay.get(day) ?? []) : undefined;
      if (candle) days.push({ ...candle, day });
    }
    return this.#transaction(async (client) => {
      const inserted = await insertCandles(client, 'candles', token, minutes);
      const insertedDays = await insertDays(client, token, days);
      for (const fill of fills) {
        await client.query(
          `INSERT INTO candle_fills (instrument_token, day, minutes_until, day_filled) VALUES ($1, $2, to_timestamp($3 / 1000.0), $4)
           ON CONFLICT (instrument_token, day) DO UPDATE
             SET minutes_until = GREATEST(candle_fills.minutes_until, excluded.minutes_until),
                 day_filled = candle_fills.day_filled OR excluded.day_filled, filled_at = now()`,
          [token, fill.day, fill.until, fill.whole],
        );
      }
      return { minutes: inserted, days: insertedDays };
    });
  }

  /** Kite's day candles from `from`'s day to `to`'s; every past trading day in the range counts as filled (one Kite had no candle for stays empty). */
  async storeDays(token: number, from: number, to: number, candles: readonly Candle[], now: number): Promise<{ minutes: number; days: number }> {
    const today = istDay(now);
    const days = candles.map((c) => ({ ...c, day: istDay(c.time) })).filter((c) => c.day < today);
    const filled = tradingDaysBetween(istDay(from), istDay(to - 1)).filter((day) => day < today);
    return this.#transaction(async (client) => {
      const inserted = await insertDays(client, token, days);
      if (filled.length > 0) {
        await client.query(
          `INSERT INTO candle_fills (instrument_token, day, day_filled) SELECT $1, d, true FROM unnest($2::date[]) AS d
           ON CONFLICT (instrument_token, day) DO UPDATE SET day_filled = true, filled_at = now()`,
          [token, filled],
        );
      }
      return { minutes: 0, days: inserted };
    });
  }

  /** Deletes minute candles older than `retentionDays` (day candles stay for ever); their fills forget the minutes. */
  async deleteOldMinutes(retentionDays: number, now: number): Promise<number> {
    const before = new Date(now - retentionDays * 86_400_000);
    return this.#transaction(async (client) => {
      const deleted = await client.query('DELETE FROM candles WHERE time < $1', [before]);
      await client.query(`UPDATE candle_fills SET minutes_until = NULL WHERE minutes_until < $1`, [before]);
      return deleted.rowCount ?? 0;
    });
  }

  close(): Promise<void> {
    return this.#pool.end();
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

async function insertCandles(client: pg.PoolClient, table: 'candles', token: number, candles: readonly Candle[]): Promise<number> {
  if (candles.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO ${table} (instrument_token, time, open, high, low, close, volume, oi)
     SELECT $1, to_timestamp(at / 1000.0), o, h, l, c, v, oi
     FROM unnest($2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::bigint[], $8::bigint[]) AS x(at, o, h, l, c, v, oi)
     ON CONFLICT (instrument_token, time) DO NOTHING`,
    [token, ...candleColumns(candles)],
  );
  return result.rowCount ?? 0;
}

async function insertDays(client: pg.PoolClient, token: number, days: readonly (Candle & { day: string })[]): Promise<number> {
  if (days.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO day_candles (instrument_token, day, open, high, low, close, volume, oi)
     SELECT $1, d, o, h, l, c, v, oi
     FROM unnest($2::date[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::bigint[], $8::bigint[]) AS x(d, o, h, l, c, v, oi)
     ON CONFLICT (instrument_token, day) DO NOTHING`,
    [token, days.map((d) => d.day), ...candleColumns(days).slice(1)],
  );
  return result.rowCount ?? 0;
}
