import type { AlertFrame } from '../../contracts/alerts.ts';
import { hubConfig } from '../../contracts/hub-config.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import { decodePacket } from '../../contracts/kite-ticks/decode.ts';
import { packetToken } from '../../contracts/kite-ticks/packet-layout.ts';
import type { TickMode } from '../../contracts/kite-ticks/tick.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { type AlertRow, groupAlertOf } from '../../storage/alerts/alert-rows.ts';
import { groupAlertRows } from '../../storage/alerts/alert-sql.ts';
import { type Database, openDatabase } from '../../storage/database.ts';
import { tally } from '../metrics/edge-tally.ts';
import { sessionHubOf, webhookDispatcherOf } from '../stubs.ts';
import { AlertBook, type AlertTick, alertTick, type BookChanges } from './alert-book.ts';
import { type OutboxRow, TriggerOutbox } from './trigger-outbox.ts';
import { recordTriggers } from './trigger-recorder.ts';

/**
 * The alerts of one InstrumentGroup: its AlertBook (evaluation), its
 * TriggerOutbox (the book's durable half and the triggers not yet in
 * Postgres), and the work that gets a trigger to its owner and into
 * Postgres without ever making a tick wait.
 *
 * A tick's path: `onTicks` evaluates, writes the changes and the triggers
 * (one SQLite transaction, same turn, no await: alert-book.ts explains why
 * that makes a trigger exactly-once), starts the `alert` frame to the
 * owner's sessions and returns. Everything after is asynchronous:
 *
 *   1. the frame goes to the owner's SessionHub (`sendToUser`, every live
 *      session of the user); how many sessions got it, or why the hub could
 *      not be asked (after SESSION_TRIES), is kept on the outbox row, so a
 *      restart neither sends it again nor forgets it;
 *   2. the recorder (trigger-recorder.ts) writes triggers with a known
 *      sessions outcome into Postgres, idempotently, with their deliveries;
 *   3. the WebhookDispatcher of each user with a pending webhook delivery is
 *      woken (it sends, retries and records on its own, apart from ticks);
 *   4. only then are the outbox rows deleted.
 * A failure anywhere leaves the rows in the outbox and retries from the
 * object's alarm (RETRY_MS); a restart finds them there.
 *
 * Reconciliation with Postgres, the source of truth: the REST API tells the
 * group which alerts changed (`changed(ids)`, answered once applied), and
 * the group reads those rows itself. Reads run one at a time, each started
 * after the change that asked for it was committed, so the last read of an
 * alert is never older than its last change, however requests interleave.
 * At every start, and every SYNC_INTERVAL_MS while it holds alerts, the
 * group reads all its alerts (any state; one not listed was deleted): a
 * change whose notification was lost is picked up then, or at the object's
 * next start.
 */
export const SYNC_INTERVAL_MS = 5 * 60_000;
const RETRY_MS = 5_000;
/** Attempts to reach the owner's hub before the frame's delivery is recorded as failed. */
const SESSION_TRIES = 3;
const RECORD_BATCH = 100;

export type GroupAlertsHooks = {
  /** The latest Kite packet the group holds for `token`: its price is the crossing reference of a new alert. */
  latestPacket(token: number): Uint8Array | undefined;
  /** The tick mode each watched instrument needs (the group's `alerts` demand). */
  setDemand(demand: Map<number, TickMode>): void;
  /** Run `alarm()` at `at` at the latest. */
  wakeAt(at: number): void;
};

/**
 * `pending`: triggers not in Postgres yet; `awaiting_sessions`: those of them whose frame's outcome at the sessions is not
 * kept yet; `reading`: a read of the group's alerts from Postgres is under way (one starts with the object).
 */
export type GroupAlertsState = { held: number; pending: number; awaiting_sessions: number; reading: boolean; next_sync_at: number | null };

