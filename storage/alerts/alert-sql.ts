import type { AlertCondition, AlertCreate, AlertState, AlertTriggerRecord, AlertUpdate, DeliveryStatus, DeliveryView } from '../../contracts/alerts.ts';
import { fromHex, toHex } from '../../contracts/sealed-blob.ts';
import type { EdgeConfig } from '../../contracts/worker-config.ts';
import type { Database } from '../database.ts';
import type { ResolvedInstrument } from '../resolve-instruments.ts';
import { type AlertRow, iso } from './alert-rows.ts';

/**
 * Every SQL statement on the alerts tables (`alerts`, `alert_triggers`,
 * `alert_deliveries`, `webhook_secrets`, migration 0006), for the REST API
 * (edge/alerts/ through alert-store.ts, history.ts, webhook-secrets.ts) and
 * the objects (a group's alerts and its trigger recorder, the webhook
 * dispatcher) alike: one place to read what touches a table, and to change
 * a column. Each is a function of a `Database` returning typed rows; what
 * the rows mean to a caller (an API view, a refusal, a sealed secret
 * opened) stays with the caller.
 *
 * Every statement of the REST API is scoped to the caller (`user_id`), so
 * another user's alert is simply not found.
 */

// ---- alerts ----

/**
 * `state` as it is in effect: an active or paused alert past its
 * `expires_at` reads `expired` whether or not anything wrote that (the group
 * object judges expiry on its own clock, and nothing needs to run at the
 * moment of expiry). A later `expires_at` (PATCH) brings it back.
 */
export const EFFECTIVE_STATE = `CASE WHEN a.state IN ('active', 'paused') AND a.expires_at <= now() THEN 'expired' ELSE a.state END`;

/** An `alerts a` row as alert-rows.ts's AlertRow: what the REST API answers and what a group evaluates, from one select. */
export const ALERT_COLUMNS = `a.id, a.user_id, a.instrument_token::float8 AS instrument_token, a.exchange, a.tradingsymbol,
  a.condition, a.cooldown_s, a.expires_at, a.note, a.notify_sessions, a.webhook_url, ${EFFECTIVE_STATE} AS state,
  a.generation::float8 AS generation, a.last_triggered_at, a.created_at, a.updated_at,
  ((extract(epoch FROM a.created_at) * 1000000)::bigint)::text AS created_us`;

export type AlertLimits = EdgeConfig['alerts'];
export type GroupedRow = AlertRow & { group_key: string };

const RETURNING = `${ALERT_COLUMNS}, a.group_key`;

/**
 * A new alert, if the user is within the limits (ALERTS_PER_USER alerts in
 * any state, ALERT_WEBHOOKS_PER_USER of them with a webhook); undefined when
 * a limit refused it. The limits are checked in the statement that writes,
 * so no separate read can go stale before the write. Two creates racing
 * from one user can still each see the other's row missing and pass the
 * limit by one: the limit bounds scale, it is not a quota to the unit.
 */
export async function insertAlert(
  db: Database,
  limits: AlertLimits,
  userId: string,
  instrument: ResolvedInstrument,
  body: AlertCreate,
): Promise<GroupedRow | undefined> {
  const {
    rows: [row],
  } = await db.query<GroupedRow>(
    `INSERT INTO alerts AS a (user_id, instrument_token, exchange, tradingsymbol, group_key, condition, cooldown_s, expires_at, note, notify_sessions, webhook_url)
     SELECT $1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11
     WHERE (SELECT count(*) FROM alerts WHERE user_id = $1) < $12
       AND ($11::text IS NULL OR (SELECT count(*) FROM alerts WHERE user_id = $1 AND webhook_url IS NOT NULL) < $13)
     RETURNING ${RETURNING}`,
    [
      userId,
      instrument.instrument_token,
      instrument.exchange,
      instrument.tradingsymbol,
      instrument.group,
      JSON.stringify(body.condition),
      body.repeat.type === 'recurring' ? body.repeat.cooldown_s : null,
      body.expires_at ?? null,
      body.note ?? null,
      body.channels.sessions,
      body.channels.webhook?.url ?? null,
      limits.maxPerUser,
      limits.maxWebhooksPerUser,
    ],
  );
  return row;
}

