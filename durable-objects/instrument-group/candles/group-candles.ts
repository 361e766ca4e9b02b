import { type Candle, minuteStart } from '../../../contracts/candles.ts';
import type { GroupCandlesState } from '../../../contracts/group-state.ts';
import { readMinutes, writeCandles } from '../../../storage/candles.ts';
import { type Database, describe } from '../../../storage/database.ts';
import { createChunkRows, readChunkRows, writeChunkRows } from '../chunk-rows.ts';
import type { TokenSlots } from '../token-slots.ts';
import { MinuteCandles, type OutboxCandle, STRIDE } from './minute-candles.ts';

/**
 * A group's candles (docs/candles.md): minute-candles.ts builds them from
 * the packets; this keeps them through restarts and writes the closed ones
 * to Postgres.
 *
 * - Snapshot: the state (forming and last closed minutes, day candles)
 *   goes to SQLite with the group's snapshot (every SNAPSHOT_INTERVAL_MS
 *   while ticks flow, and before a `restart()`) as it is in memory, a few
 *   BLOB rows of SLOTS_PER_ROW slots' numbers (a copy, not a
 *   serialization: the snapshot had cost candles five times their
 *   building, docs/benchmarks.md#candles); the outbox of closed minutes
 *   not yet in Postgres as JSON rows, when it changed. Never per tick.
 * - Close: the group's alarm closes every minute that ended CLOSE_GRACE_MS
 *   ago, so a quiet instrument's minute closes on time.
 * - Write: when minutes closed, the outbox and the moved day candles go to
 *   Postgres in one statement per flush; a failed write keeps them for the
 *   next alarm (the snapshot holds them meanwhile, so a restart does not
 *   lose them either), and is retried at most every RETRY_MS.
 */
export const CLOSE_GRACE_MS = 2_000;
const RETRY_MS = 5_000;
/** 4,096 slots' numbers are 1 MiB, half of what a SQLite value of a Durable Object may hold. */
const SLOTS_PER_ROW = 4_096;
const OUTBOX_PER_ROW = 5_000;
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
    createChunkRows(this.#sql, 'candle_slots', 'BLOB');
    createChunkRows(this.#sql, 'candle_outbox', 'TEXT');
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
  async closeAndWrite(now: number): Promise<void> {
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

  /** Writes what moved of the state and the outbox to SQLite. */
  writeState(): void {
    const { state, outbox } = this.#candles.takeSnapshot();
    if (state) {
      const perRow = SLOTS_PER_ROW * STRIDE;
      const rows = Math.max(1, Math.ceil(state.length / perRow));
      // One row: the snapshot's own copy as it is; more: each row's part copied out.
      writeChunkRows(
        this.#sql,
        'candle_slots',
        Array.from({ length: rows }, (_, i) => (rows === 1 ? state : state.slice(i * perRow, (i + 1) * perRow)).buffer as ArrayBuffer),
      );
    }
    if (outbox) {
      const rows = Math.max(1, Math.ceil(outbox.length / OUTBOX_PER_ROW));
      writeChunkRows(
        this.#sql,
        'candle_outbox',
        Array.from({ length: rows }, (_, i) => JSON.stringify(outbox.slice(i * OUTBOX_PER_ROW, (i + 1) * OUTBOX_PER_ROW))),
      );
    }
  }

  load(now: number): void {
    // Whole numbers only: a row cut short (it cannot be, as SQLite writes a row whole) would fail the array's construction.
    const states = readChunkRows<ArrayBuffer>(this.#sql, 'candle_slots').map(
      (data) => new Float64Array(data, 0, Math.floor(data.byteLength / Float64Array.BYTES_PER_ELEMENT)),
    );
    const outbox = readChunkRows<string>(this.#sql, 'candle_outbox').flatMap((data) => JSON.parse(data) as OutboxCandle[]);
    this.#candles.restore(states, outbox);
    const nextEnd = this.#candles.nextMinuteEnd();
    // Minutes that ended while the object was away close (and closed ones are written) at once.
    if (nextEnd !== undefined || outbox.length > 0) this.#wakeAt(now);
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
