import type { AlertCondition, AlertTriggerRecord } from '../../contracts/alerts.ts';
import type { Database } from '../database.ts';
import { iso, isoSql } from './alert-rows.ts';

/**
 * The alerts API's history: each recorded trigger with how it reached each
 * channel, and the deliveries on their own (`?status=failed,dead`: the
 * user's dead letters). Newest recorded first; scoped to the caller.
 */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const CHANNELS = ['sessions', 'webhook'] as const;

/** One channel's delivery of one trigger. */
export type DeliveryView = {
  channel: (typeof CHANNELS)[number];
  status: DeliveryStatus;
  /** The webhook URL it was sent to (null for sessions). */
  url: string | null;
  attempts: number;
  /** Sessions that received the frame (null for webhooks). */
  sessions_reached: number | null;
  response_code: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
};

export type TriggerView = AlertTriggerRecord & { deliveries: DeliveryView[] };

const DELIVERY_JSON = (d: string) => `jsonb_build_object(
  'channel', ${d}.channel, 'status', ${d}.status, 'url', ${d}.url, 'attempts', ${d}.attempts, 'sessions_reached', ${d}.sessions_reached,
  'response_code', ${d}.response_code, 'last_error', ${d}.last_error, 'last_attempt_at', ${isoSql(`${d}.last_attempt_at`)},
  'next_attempt_at', ${isoSql(`${d}.next_attempt_at`)}, 'delivered_at', ${isoSql(`${d}.delivered_at`)})`;

type TriggerRow = {
  id: string;
  idempotency_key: string;
  alert_id: string;
  user_id: string;
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
  recorded_at: Date | string;
  note: string | null;
  deliveries: DeliveryView[];
};

/** The user's triggers (of one alert, when given), `size + 1` from after the cursor. */
export async function listTriggers(
  db: Database,
  userId: string,
  options: { alertId?: string; size: number; after?: string },
): Promise<(TriggerView & { cursor: string })[]> {
  const { rows } = await db.query<TriggerRow>(
    `SELECT t.id::text AS id, t.idempotency_key, t.alert_id, t.user_id, t.generation::float8 AS generation, t.instrument_token::float8 AS instrument_token,
       a.exchange, a.tradingsymbol, t.condition, t.value, t.last_price, t.previous_price, t.tick_at, t.triggered_at, t.recorded_at, t.note,
       COALESCE((SELECT jsonb_agg(${DELIVERY_JSON('d')} ORDER BY d.channel) FROM alert_deliveries d WHERE d.trigger_id = t.id), '[]'::jsonb) AS deliveries
     FROM alert_triggers t JOIN alerts a ON a.id = t.alert_id
     WHERE t.user_id = $1 AND ($2::uuid IS NULL OR t.alert_id = $2) AND ($3::bigint IS NULL OR t.id < $3)
     ORDER BY t.id DESC
     LIMIT $4`,
    [userId, options.alertId ?? null, options.after ?? null, options.size + 1],
  );
  return rows.map((row) => ({
    cursor: row.id,
    idempotency_key: row.idempotency_key,
    alert_id: row.alert_id,
    user_id: row.user_id,
    generation: row.generation,
    instrument: { instrument_token: row.instrument_token, exchange: row.exchange, tradingsymbol: row.tradingsymbol },
    condition: row.condition,
    value: row.value,
    last_price: row.last_price,
    previous_price: row.previous_price,
    tick_at: iso(row.tick_at),
    triggered_at: iso(row.triggered_at),
    recorded_at: iso(row.recorded_at),
    note: row.note,
    deliveries: row.deliveries,
  }));
}

export type DeliveryListing = DeliveryView & {
  created_at: string;
  trigger: Pick<AlertTriggerRecord, 'idempotency_key' | 'alert_id' | 'instrument' | 'condition' | 'last_price' | 'triggered_at'>;
};

/** The user's deliveries (of some statuses and a channel, when given), `size + 1` from after the cursor. */
export async function listDeliveries(
  db: Database,
  userId: string,
  options: { statuses?: DeliveryStatus[]; channel?: string; size: number; after?: string },
): Promise<(DeliveryListing & { cursor: string })[]> {
  const { rows } = await db.query<{ id: string; delivery: DeliveryView; created_at: Date | string; trigger: DeliveryListing['trigger'] }>(
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
  return rows.map((row) => ({ cursor: row.id, ...row.delivery, created_at: iso(row.created_at), trigger: row.trigger }));
}