/** PATCH: only the fields given change; undefined when the user has no such alert, or it would gain a webhook past the limit. */
export async function updateAlertRow(db: Database, limits: AlertLimits, userId: string, id: string, body: AlertUpdate): Promise<GroupedRow | undefined> {
  const values: unknown[] = [id, userId];
  const set: string[] = ['updated_at = now()'];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (body.condition !== undefined) set.push(`condition = ${param(JSON.stringify(body.condition))}::jsonb`);
  if (body.repeat !== undefined) set.push(`cooldown_s = ${param(body.repeat.type === 'recurring' ? body.repeat.cooldown_s : null)}::integer`);
  if (body.expires_at !== undefined) set.push(`expires_at = ${param(body.expires_at)}::timestamptz`);
  if (body.note !== undefined) set.push(`note = ${param(body.note)}::text`);
  const webhook = body.channels?.webhook?.url ?? null;
  if (body.channels !== undefined) {
    set.push(`notify_sessions = ${param(body.channels.sessions)}::boolean`, `webhook_url = ${param(webhook)}::text`);
  }
  // Only an alert that gains a webhook can pass the webhook limit.
  const webhookCheck =
    webhook === null
      ? ''
      : `AND (a.webhook_url IS NOT NULL OR (SELECT count(*) FROM alerts WHERE user_id = $2 AND webhook_url IS NOT NULL) < ${param(limits.maxWebhooksPerUser)})`;
  const {
    rows: [row],
  } = await db.query<GroupedRow>(`UPDATE alerts a SET ${set.join(', ')} WHERE a.id = $1 AND a.user_id = $2 ${webhookCheck} RETURNING ${RETURNING}`, values);
  return row;
}

/** Sets `state` of an alert not in effect expired; undefined when there is no such alert or it is expired. */
export async function updateAlertState(
  db: Database,
  userId: string,
  id: string,
  state: Extract<AlertState, 'active' | 'paused'>,
): Promise<GroupedRow | undefined> {
  const {
    rows: [row],
  } = await db.query<GroupedRow>(
    `UPDATE alerts a SET state = $3, updated_at = now()
     WHERE a.id = $1 AND a.user_id = $2 AND ${EFFECTIVE_STATE} <> 'expired'
     RETURNING ${RETURNING}`,
    [id, userId, state],
  );
  return row;
}

/** Deletes the alert and its history; its group key, or `undefined` when there is no such alert. */
export async function deleteAlert(db: Database, userId: string, id: string): Promise<string | undefined> {
  const {
    rows: [row],
  } = await db.query<{ group_key: string }>('DELETE FROM alerts a WHERE a.id = $1 AND a.user_id = $2 RETURNING a.group_key', [id, userId]);
  return row?.group_key;
}

export async function findAlert(db: Database, userId: string, id: string): Promise<AlertRow | undefined> {
  const {
    rows: [row],
  } = await db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.id = $1 AND a.user_id = $2`, [id, userId]);
  return row;
}

/** The user's alerts, newest first, `size + 1` of them from after the cursor (edge/alerts/page.ts cuts the extra one). */
export async function listAlerts(
  db: Database,
  userId: string,
  options: { state?: AlertState; size: number; after?: { micros: string; id: string } },
): Promise<AlertRow[]> {
  const { rows } = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts a
     WHERE a.user_id = $1
       AND ($2::text IS NULL OR ${EFFECTIVE_STATE} = $2)
       AND ($3::bigint IS NULL OR (a.created_at, a.id) < ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4::uuid))
     ORDER BY a.created_at DESC, a.id DESC
     LIMIT $5`,
    [userId, options.state ?? null, options.after?.micros ?? null, options.after?.id ?? null, options.size + 1],
  );
  return rows;
}

