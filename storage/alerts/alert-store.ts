import type { AlertCreate, AlertState, AlertUpdate } from '../../contracts/alerts.ts';
import type { EdgeConfig } from '../../contracts/worker-config.ts';
import type { Database } from '../database.ts';
import type { ResolvedInstrument } from '../resolve-instruments.ts';
import { ALERT_COLUMNS, type AlertRow, EFFECTIVE_STATE } from './alert-rows.ts';

/**
 * The alerts API's reads and writes of `alerts`, every one scoped to the
 * caller (`user_id`), so another user's alert is simply not found.
 *
 * Limits (ALERTS_PER_USER alerts in any state, ALERT_WEBHOOKS_PER_USER of
 * them with a webhook) are checked in the statement that writes, so no
 * separate read can go stale before the write. Two creates racing from one
 * user can still each see the other's row missing and pass the limit by
 * one: the limit bounds scale, it is not a quota to the unit.
 */
export type AlertLimits = EdgeConfig['alerts'];
export type Refusal = { limit: 'alerts' | 'webhooks'; max: number };
export type GroupedRow = AlertRow & { group_key: string };

const RETURNING = `${ALERT_COLUMNS}, a.group_key`;

export async function createAlert(
  db: Database,
  limits: AlertLimits,
  userId: string,
  instrument: ResolvedInstrument,
  body: AlertCreate,
): Promise<GroupedRow | Refusal> {
  const webhook = body.channels.webhook?.url ?? null;
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
      webhook,
      limits.maxPerUser,
      limits.maxWebhooksPerUser,
    ],
  );
  return row ?? (await refusal(db, limits, userId, webhook !== null, null));
}

/** PATCH: only the fields given change; `undefined` when the user has no such alert. */
export async function updateAlert(db: Database, limits: AlertLimits, userId: string, id: string, body: AlertUpdate): Promise<GroupedRow | Refusal | undefined> {
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
  if (row) return row;
  return (await findAlert(db, userId, id)) ? refusal(db, limits, userId, true, id) : undefined;
}

/**
 * Pause (`paused`) or resume (`active`). Any state but expired may be
 * paused or resumed: resuming a `triggered` one-shot alert re-arms it.
 * `expired` when the alert is past its expiry; `undefined` when there is no such alert.
 */
export async function setAlertState(
  db: Database,
  userId: string,
  id: string,
  state: Extract<AlertState, 'active' | 'paused'>,
): Promise<GroupedRow | 'expired' | undefined> {
  const {
    rows: [row],
  } = await db.query<GroupedRow>(
    `UPDATE alerts a SET state = $3, updated_at = now()
     WHERE a.id = $1 AND a.user_id = $2 AND ${EFFECTIVE_STATE} <> 'expired'
     RETURNING ${RETURNING}`,
    [id, userId, state],
  );
  if (row) return row;
  return (await findAlert(db, userId, id)) ? 'expired' : undefined;
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

/** The user's alerts, newest first, `size + 1` of them from after the cursor (page.ts cuts the extra one). */
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

/** Which limit a write that returned nothing ran into (`excluding`: the alert being updated, already counted). */
async function refusal(db: Database, limits: AlertLimits, userId: string, withWebhook: boolean, excluding: string | null): Promise<Refusal> {
  const {
    rows: [counts],
  } = await db.query<{ alerts: number; webhooks: number }>(
    'SELECT count(*)::int AS alerts, count(webhook_url) FILTER (WHERE id IS DISTINCT FROM $2::uuid)::int AS webhooks FROM alerts WHERE user_id = $1',
    [userId, excluding],
  );
  if (withWebhook && (counts?.webhooks ?? 0) >= limits.maxWebhooksPerUser) return { limit: 'webhooks', max: limits.maxWebhooksPerUser };
  return { limit: 'alerts', max: limits.maxPerUser };
}