export class GroupAlerts {
  readonly #ctx: DurableObjectState;
  readonly #env: Cloudflare.Env;
  readonly #group: GroupKey;
  readonly #hooks: GroupAlertsHooks;
  readonly #book = new AlertBook();
  readonly #outbox: TriggerOutbox;
  /** Frames on their way to a hub, by idempotency key: the recorder waits for their outcome. */
  readonly #sending = new Map<string, Promise<void>>();
  #draining: Promise<void> | null = null;
  /** What the next read from Postgres covers: every alert of the group, or these ids. */
  #wantAll = false;
  readonly #wantIds = new Set<string>();
  #reading: Promise<void> | null = null;
  #syncAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env, group: GroupKey, hooks: GroupAlertsHooks) {
    this.#ctx = ctx;
    this.#env = env;
    this.#group = group;
    this.#hooks = hooks;
    this.#outbox = new TriggerOutbox(ctx.storage);
  }

  /** At the object's start: the book from SQLite at once, then Postgres's view and the outbox's leftovers in the background. */
  start(now: number): void {
    const saved = this.#outbox.load();
    this.#commit(this.#book.load(saved.entries, saved.prices, now));
    this.#hooks.setDemand(this.#book.demand());
    if (this.#outbox.pendingCount > 0) void this.#drain();
    void this.#read(true, []).catch(() => {});
  }

  /** Evaluates a tick batch (only packets of watched instruments are decoded); never waits for anything. */
  onTicks(packets: readonly Uint8Array[], receivedAt: number): void {
    let ticks: AlertTick[] | undefined;
    for (const packet of packets) {
      if (!this.#book.watches(packetToken(packet))) continue;
      try {
        // Made before the decode: a batch whose watched packets all fail to decode still advances the book's clock (expiries).
        ticks ??= [];
        ticks.push(alertTick(decodePacket(packet), receivedAt));
      } catch (error) {
        // The hubs got it as it came; alerts cannot read it, and the next tick of the instrument is evaluated as usual.
        console.error(`InstrumentGroup ${this.#group}: a packet of ${packetToken(packet)} does not decode, not evaluated: ${String(error)}`);
      }
    }
    if (!ticks) return;
    const changes = this.#book.evaluate(ticks, Date.now());
    this.#commit(changes);
    if (changes.triggers.length === 0 && changes.expired.length === 0) return;
    this.#hooks.setDemand(this.#book.demand());
    if (changes.triggers.length === 0) return;
    for (const trigger of changes.triggers) {
      if (changes.channels.get(trigger.idempotency_key)?.sessions) void this.#sendFrame({ type: 'alert', ...trigger }, 0);
    }
    void this.#drain();
  }

  /** The REST API changed these alerts of the group in Postgres (created, updated, paused, resumed, deleted): read and apply them. */
  async changed(ids: readonly string[]): Promise<void> {
    await this.#read(false, ids);
  }

  /** From the object's alarm: retries what failed, and the periodic sync. */
  async alarm(now: number): Promise<void> {
    if (this.#outbox.pendingCount > 0) await this.#drain();
    if (this.#syncAt === null) return;
    if (now < this.#syncAt) return this.#hooks.wakeAt(this.#syncAt);
    await this.#read(true, []).catch(() => {});
  }

  state(): GroupAlertsState {
    return {
      held: this.#book.size,
      pending: this.#outbox.pendingCount,
      awaiting_sessions: this.#outbox.awaitingSessionsCount,
      reading: this.#reading !== null,
      next_sync_at: this.#syncAt,
    };
  }

  // ---- storage ----

  /** Writes one call's changes in the turn that made them; if that fails the book is ahead of storage, so the object starts over from storage. */
  #commit(changes: BookChanges): void {
    try {
      this.#outbox.apply(changes);
    } catch (error) {
      console.error(`InstrumentGroup ${this.#group}: alert storage failed, restarting the object: ${String(error)}`);
      this.#ctx.abort(`alert storage failed: ${String(error)}`);
      throw error;
    }
  }

  #database(): Database {
    const config = edgeConfig(this.#env);
    return openDatabase(config.database, config.queryTimeoutMs);
  }

  // ---- reading from Postgres ----

  /** Queues a read (all alerts, or some ids); resolves when a read started after this call has been applied. */
  #read(all: boolean, ids: readonly string[]): Promise<void> {
    if (all) this.#wantAll = true;
    for (const id of ids) this.#wantIds.add(id);
    // Chained, not shared: a read already under way may have started before this call's change was committed.
    const next = (this.#reading ?? Promise.resolve()).catch(() => {}).then(() => this.#readOnce());
    this.#reading = next;
    void next
      .finally(() => {
        if (this.#reading === next) this.#reading = null;
      })
      .catch(() => {});
    return next;
  }

  async #readOnce(): Promise<void> {
    const all = this.#wantAll;
    const ids = [...this.#wantIds];
    if (!all && ids.length === 0) return; // an earlier read took this call's ids with it
    this.#wantAll = false;
    this.#wantIds.clear();
    let rows: AlertRow[];
    try {
      rows = await groupAlertRows(this.#database(), this.#group, all ? undefined : ids);
    } catch (error) {
      if (all) this.#wantAll = true;
      for (const id of ids) this.#wantIds.add(id);
      this.#syncAt = Date.now() + RETRY_MS;
      this.#hooks.wakeAt(this.#syncAt);
      console.warn(`InstrumentGroup ${this.#group}: could not read alerts from Postgres (retrying): ${String(error)}`);
      throw error;
    }
    const alerts = rows.flatMap((row) => {
      try {
        return [groupAlertOf(row)];
      } catch (error) {
        console.error(`InstrumentGroup ${this.#group}: alert ${row.id} in Postgres is not a valid alert, skipped: ${String(error)}`);
        return [];
      }
    });
    const now = Date.now();
    if (all) {
      this.#commit(this.#book.sync(alerts, now));
    } else {
      const found = new Set(alerts.map((alert) => alert.id));
      for (const alert of alerts) this.#commit(this.#book.upsert(alert, now, this.#latestPrice(alert.instrument.instrument_token)));
      for (const id of ids) if (!found.has(id)) this.#commit(this.#book.remove(id, now));
    }
    this.#hooks.setDemand(this.#book.demand());
    if (all) {
      this.#syncAt = this.#book.size > 0 ? now + SYNC_INTERVAL_MS : null;
      if (this.#syncAt !== null) this.#hooks.wakeAt(this.#syncAt);
    }
  }

  #latestPrice(token: number): number | undefined {
    const packet = this.#hooks.latestPacket(token);
    try {
      return packet ? decodePacket(packet).last_price : undefined;
    } catch {
      return undefined; // no reference yet: the next tick sets it
    }
  }

  // ---- delivery and recording ----

  /** Sends one frame to every live session of its owner and keeps the outcome on its outbox row (`tries`: failed attempts before this one). */
  #sendFrame(frame: AlertFrame, tries: number): Promise<void> {
    const key = frame.idempotency_key;
    let sending = this.#sending.get(key);
    if (sending) return sending;
    sending = (async () => {
      const userId = frame.user_id;
      try {
        const reached = await sessionHubOf(this.#env, userId, hubConfig(this.#env).shards).sendToUser(userId, frame);
        this.#outbox.sessionsDone(key, { reached, error: null, at: Date.now() });
      } catch (error) {
        if (tries + 1 >= SESSION_TRIES)
          this.#outbox.sessionsDone(key, { reached: null, error: `the sessions' hub could not be reached: ${String(error)}`, at: Date.now() });
        else this.#outbox.sessionsTried(key);
      } finally {
        this.#sending.delete(key);
      }
    })();
    this.#sending.set(key, sending);
    return sending;
  }

  /** One drain at a time; a failure is retried from the alarm. */
  #drain(): Promise<void> {
    this.#draining ??= this.#drainOnce()
      .catch((error: unknown) => {
        console.warn(`InstrumentGroup ${this.#group}: could not record alert triggers (retrying): ${String(error)}`);
        this.#hooks.wakeAt(Date.now() + RETRY_MS);
      })
      .finally(() => {
        this.#draining = null;
      });
    return this.#draining;
  }

  async #drainOnce(): Promise<void> {
    for (;;) {
      const rows = this.#outbox.pending(RECORD_BATCH);
      if (rows.length === 0) return;
      await Promise.all(rows.filter(awaitsSessions).map((row) => this.#sendFrame({ type: 'alert', ...row.trigger }, row.sessionTries)));
      const ready = this.#outbox.pending(RECORD_BATCH).filter((row) => !awaitsSessions(row));
      if (ready.length > 0) {
        const users = await recordTriggers(this.#database(), ready);
        void tally(this.#env, `InstrumentGroup ${this.#group}`, [{ name: 'kite_edge_alert_triggers_total', labels: {}, value: ready.length }]);
        await Promise.all(users.map((userId) => webhookDispatcherOf(this.#env, userId).wake()));
        this.#commit(this.#book.recorded(ready.map((row) => row.trigger)));
        this.#hooks.setDemand(this.#book.demand());
      }
      if (ready.length < rows.length) {
        // Some frames' hubs did not answer: those rows wait for the next try.
        this.#hooks.wakeAt(Date.now() + RETRY_MS);
        return;
      }
    }
  }
}

function awaitsSessions(row: OutboxRow): boolean {
  return row.channels.sessions && row.sessions === null;
}
