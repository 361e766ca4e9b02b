import type { DeliveryListing, DeliveryStatus, TriggerView } from '../../contracts/alerts.ts';
import type { Database } from '../database.ts';
import { iso } from './alert-rows.ts';
import { listDeliveryRows, listTriggerRows, triggerFields } from './alert-sql.ts';

/**
 * The alerts API's history: each recorded trigger with how it reached each
 * channel, and the deliveries on their own (`?status=failed,dead`: the
 * user's dead letters). Newest recorded first; scoped to the caller. The
 * SQL is alert-sql.ts's; here the rows become the API's views.
 */

/** The user's triggers (of one alert, when given), `size + 1` from after the cursor. */
export async function listTriggers(
  db: Database,
  userId: string,
  options: { alertId?: string; size: number; after?: string },
): Promise<(TriggerView & { cursor: string })[]> {
  const rows = await listTriggerRows(db, userId, options);
  return rows.map((row) => ({
    cursor: row.id,
    ...triggerFields(row),
    user_id: row.user_id,
    recorded_at: iso(row.recorded_at),
    deliveries: row.deliveries,
  }));
}

/** The user's deliveries (of some statuses and a channel, when given), `size + 1` from after the cursor. */
export async function listDeliveries(
  db: Database,
  userId: string,
  options: { statuses?: DeliveryStatus[]; channel?: string; size: number; after?: string },
): Promise<(DeliveryListing & { cursor: string })[]> {
  const rows = await listDeliveryRows(db, userId, options);
  return rows.map((row) => ({ cursor: row.id, ...row.delivery, created_at: iso(row.created_at), trigger: row.trigger }));
}
