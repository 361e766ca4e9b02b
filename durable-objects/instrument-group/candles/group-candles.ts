import { type Candle, minuteStart } from '../../../contracts/candles.ts';
import type { GroupCandlesState } from '../../../contracts/group-state.ts';
import { readMinutes, writeCandles } from '../../../storage/candles.ts';
import { type Database, describe } from '../../../storage/database.ts';
import type { TokenSlots } from '../token-slots.ts';
import { type CandleSnapshot, MinuteCandles } from './minute-candles.ts';

/**
 * A group's candles (docs/candles.md): minute-candles.ts builds them from
 * the packets; this keeps them through restarts and writes the closed ones
 * to Postgres.
 *
 * - Snapshot: the whole state (forming minutes, the outbox of closed
 *   minutes not yet in Postgres, the day candles) goes to SQLite with the
 *   group's snapshot (every SNAPSHOT_INTERVAL_MS while ticks flow, and
 *   before a `restart()`), a few JSON rows of TOKENS_PER_ROW tokens each,
 *   never per tick.
 * - Close: the group's alarm closes every minute that ended CLOSE_GRACE_MS
 *   ago, so a quiet instrument's minute closes on time.
 * - Write: when minutes closed, the outbox and the moved day candles go to
 *   Postgres in one statement per flush; a failed write keeps them for the
 *   next alarm (the snapshot holds them meanwhile, so a restart does not
 *   lose them either), and is retried at most every RETRY_MS.
 */
export const CLOSE_GRACE_MS = 2_000;
const RETRY_MS = 5_000;
const TOKENS_PER_ROW = 2_000;
/** A token that has not ticked for a day, with nothing left to write, is forgotten. */
const IDLE_MS = 24 * 3_600_000;

export type UnwrittenCandles = { minutes: Candle[]; day: Candle | null };

export class GroupCandles {
  readonly #sql: SqlStorage;
  readonly #db: () => Database;
  readonly #group: string;
  readonly #wakeAt: (at: number) => void;
  readonly #candles: MinuteCandles;
  #writtenMinutes = 0;
  #lastWriteAt: number | null = null;
  #lastWriteError: string | null = null;
  #retryAfter = 0;
  #writing = false;

  constructor(deps: {
    sql: SqlStorage;
    db: () => Database;
    group: string;
    wakeAt: (at: number) => void;
    minuteClosed: (token: number, minute: Candle) => void;
    /** The token → slot lookup shared with the group's latest packets. */
    slots: TokenSlots;
  }) {
    this.#candles = new MinuteCandles(deps.minuteClosed, deps.slots);
    this.#sql = deps.sql;
    this.#db = deps.db;
    this.#group = deps.group;
    this.#wakeAt = deps.wakeAt;
    this.#sql.exec('CREATE TABLE IF NOT EXISTS candle_state (chunk INTEGER PRIMARY KEY, data TEXT NOT NULL)');
  }

  /**
   * A batch's packets (the hot path), with their slots as the latest packets
   * looked them up: the sweep that closes the current minute is set once per
   * minute, not per batch.
   */
  onPackets(packets: readonly Uint8Array[], slots: Int32Array, receivedAt: number): void {
    this.#candles.addBatch(packets, slots, receivedAt);
    // On the group's own clock, as the sweep closes by it.
    this.#wakeAt(minuteStart(Date.now()) + 60_000 + CLOSE_GRACE_MS);
  }