/** The user's alerts, and those with a webhook (`excluding`: an alert not to count among the latter). */
export async function countAlerts(db: Database, userId: string, excluding: string | null): Promise<{ alerts: number; webhooks: number }> {
  const {
    rows: [counts],
  } = await db.query<{ alerts: number; webhooks: number }>(
    'SELECT count(*)::int AS alerts, count(webhook_url) FILTER (WHERE id IS DISTINCT FROM $2::uuid)::int AS webhooks FROM alerts WHERE user_id = $1',
    [userId, excluding],
  );
  return counts ?? { alerts: 0, webhooks: 0 };
}

/** An instrument group's alerts in any state (`ids`: only these; one missing was deleted), for the group to evaluate. */
export async function groupAlertRows(db: Database, group: string, ids?: readonly string[]): Promise<AlertRow[]> {
  const { rows } =
    ids === undefined
      ? await db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.group_key = $1`, [group])
      : await db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.id = ANY($1::uuid[]) AND a.group_key = $2`, [ids, group]);
  return rows;
}

// ---- triggers and deliveries ----

/** A timestamptz expression as the ISO 8601 text the API uses everywhere (milliseconds, Z), for values built inside JSON in SQL. */
function isoSql(expression: string): string {
  return `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

const DELIVERY_JSON = (d: string) => `jsonb_build_object(
  'channel', ${d}.channel, 'status', ${d}.status, 'url', ${d}.url, 'attempts', ${d}.attempts, 'sessions_reached', ${d}.sessions_reached,
  'response_code', ${d}.response_code, 'last_error', ${d}.last_error, 'last_attempt_at', ${isoSql(`${d}.last_attempt_at`)},
  'next_attempt_at', ${isoSql(`${d}.next_attempt_at`)}, 'delivered_at', ${isoSql(`${d}.delivered_at`)})`;

/** A trigger's columns (`alert_triggers t`) with its alert's names (`alerts a`), as the history and the webhook dispatcher read them. */
const TRIGGER_COLUMNS = `t.idempotency_key, t.alert_id, t.generation::float8 AS generation, t.instrument_token::float8 AS instrument_token,
  a.exchange, a.tradingsymbol, t.condition, t.value, t.last_price, t.previous_price, t.tick_at, t.triggered_at, t.note`;

export type TriggerColumns = {
  idempotency_key: string;
  alert_id: string;
  generation: number;
  instrument_token: number;
  exchange: string;
  tradingsymbol: string;
  condition: AlertCondition;
  value: number;
  last_price: number;
  previous_price: number | null;
  tick_at: Date | string;
  triggered_at: Date | string;
  note: string | null;
};

/** A trigger's columns as every reader shows them (the history API, the webhook payload): times as ISO strings. */
export function triggerFields(row: TriggerColumns) {
  return {
    idempotency_key: row.idempotency_key,
    alert_id: row.alert_id,
    generation: row.generation,
    instrument: { instrument_token: row.instrument_token, exchange: row.exchange, tradingsymbol: row.tradingsymbol },
    condition: row.condition,
    value: row.value,
    last_price: row.last_price,
    previous_price: row.previous_price,
    tick_at: iso(row.tick_at),
    triggered_at: iso(row.triggered_at),
    note: row.note,
  };
}

export type TriggerRow = TriggerColumns & { id: string; user_id: string; recorded_at: Date | string; deliveries: DeliveryView[] };

/** The user's triggers (of one alert, when given) with their deliveries, newest recorded first, `size + 1` from after the cursor. */
export async function listTriggerRows(db: Database, userId: string, options: { alertId?: string; size: number; after?: string }): Promise<TriggerRow[]> {
  const { rows } = await db.query<TriggerRow>(
    `SELECT t.id::text AS id, t.user_id, t.recorded_at, ${TRIGGER_COLUMNS},
       COALESCE((SELECT jsonb_agg(${DELIVERY_JSON('d')} ORDER BY d.channel) FROM alert_deliveries d WHERE d.trigger_id = t.id), '[]'::jsonb) AS deliveries
     FROM alert_triggers t JOIN alerts a ON a.id = t.alert_id
     WHERE t.user_id = $1 AND ($2::uuid IS NULL OR t.alert_id = $2) AND ($3::bigint IS NULL OR t.id < $3)
     ORDER BY t.id DESC
     LIMIT $4`,
    [userId, options.alertId ?? null, options.after ?? null, options.size + 1],
  );
  return rows;
}

export type DeliveryRow = {
  id: string;
  delivery: DeliveryView;
  created_at: Date | string;
  /** The trigger delivered, as the API shows it (built in SQL). */
  trigger: Pick<AlertTriggerRecord, 'idempotency_key' | 'alert_id' | 'instrument' | 'condition' | 'last_price' | 'triggered_at'>;
};

/** The user's deliveries (of some statuses and a channel, when given), newest first, `size + 1` from after the cursor. */
export async function listDeliveryRows(
  db: Database,
  userId: string,
  options: { statuses?: DeliveryStatus[]; channel?: string; size: number; after?: string },
): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT d.id::text AS id, ${DELIVERY_JSON('d')} AS delivery, d.created_at,
       jsonb_build_object('idempotency_key', t.idempotency_key, 'alert_id', t.alert_id,
         'instrument', jsonb_build_object('instrument_token', t.instrument_token, 'exchange', a.exchange, 'tradingsymbol', a.tradingsymbol),
         'condition', t.condition, 'last_price', t.last_price, 'triggered_at', ${isoSql('t.triggered_at')}) AS trigger
     FROM alert_deliveries d JOIN alert_triggers t ON t.id = d.trigger_id JOIN alerts a ON a.id = t.alert_id
     WHERE d.user_id = $1 AND ($2::text[] IS NULL OR d.status = ANY($2)) AND ($3::text IS NULL OR d.channel = $3) AND ($4::bigint IS NULL OR d.id < $4)
     ORDER BY d.id DESC
     LIMIT $5`,
    [userId, options.statuses ?? null, options.channel ?? null, options.after ?? null, options.size + 1],
  );
  return rows;
}

