import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { AlertState, alertCreateSchema, alertProblem, alertUpdateSchema, type InstrumentRef } from '../../contracts/alerts.ts';
import { ConfigError } from '../../contracts/config-error.ts';
import { NoQuery } from '../../contracts/instruments-api.ts';
import { type EdgeConfig, edgeConfig } from '../../contracts/worker-config.ts';
import { alertOf } from '../../storage/alerts/alert-rows.ts';
import { CHANNELS, DELIVERY_STATUSES, deleteAlert, findAlert, hasWebhookSecret, listAlerts } from '../../storage/alerts/alert-sql.ts';
import { createAlert, type Refusal, setAlertState, updateAlert } from '../../storage/alerts/alert-store.ts';
import { listDeliveries, listTriggers } from '../../storage/alerts/history.ts';
import { issueWebhookSecret, webhookSecretStatus } from '../../storage/alerts/webhook-secrets.ts';
import { type Database, openDatabase } from '../../storage/database.ts';
import { type ResolvedInstrument, resolveInstruments } from '../../storage/resolve-instruments.ts';
import { type AuthEnv, principalOf, requires } from '../auth/policy.ts';
import { SESSION, scope } from '../auth/principal.ts';
import { errorResponse, InvalidParameter } from '../errors.ts';
import { parseBody, parsePathParam, parseQuery } from '../validate.ts';
import { tellGroup } from './group-push.ts';
import { alertCursor, idCursor, limit, page } from './page.ts';

/**
 * Price alerts (docs/alerts.md): route → schema (contracts/alerts.ts) →
 * Postgres (storage/alerts/: every statement in alert-sql.ts) → the alert's InstrumentGroup told
 * at once (group-push.ts) → response. Postgres is the source of truth; the
 * group evaluates what it read from there.
 *
 *   POST   /alerts                       create                           201 the alert
 *   GET    /alerts?state&limit&cursor    the caller's alerts, newest first
 *   GET    /alerts/:id                   one alert
 *   PATCH  /alerts/:id                   change condition, repeat, expiry, note, channels
 *   DELETE /alerts/:id                   delete it and its history        204
 *   POST   /alerts/:id/pause             stop evaluating it
 *   POST   /alerts/:id/resume            evaluate it again (re-arms a triggered one-shot)
 *   GET    /alerts/:id/triggers          its triggers with their deliveries, newest first
 *   GET    /alerts/triggers              the caller's triggers across alerts (?alert_id)
 *   GET    /alerts/deliveries            deliveries (?status=failed,dead: the dead letters; ?channel)
 *   GET    /alerts/webhook-secret        whether the caller has a webhook secret (never the secret)
 *   POST   /alerts/webhook-secret        a new secret, shown once (the old one is honoured for a day)
 *
 * Access: an access token, or an API key with scope `alerts`; the webhook
 * secret only with the user's own access token, since whoever holds it can
 * forge the user's webhooks. Another user's alert answers 404 alert_not_found,
 * exactly like an id that does not exist.
 */
export const alerts = new Hono<AuthEnv>();
const ALERTS = requires(scope('alerts'), { limit: 'api' });
const OWN_SESSION = requires(SESSION, { limit: 'api' });

const ListQuery = z.strictObject({
  state: AlertState.optional(),
  limit,
  cursor: alertCursor.optional(),
});
const TriggerQuery = z.strictObject({ limit, cursor: idCursor.optional() });
const UserTriggerQuery = TriggerQuery.extend({ alert_id: z.uuid('must be an alert id (a UUID)').optional() });
const DeliveryQuery = z.strictObject({
  status: z
    .string()
    .transform((text) => text.split(','))
    .pipe(z.array(z.enum(DELIVERY_STATUSES, { error: `must be a comma-separated list of ${DELIVERY_STATUSES.join(', ')}` })))
    .optional(),
  channel: z.enum(CHANNELS, { error: `must be one of ${CHANNELS.join(', ')}` }).optional(),
  limit,
  cursor: idCursor.optional(),
});
const AlertId = z.uuid('must be an alert id (a UUID)');

// Static paths first: `/triggers` is not an alert id.
alerts.get('/webhook-secret', OWN_SESSION, async (c) => {
  parseQuery(c, NoQuery);
  return c.json(await webhookSecretStatus(database(c), principalOf(c).userId));
});

alerts.post('/webhook-secret', OWN_SESSION, async (c) => {
  return c.json(await issueWebhookSecret(database(c), edgeConfig(c.env), principalOf(c).userId), 201);
});

alerts.get('/triggers', ALERTS, async (c) => {
  const query = parseQuery(c, UserTriggerQuery);
  const rows = await listTriggers(database(c), principalOf(c).userId, { alertId: query.alert_id, size: query.limit, after: query.cursor });
  return triggersPage(c, rows, query.limit);
});

alerts.get('/deliveries', ALERTS, async (c) => {
  const query = parseQuery(c, DeliveryQuery);
  const rows = await listDeliveries(database(c), principalOf(c).userId, {
    statuses: query.status,
    channel: query.channel,
    size: query.limit,
    after: query.cursor,
  });
  const { rows: deliveries, next_cursor } = page(rows, query.limit, (row) => row.cursor);
  return c.json({ deliveries: deliveries.map(({ cursor: _, ...delivery }) => delivery), next_cursor });
});

