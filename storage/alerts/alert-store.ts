import type { AlertCreate, AlertState, AlertUpdate } from '../../contracts/alerts.ts';
import type { Database } from '../database.ts';
import type { ResolvedInstrument } from '../resolve-instruments.ts';
import { type AlertLimits, countAlerts, findAlert, type GroupedRow, insertAlert, updateAlertRow, updateAlertState } from './alert-sql.ts';

/**
 * The alerts API's writes of `alerts` (their SQL is alert-sql.ts's), with
 * what a write that changed nothing means: a limit reached, an alert past
 * its expiry, or no such alert of the caller's.
 */
export type Refusal = { limit: 'alerts' | 'webhooks'; max: number };

export async function createAlert(
  db: Database,
  limits: AlertLimits,
  userId: string,
  instrument: ResolvedInstrument,
  body: AlertCreate,
): Promise<GroupedRow | Refusal> {
  return (await insertAlert(db, limits, userId, instrument, body)) ?? (await refusal(db, limits, userId, (body.channels.webhook?.url ?? null) !== null, null));
}

/** PATCH: only the fields given change; `undefined` when the user has no such alert. */
export async function updateAlert(db: Database, limits: AlertLimits, userId: string, id: string, body: AlertUpdate): Promise<GroupedRow | Refusal | undefined> {
  const row = await updateAlertRow(db, limits, userId, id, body);
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
  const row = await updateAlertState(db, userId, id, state);
  if (row) return row;
  return (await findAlert(db, userId, id)) ? 'expired' : undefined;
}

/** Which limit a write that returned nothing ran into (`excluding`: the alert being updated, already counted). */
async function refusal(db: Database, limits: AlertLimits, userId: string, withWebhook: boolean, excluding: string | null): Promise<Refusal> {
  const counts = await countAlerts(db, userId, excluding);
  if (withWebhook && counts.webhooks >= limits.maxWebhooksPerUser) return { limit: 'webhooks', max: limits.maxWebhooksPerUser };
  return { limit: 'alerts', max: limits.maxPerUser };
}
