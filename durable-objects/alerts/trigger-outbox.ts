import type { AlertTrigger, GroupAlert } from '../../contracts/alerts.ts';
import type { BookChanges, BookEntry } from './alert-book.ts';

/**
 * The alert book's durable half, in the group Durable Object's own SQLite:
 * what the book must find again after a restart (alert-book.ts explains
 * why exactly these), and the outbox of triggers not yet recorded in
 * Postgres.
 *
 *   alert_book    one row per held alert: its BookEntry as JSON (definition,
 *                 generation, state, last fire), token and generation
 *                 beside it for inspection
 *   alert_prices  token → the reference price crossings are judged against
 *   alert_outbox  triggers waiting for Postgres, oldest first, each with the
 *                 channels it goes to and, once known, how the frame to the
 *                 owner's sessions went (recorded with the trigger)
 *
 * `apply` writes one BookChanges in one synchronous transaction, so a
 * trigger and the state change that produced it are durable together or
 * not at all. Call it in the same turn as the book call that returned the
 * changes, before any await: if it throws, the book is ahead of storage and
 * the object should reset (ctx.abort) to reload. The recorder reads
 * `pending()`, inserts into Postgres with ON CONFLICT (idempotency_key)
 * DO NOTHING, then applies `book.recorded(...)`, which deletes the rows.
 */
export type AlertChannels = GroupAlert['channels'];

/** How the `alert` frame reached the owner's sessions: how many got it, or why the hub could not be asked. */
export type SessionsOutcome = { reached: number; error: null; at: number } | { reached: null; error: string; at: number };

export type OutboxRow = {
  trigger: AlertTrigger;
  channels: AlertChannels;
  /** Null until the frame was sent (or given up on); always null when the alert does not notify sessions. */
  sessions: SessionsOutcome | null;
  /** Failed attempts to reach the sessions' hub so far. */
  sessionTries: number;
};

type RawRow = {
  trigger: string;
  channels: string;
  sessions_reached: number | null;
  sessions_error: string | null;
  sessions_at: number | null;
  session_tries: number;
};

export class TriggerOutbox {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec('CREATE TABLE IF NOT EXISTS alert_book (id TEXT PRIMARY KEY, token INTEGER NOT NULL, generation INTEGER NOT NULL, entry TEXT NOT NULL)');
    this.#sql.exec('CREATE TABLE IF NOT EXISTS alert_prices (token INTEGER PRIMARY KEY, price REAL NOT NULL)');
    this.#sql.exec(
      `CREATE TABLE IF NOT EXISTS alert_outbox (
         seq INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL UNIQUE, trigger TEXT NOT NULL, channels TEXT NOT NULL,
         sessions_reached INTEGER, sessions_error TEXT, sessions_at REAL, session_tries INTEGER NOT NULL DEFAULT 0)`,
    );
  }

  /** What the book is loaded from at the object's start. */
  load(): { entries: BookEntry[]; prices: Map<number, number> } {
    const entries = this.#sql
      .exec<{ entry: string }>('SELECT entry FROM alert_book')
      .toArray()
      .map((row) => JSON.parse(row.entry) as BookEntry);
    const prices = new Map<number, number>();
    for (const row of this.#sql.exec<{ token: number; price: number }>('SELECT token, price FROM alert_prices')) prices.set(row.token, row.price);
    return { entries, prices };
  }

  /** Persists one call's changes, all or nothing. */
  apply(changes: BookChanges): void {
    if (isEmpty(changes)) return;
    this.#storage.transactionSync(() => {
      for (const trigger of changes.triggers) {
        const channels = changes.channels.get(trigger.idempotency_key);
        if (!channels) throw new Error(`trigger ${trigger.idempotency_key} came without its channels`);
        this.#sql.exec(
          'INSERT INTO alert_outbox (idempotency_key, trigger, channels) VALUES (?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING',
          trigger.idempotency_key,
          JSON.stringify(trigger),
          JSON.stringify(channels),
        );
      }
      for (const id of changes.removed) this.#sql.exec('DELETE FROM alert_book WHERE id = ?', id);
      for (const [id, entry] of changes.saved) {
        this.#sql.exec(
          'INSERT INTO alert_book (id, token, generation, entry) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET token = excluded.token, generation = excluded.generation, entry = excluded.entry',
          id,
          entry.alert.instrument.instrument_token,
          entry.alert.generation,
          JSON.stringify(entry),
        );
      }
      for (const [token, price] of changes.prices) {
        if (price === null) this.#sql.exec('DELETE FROM alert_prices WHERE token = ?', token);
        else this.#sql.exec('INSERT INTO alert_prices (token, price) VALUES (?, ?) ON CONFLICT (token) DO UPDATE SET price = excluded.price', token, price);
      }
      for (const key of changes.recorded) this.#sql.exec('DELETE FROM alert_outbox WHERE idempotency_key = ?', key);
    });
  }

  /** The oldest `limit` triggers Postgres does not hold yet. */
  pending(limit = 100): OutboxRow[] {
    return this.#sql
      .exec<RawRow>('SELECT trigger, channels, sessions_reached, sessions_error, sessions_at, session_tries FROM alert_outbox ORDER BY seq LIMIT ?', limit)
      .toArray()
      .map((row) => ({
        trigger: JSON.parse(row.trigger) as AlertTrigger,
        channels: JSON.parse(row.channels) as AlertChannels,
        sessions: outcomeOf(row),
        sessionTries: row.session_tries,
      }));
  }

  get pendingCount(): number {
    return this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM alert_outbox').one().n;
  }

  /** Pending triggers whose frame to the owner's sessions has no outcome kept yet: a restart would send those frames again. */
  get awaitingSessionsCount(): number {
    return this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM alert_outbox WHERE sessions_at IS NULL AND json_extract(channels, '$.sessions') = 1`).one()
      .n;
  }

  /** Keeps how the frame of `key` reached the sessions, so a restart neither sends it again nor loses the outcome. */
  sessionsDone(key: string, outcome: SessionsOutcome): void {
    this.#sql.exec(
      'UPDATE alert_outbox SET sessions_reached = ?, sessions_error = ?, sessions_at = ? WHERE idempotency_key = ?',
      outcome.reached,
      outcome.error,
      outcome.at,
      key,
    );
  }

  /** Counts a failed attempt to reach the sessions' hub. */
  sessionsTried(key: string): void {
    this.#sql.exec('UPDATE alert_outbox SET session_tries = session_tries + 1 WHERE idempotency_key = ?', key);
  }
}

function outcomeOf(row: RawRow): SessionsOutcome | null {
  if (row.sessions_at === null) return null;
  return row.sessions_error === null
    ? { reached: row.sessions_reached ?? 0, error: null, at: row.sessions_at }
    : { reached: null, error: row.sessions_error, at: row.sessions_at };
}

function isEmpty(changes: BookChanges): boolean {
  return (
    changes.triggers.length === 0 && changes.saved.size === 0 && changes.removed.length === 0 && changes.prices.size === 0 && changes.recorded.length === 0
  );
}