/** One trigger to record, with its channels and the outcome of its sessions frame (known before recording). */
export type TriggerRecord = {
  idempotency_key: string;
  alert_id: string;
  user_id: string;
  generation: number;
  instrument_token: number;
  condition: AlertCondition;
  note: string | null;
  value: number;
  last_price: number;
  previous_price: number | null;
  tick_at: string;
  triggered_at: string;
  notify_sessions: boolean;
  sessions_reached: number | null;
  sessions_error: string | null;
  /** ISO time the sessions outcome was known; null when it notifies no sessions. */
  sessions_at: string | null;
  webhook_url: string | null;
};

/**
 * Records a group's triggers in one statement, and so in one transaction:
 *
 *   - each trigger into alert_triggers, ON CONFLICT (idempotency_key) DO
 *     NOTHING: a flush retried after a restart (the insert committed, the
 *     outbox row not yet cleared) adds nothing;
 *   - its alert's generation raised to at least the trigger's + 1 (never
 *     lowered, so a retried or reordered flush is harmless), last_triggered_at
 *     advanced, and a one-shot alert marked `triggered` when this is news;
 *   - for each trigger inserted now, its deliveries: the sessions frame with
 *     its outcome, and the webhook as `pending`, addressed to the URL the
 *     alert had when it fired.
 *
 * Triggers of alerts deleted meanwhile are dropped (their history went with
 * them). The answer names the users whose webhook deliveries for these
 * triggers are pending, those inserted now and those a crashed earlier flush
 * inserted: their WebhookDispatchers must be woken before the outbox rows go.
 */
