import { recordTriggers as recordTriggerRows } from '../../storage/alerts/alert-sql.ts';
import type { Database } from '../../storage/database.ts';
import type { OutboxRow } from './trigger-outbox.ts';

/**
 * Records a group's pending triggers in Postgres, each with its deliveries,
 * in one statement (storage/alerts/alert-sql.ts's recordTriggers, which
 * says what it writes and why a retry is harmless). The answer names the
 * users whose webhook deliveries for these triggers are pending: their
 * WebhookDispatchers must be woken before the outbox rows go.
 */
export async function recordTriggers(db: Database, rows: readonly OutboxRow[]): Promise<string[]> {
  return recordTriggerRows(
    db,
    rows.map(({ trigger, channels, sessions }) => ({
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
    })),
  );
}