alerts.post('/', ALERTS, async (c) => {
  const config = edgeConfig(c.env);
  const body = await parseBody(
    c,
    alertCreateSchema({ allowPrivateWebhooks: config.alerts.allowPrivateWebhooks, minCooldownS: config.alerts.minCooldownS }),
    alertProblem,
  );
  const { userId } = principalOf(c);
  const db = database(c);
  const instrument = await resolveOne(db, body.instrument);
  if (body.channels.webhook) {
    const missing = await webhookPrerequisite(c, db, config, userId);
    if (missing) return missing;
  }
  const created = await createAlert(db, config.alerts, userId, instrument, body);
  if ('limit' in created) return limitExceeded(c, created);
  await tellGroup(c, created.group_key, [created.id]);
  return c.json(alertOf(created), 201);
});

alerts.get('/', ALERTS, async (c) => {
  const query = parseQuery(c, ListQuery);
  const rows = await listAlerts(database(c), principalOf(c).userId, { state: query.state, size: query.limit, after: query.cursor });
  const { rows: kept, next_cursor } = page(rows, query.limit, (row) => `${row.created_us}_${row.id}`);
  return c.json({ alerts: kept.map(alertOf), next_cursor });
});

alerts.get('/:id', ALERTS, async (c) => {
  parseQuery(c, NoQuery);
  const id = alertId(c);
  const row = await findAlert(database(c), principalOf(c).userId, id);
  return row ? c.json(alertOf(row)) : notFound(c, id);
});

alerts.patch('/:id', ALERTS, async (c) => {
  const id = alertId(c);
  const config = edgeConfig(c.env);
  const body = await parseBody(
    c,
    alertUpdateSchema({ allowPrivateWebhooks: config.alerts.allowPrivateWebhooks, minCooldownS: config.alerts.minCooldownS }),
    alertProblem,
  );
  const { userId } = principalOf(c);
  const db = database(c);
  if (body.channels?.webhook) {
    const missing = await webhookPrerequisite(c, db, config, userId);
    if (missing) return missing;
  }
  const updated = await updateAlert(db, config.alerts, userId, id, body);
  if (!updated) return notFound(c, id);
  if ('limit' in updated) return limitExceeded(c, updated);
  await tellGroup(c, updated.group_key, [id]);
  return c.json(alertOf(updated));
});

alerts.delete('/:id', ALERTS, async (c) => {
  const id = alertId(c);
  const group = await deleteAlert(database(c), principalOf(c).userId, id);
  if (group === undefined) return notFound(c, id);
  await tellGroup(c, group, [id]);
  return c.body(null, 204);
});

for (const [action, state] of [
  ['pause', 'paused'],
  ['resume', 'active'],
] as const) {
  alerts.post(`/:id/${action}`, ALERTS, async (c) => {
    const id = alertId(c);
    const changed = await setAlertState(database(c), principalOf(c).userId, id, state);
    if (changed === undefined) return notFound(c, id);
    if (changed === 'expired') {
      return errorResponse(c, 409, 'alert_expired', `alert ${id} is past its expires_at: set a later one (PATCH, or null for none) to ${action} it`);
    }
    await tellGroup(c, changed.group_key, [id]);
    return c.json(alertOf(changed));
  });
}

alerts.get('/:id/triggers', ALERTS, async (c) => {
  const id = alertId(c);
  const query = parseQuery(c, TriggerQuery);
  const db = database(c);
  const { userId } = principalOf(c);
  if (!(await findAlert(db, userId, id))) return notFound(c, id);
  return triggersPage(c, await listTriggers(db, userId, { alertId: id, size: query.limit, after: query.cursor }), query.limit);
});

// ---- helpers of these routes ----

function database(c: Context<AuthEnv>): Database {
  const config = edgeConfig(c.env);
  return openDatabase(config.database, config.queryTimeoutMs);
}

async function resolveOne(db: Database, ref: InstrumentRef): Promise<ResolvedInstrument> {
  const { resolved } = await resolveInstruments(db, [ref]);
  const instrument = resolved.get(String(ref));
  if (!instrument) throw new InvalidParameter('instrument', `no active instrument is ${JSON.stringify(ref)}; find it with GET /instruments/search?q=…`);
  return instrument;
}

/** A webhook needs the deployment's sealing key and the user's secret to be signed with; the answer when one is missing. */
async function webhookPrerequisite(c: Context<AuthEnv>, db: Database, config: EdgeConfig, userId: string): Promise<Response | undefined> {
  if (config.alerts.secretKeys.length === 0) {
    throw new ConfigError([{ variable: 'ALERT_SECRET_KEY', problem: 'is not set: webhooks are off on this deployment' }]);
  }
  if (await hasWebhookSecret(db, userId)) return undefined;
  return errorResponse(
    c,
    409,
    'webhook_secret_missing',
    'channels.webhook: create your webhook secret first (POST /alerts/webhook-secret, shown once): every webhook is signed with it',
  );
}

function alertId(c: Context<AuthEnv>): string {
  return parsePathParam(c, 'id', AlertId);
}

function triggersPage(c: Context<AuthEnv>, rows: Awaited<ReturnType<typeof listTriggers>>, size: number): Response {
  const { rows: triggers, next_cursor } = page(rows, size, (row) => row.cursor);
  return c.json({ triggers: triggers.map(({ cursor: _, ...trigger }) => trigger), next_cursor });
}

function limitExceeded(c: Context<AuthEnv>, refusal: Refusal): Response {
  const what = refusal.limit === 'alerts' ? `${refusal.max} alerts` : `${refusal.max} alerts with a webhook`;
  return errorResponse(c, 409, 'limit_exceeded', `a user may hold ${what}: delete one first`);
}

const notFound = (c: Context<AuthEnv>, id: string) => errorResponse(c, 404, 'alert_not_found', `you have no alert ${id}`);