const RECORD_TRIGGERS = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
      idempotency_key text, alert_id uuid, user_id uuid, generation bigint, instrument_token bigint, condition jsonb, note text,
      value float8, last_price float8, previous_price float8, tick_at timestamptz, triggered_at timestamptz,
      notify_sessions boolean, sessions_reached integer, sessions_error text, sessions_at timestamptz, webhook_url text)
  ),
  live AS (
    SELECT i.* FROM input i WHERE EXISTS (SELECT 1 FROM alerts a WHERE a.id = i.alert_id)
  ),
  inserted AS (
    INSERT INTO alert_triggers (idempotency_key, alert_id, user_id, generation, instrument_token, condition, note, value, last_price, previous_price, tick_at, triggered_at)
    SELECT idempotency_key, alert_id, user_id, generation, instrument_token, condition, note, value, last_price, previous_price, tick_at, triggered_at FROM live
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, idempotency_key
  ),
  fired AS (
    UPDATE alerts a SET
      generation = GREATEST(a.generation, f.generation + 1),
      last_triggered_at = GREATEST(a.last_triggered_at, f.triggered_at),
      state = CASE WHEN a.cooldown_s IS NULL AND a.state = 'active' AND f.generation >= a.generation THEN 'triggered' ELSE a.state END
    FROM (SELECT alert_id, max(generation) AS generation, max(triggered_at) AS triggered_at FROM live GROUP BY alert_id) f
    WHERE a.id = f.alert_id
    RETURNING a.id
  ),
  delivered AS (
    INSERT INTO alert_deliveries (trigger_id, user_id, channel, url, status, attempts, next_attempt_at, last_attempt_at, sessions_reached, last_error, delivered_at)
    SELECT n.id, i.user_id, 'sessions', NULL, CASE WHEN i.sessions_error IS NULL THEN 'delivered' ELSE 'failed' END, 1, NULL,
      i.sessions_at, i.sessions_reached, i.sessions_error, CASE WHEN i.sessions_error IS NULL THEN i.sessions_at END
    FROM inserted n JOIN input i USING (idempotency_key) WHERE i.notify_sessions
    UNION ALL
    SELECT n.id, i.user_id, 'webhook', i.webhook_url, 'pending', 0, now(), NULL, NULL, NULL, NULL
    FROM inserted n JOIN input i USING (idempotency_key) WHERE i.webhook_url IS NOT NULL
    RETURNING user_id, channel
  )
  SELECT user_id FROM delivered WHERE channel = 'webhook'
  UNION
  SELECT d.user_id FROM alert_deliveries d JOIN alert_triggers t ON t.id = d.trigger_id JOIN input i ON i.idempotency_key = t.idempotency_key
  WHERE d.channel = 'webhook' AND d.status = 'pending'`;

/** Records triggers and their deliveries (see RECORD_TRIGGERS); returns the users whose webhooks wait. */
export async function recordTriggers(db: Database, triggers: readonly TriggerRecord[]): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(RECORD_TRIGGERS, [JSON.stringify(triggers)]);
  return rows.map((row) => row.user_id);
}

/** A pending webhook delivery that is due, with the trigger it carries. */
export type DueWebhook = TriggerColumns & {
  id: string;
  url: string;
  attempts: number;
  next_attempt_at: Date | string;
  last_attempt_at: Date | string | null;
  response_code: number | null;
  last_error: string | null;
};

/** The user's pending webhook deliveries that are due, the most overdue first, at most `limit` (the index alert_deliveries_due). */
export async function dueWebhooks(db: Database, userId: string, limit: number): Promise<DueWebhook[]> {
  const { rows } = await db.query<DueWebhook>(
    `SELECT d.id::text AS id, d.url, d.attempts, d.next_attempt_at, d.last_attempt_at, d.response_code, d.last_error, ${TRIGGER_COLUMNS}
     FROM alert_deliveries d
     JOIN alert_triggers t ON t.id = d.trigger_id
     JOIN alerts a ON a.id = t.alert_id
     WHERE d.user_id = $1 AND d.status = 'pending' AND d.channel = 'webhook' AND d.next_attempt_at <= now()
     ORDER BY d.next_attempt_at, d.id
     LIMIT $2`,
    [userId, limit],
  );
  return rows;
}

/** A delivery after an attempt; times in ms since epoch. */
export type DeliveryOutcome = {
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  response_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
};

/** Writes an attempt's outcome, unless the delivery is no longer pending. */
export async function saveWebhookAttempt(db: Database, id: string, after: DeliveryOutcome): Promise<void> {
  await db.query(
    `UPDATE alert_deliveries SET status = $2, attempts = $3, next_attempt_at = to_timestamp($4::float8 / 1000), last_attempt_at = to_timestamp($5::float8 / 1000),
       response_code = $6, last_error = $7, delivered_at = to_timestamp($8::float8 / 1000)
     WHERE id = $1 AND status = 'pending'`,
    [id, after.status, after.attempts, after.next_attempt_at, after.last_attempt_at, after.response_code, after.last_error, after.delivered_at],
  );
}

/** Says why pending deliveries were not sent, without counting an attempt. */
export async function noteUnsentWebhooks(db: Database, ids: readonly string[], reason: string): Promise<void> {
  await db.query(`UPDATE alert_deliveries SET last_error = $2 WHERE id = ANY($1::bigint[]) AND status = 'pending'`, [ids, reason]);
}

/** When the user's next pending webhook delivery is due (ms since epoch); null: none is pending. */
export async function nextWebhookDue(db: Database, userId: string): Promise<number | null> {
  const {
    rows: [soonest],
  } = await db.query<{ at: Date | string | null }>(
    `SELECT min(next_attempt_at) AS at FROM alert_deliveries WHERE user_id = $1 AND status = 'pending' AND channel = 'webhook'`,
    [userId],
  );
  return soonest?.at ? new Date(soonest.at).getTime() : null;
}

// ---- webhook secrets ----

export type WebhookSecretDates = { created_at: Date | string; previous_until: Date | string | null };

/** Stores a newly sealed secret (bytea travels as hex: Neon's HTTP queries carry text); the one it replaces stays, as the previous one, for `graceMs`. */
export async function upsertWebhookSecret(db: Database, userId: string, sealed: Uint8Array, graceMs: number): Promise<WebhookSecretDates> {
  const {
    rows: [row],
  } = await db.query<WebhookSecretDates>(
    `INSERT INTO webhook_secrets (user_id, secret_enc) VALUES ($1, decode($2, 'hex'))
     ON CONFLICT (user_id) DO UPDATE SET previous_enc = webhook_secrets.secret_enc, previous_until = now() + $3 * interval '1 millisecond',
       secret_enc = excluded.secret_enc, created_at = now()
     RETURNING created_at, previous_until`,
    [userId, toHex(sealed), graceMs],
  );
  if (!row) throw new Error('webhook_secrets upsert returned no row');
  return row;
}

/** When the user's secret was made, and until when the previous one is honoured (null: not now); undefined: no secret. */
export async function webhookSecretDates(db: Database, userId: string): Promise<WebhookSecretDates | undefined> {
  const {
    rows: [row],
  } = await db.query<WebhookSecretDates>(
    'SELECT created_at, CASE WHEN previous_until > now() THEN previous_until END AS previous_until FROM webhook_secrets WHERE user_id = $1',
    [userId],
  );
  return row;
}

export async function hasWebhookSecret(db: Database, userId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM webhook_secrets WHERE user_id = $1', [userId]);
  return rows.length > 0;
}

/** The user's sealed secrets a delivery is signed with now: the current one, and the previous one while in its grace time. */
export async function sealedWebhookSecrets(db: Database, userId: string): Promise<{ current: Uint8Array; previous: Uint8Array | null } | undefined> {
  const {
    rows: [row],
  } = await db.query<{ current: string; previous: string | null }>(
    `SELECT encode(secret_enc, 'hex') AS current, CASE WHEN previous_until > now() THEN encode(previous_enc, 'hex') END AS previous
     FROM webhook_secrets WHERE user_id = $1`,
    [userId],
  );
  return row && { current: fromHex(row.current), previous: row.previous === null ? null : fromHex(row.previous) };
}
