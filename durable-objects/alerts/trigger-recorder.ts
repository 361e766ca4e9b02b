import type { Database } from '../../storage/database.ts';
import type { OutboxRow } from './trigger-outbox.ts';

/**
 * Records a group's pending triggers in Postgres, in one statement and so
 * in one transaction:
 *
 *   - each trigger into alert_triggers, ON CONFLICT (idempotency_key) DO
 *     NOTHING: a flush retried after a restart (the insert committed, the
 *     outbox row not yet cleared) adds nothing;
 *   - its alert's generation raised to at least the trigger's + 1 (never
 *     lowered, so a retried or reordered flush is harmless), last_triggered_at
 *     advanced, and a one-shot alert marked `triggered` when this is news;
 *   - for each trigger inserted now, its deliveries: the sessions frame with
 *     its outcome (known before recording), and the webhook as `pending`,
 *     addressed to the URL the alert had when it fired.
 *
 * Triggers of alerts deleted meanwhile are dropped (their history went with
 * them). The answer names the users whose webhook deliveries for these
 * triggers are pending, those inserted now and those a crashed earlier flush
 * inserted: their WebhookDispatchers must be woken before the outbox rows go.
 */
const RECORD_SQL = `
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

/** Records `rows` (each with its sessions outcome known, when it notifies sessions); returns the users whose webhooks wait. */
export async function recordTriggers(db: Database, rows: readonly OutboxRow[]): Promise<string[]> {
  const input = rows.map(({ trigger, channels, sessions }) => ({
    idempotency_key: trigger.idempotency_key,
    alert_id: trigger.alert_id,
    user_id: trigger.user_id,
    generation: trigger.generation,
    instrument_token: trigger.instrument.instrument_token,
    condition: trigger.condition,
    note: trigger.note,
    value: trigger.value,
    last_price: trigger.last_price,
    previous_price: trigger.previous_price,
    tick_at: trigger.tick_at,
    triggered_at: trigger.triggered_at,
    notify_sessions: channels.sessions,
    sessions_reached: sessions?.reached ?? null,
    sessions_error: sessions?.error ?? null,
    sessions_at: sessions === null ? null : new Date(sessions.at).toISOString(),
    webhook_url: channels.webhook?.url ?? null,
  }));
  const { rows: users } = await db.query<{ user_id: string }>(RECORD_SQL, [JSON.stringify(input)]);
  return users.map((row) => row.user_id);
}