  /** The alarm: close ended minutes, write what closed, and come back for the next minute's close. */
  async alarm(now: number): Promise<void> {
    this.#candles.closeUntil(now - CLOSE_GRACE_MS);
    if (this.#candles.outboxSize > 0 && now >= this.#retryAfter && !this.#writing) await this.#write(now);
    if (this.#candles.outboxSize > 0) this.#wakeAt(Math.max(now + 1_000, this.#retryAfter));
    const nextEnd = this.#candles.nextMinuteEnd();
    if (nextEnd !== undefined) this.#wakeAt(nextEnd + CLOSE_GRACE_MS);
    this.#candles.dropIdle(now - IDLE_MS);
  }

  /** What Postgres does not hold yet of `token`: closed minutes waiting to be written, the forming one, and the day candle. */
  unwritten(token: number): UnwrittenCandles {
    return { minutes: this.#candles.unwritten(token), day: this.#candles.day(token) ?? null };
  }

  /** The closed minutes of `token` in [from, to): Postgres's, with the outbox's copies over them. */
  async closedMinutes(token: number, from: number, to: number): Promise<Candle[]> {
    const stored = await readMinutes(this.#db(), token, from, to - 1);
    const minutes = new Map(stored.map((m) => [m.time, m]));
    for (const m of this.#candles.unwritten(token)) if (m.time >= from && m.time < to) minutes.set(m.time, m);
    const forming = this.#candles.forming(token);
    if (forming) minutes.delete(forming.time);
    return [...minutes.values()].sort((a, b) => a.time - b.time);
  }

  /** The forming minute and day candle of `token` (live streams). */
  forming(token: number): { minute: Candle | undefined; day: Candle | undefined } {
    return { minute: this.#candles.forming(token), day: this.#candles.day(token) };
  }

  state(): GroupCandlesState {
    return {
      ...this.#candles.counters,
      instruments: this.#candles.size,
      outbox: this.#candles.outboxSize,
      written_minutes: this.#writtenMinutes,
      last_write_at: this.#lastWriteAt,
      last_write_error: this.#lastWriteError,
    };
  }

  /** Writes the state to SQLite when it moved since the last write. */
  writeSnapshot(): void {
    if (!this.#candles.changed) return;
    const { tokens, outbox, days_moved } = this.#candles.snapshot();
    const rows: string[] = [];
    for (let i = 0; i < tokens.length || rows.length === 0; i += TOKENS_PER_ROW) {
      const head = rows.length === 0 ? { outbox, days_moved } : { outbox: [], days_moved: [] };
      rows.push(JSON.stringify({ ...head, tokens: tokens.slice(i, i + TOKENS_PER_ROW) }));
    }
    for (const [i, data] of rows.entries()) this.#sql.exec('INSERT OR REPLACE INTO candle_state (chunk, data) VALUES (?, ?)', i, data);
    this.#sql.exec('DELETE FROM candle_state WHERE chunk >= ?', rows.length);
  }

  load(now: number): void {
    const snapshot: CandleSnapshot = { tokens: [], outbox: [], days_moved: [] };
    for (const row of this.#sql.exec<{ data: string }>('SELECT data FROM candle_state ORDER BY chunk')) {
      const part = JSON.parse(row.data) as CandleSnapshot;
      snapshot.tokens.push(...part.tokens);
      snapshot.outbox.push(...part.outbox);
      snapshot.days_moved.push(...part.days_moved);
    }
    this.#candles.restore(snapshot);
    const nextEnd = this.#candles.nextMinuteEnd();
    // Minutes that ended while the object was away close (and closed ones are written) at once.
    if (nextEnd !== undefined || snapshot.outbox.length > 0) this.#wakeAt(now);
  }

  async #write(now: number): Promise<void> {
    const minutes = this.#candles.takeOutbox();
    const days = this.#candles.takeDays();
    this.#writing = true;
    try {
      const written = await writeCandles(this.#db(), minutes, days);
      this.#writtenMinutes += written.minutes;
      this.#lastWriteAt = Date.now();
      this.#lastWriteError = null;
    } catch (error) {
      this.#candles.requeue(minutes);
      this.#candles.daysNotWritten(days);
      this.#retryAfter = now + RETRY_MS;
      this.#lastWriteError = describe(error);
      console.warn(`InstrumentGroup ${this.#group}: ${minutes.length} minute candles not written (retrying): ${this.#lastWriteError}`);
    } finally {
      this.#writing = false;
    }
  }
}
