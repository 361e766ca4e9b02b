import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  Alert,
  AlertCreate,
  AlertPage,
  AlertState,
  AlertUpdate,
  alertCreateSchema,
  alertProblem,
  alertUpdateSchema,
  CHANNELS,
  DELIVERY_STATUSES,
  DeliveryPage,
  type InstrumentRef,
  IssuedWebhookSecret,
  TriggerPage,
  WebhookSecretStatus,
} from '../../contracts/alerts.ts';
import { ConfigError } from '../../contracts/config-error.ts';
import { NoQuery } from '../../contracts/instruments-api.ts';
import { type EdgeConfig, edgeConfig } from '../../contracts/worker-config.ts';
import { alertOf } from '../../storage/alerts/alert-rows.ts';
import { deleteAlert, findAlert, hasWebhookSecret, listAlerts } from '../../storage/alerts/alert-sql.ts';
import { createAlert, type Refusal, setAlertState, updateAlert } from '../../storage/alerts/alert-store.ts';
import { listDeliveries, listTriggers } from '../../storage/alerts/history.ts';
import { issueWebhookSecret, webhookSecretStatus } from '../../storage/alerts/webhook-secrets.ts';
import { type Database, openDatabase } from '../../storage/database.ts';
import { type ResolvedInstrument, resolveInstruments } from '../../storage/resolve-instruments.ts';
import { type AuthEnv, principalOf, requires } from '../auth/policy.ts';
import { SESSION, scope } from '../auth/principal.ts';
import { errorResponse, InvalidParameter } from '../errors.ts';
import { invalidParameter, json, noContent, problem, route } from '../openapi/describe.ts';
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
export const alerts = new OpenAPIHono<AuthEnv>();
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
const IdParams = z.object({ id: AlertId });

const EXAMPLE_ALERT: Alert = {
  id: '5f0c2a7e-8d4b-4c3a-9e1f-6a2b3c4d5e6f',
  user_id: '0b9e4a52-3d5f-4c1e-9a57-2f0c6d8e1a34',
  instrument: { instrument_token: 408065, exchange: 'NSE', tradingsymbol: 'INFY' },
  condition: { type: 'price_above', price: 1600 },
  repeat: { type: 'once' },
  expires_at: null,
  note: 'INFY breakout',
  channels: { sessions: true, webhook: null },
  state: 'active',
  created_at: '2026-01-05T09:45:12.000Z',
  updated_at: '2026-01-05T09:45:12.000Z',
  last_triggered_at: null,
  trigger_count: 0,
};
const NO_ALERT = problem('the caller has no such alert (another user’s answers the same)', 'alert_not_found', `you have no alert ${EXAMPLE_ALERT.id}`);
const BAD_ID = invalidParameter('id', 'must be an alert id (a UUID)');
const SECRET_STATUS = { configured: true, created_at: '2026-01-05T09:45:12.000Z', previous_valid_until: null };

// Static paths first: `/triggers` is not an alert id.
route(
  alerts,
  createRoute({
    method: 'get',
    path: '/webhook-secret',
    tags: ['alerts'],
    summary: 'Whether the user has a webhook secret (never the secret)',
    request: { query: NoQuery },
    responses: { 200: json(WebhookSecretStatus, 'the secret’s dates', SECRET_STATUS), 400: invalidParameter('x', 'unknown parameter; this route takes none') },
  }),
  OWN_SESSION,
  async (c) => {
    parseQuery(c, NoQuery);
    return c.json(await webhookSecretStatus(database(c), principalOf(c).userId));
  },
);

route(
  alerts,
  createRoute({
    method: 'post',
    path: '/webhook-secret',
    tags: ['alerts'],
    summary: 'A new webhook secret, shown once (the previous one is honoured for a day)',
    responses: { 201: json(IssuedWebhookSecret, 'the secret every webhook is signed with', { ...SECRET_STATUS, secret: 'whsec_…' }) },
  }),
  OWN_SESSION,
  async (c) => {
    return c.json(await issueWebhookSecret(database(c), edgeConfig(c.env), principalOf(c).userId), 201);
  },
);

route(
  alerts,
  createRoute({
    method: 'get',
    path: '/triggers',
    tags: ['alerts'],
    summary: 'The user’s triggers across alerts, with their deliveries, newest first',
    request: { query: UserTriggerQuery },
    responses: { 200: json(TriggerPage, 'a page of triggers'), 400: invalidParameter('alert_id', 'must be an alert id (a UUID)') },
  }),
  ALERTS,
  async (c) => {
    const query = parseQuery(c, UserTriggerQuery);
    const rows = await listTriggers(database(c), principalOf(c).userId, { alertId: query.alert_id, size: query.limit, after: query.cursor });
    return triggersPage(c, rows, query.limit);
  },
);

route(
  alerts,
  createRoute({
    method: 'get',
    path: '/deliveries',
    tags: ['alerts'],
    summary: 'Deliveries of the user’s triggers (`?status=failed,dead`: the dead letters)',
    request: { query: DeliveryQuery },
    responses: { 200: json(DeliveryPage, 'a page of deliveries'), 400: invalidParameter('channel', `must be one of ${CHANNELS.join(', ')}`) },
  }),
  ALERTS,
  async (c) => {
    const query = parseQuery(c, DeliveryQuery);
    const rows = await listDeliveries(database(c), principalOf(c).userId, {
      statuses: query.status,
      channel: query.channel,
      size: query.limit,
      after: query.cursor,
    });
    const { rows: deliveries, next_cursor } = page(rows, query.limit, (row) => row.cursor);
    return c.json({ deliveries: deliveries.map(({ cursor: _, ...delivery }) => delivery), next_cursor });
  },
);

route(
  alerts,
  createRoute({
    method: 'post',
    path: '/',
    tags: ['alerts'],
    summary: 'Create a price alert',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: AlertCreate,
            example: { instrument: 'NSE:INFY', condition: { type: 'price_above', price: 1600 }, note: 'INFY breakout' },
          },
        },
      },
    },
    responses: {
      201: json(Alert, 'the alert', EXAMPLE_ALERT),
      400: invalidParameter('condition.price', 'must be a number'),
      409: problem(
        'the user holds as many alerts (or webhook alerts) as one may (`limit_exceeded`), or a webhook needs the user’s webhook secret first (`webhook_secret_missing`)',
        'limit_exceeded',
        'a user may hold 100 alerts: delete one first',
      ),
    },
  }),
  ALERTS,
  async (c) => {
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
  },
);

route(
  alerts,
  createRoute({
    method: 'get',
    path: '/',
    tags: ['alerts'],
    summary: 'The user’s alerts, newest first',
    request: { query: ListQuery },
    responses: { 200: json(AlertPage, 'a page of alerts', { alerts: [EXAMPLE_ALERT], next_cursor: null }), 400: invalidParameter('state', 'is invalid') },
  }),
  ALERTS,
  async (c) => {
    const query = parseQuery(c, ListQuery);
    const rows = await listAlerts(database(c), principalOf(c).userId, { state: query.state, size: query.limit, after: query.cursor });
    const { rows: kept, next_cursor } = page(rows, query.limit, (row) => `${row.created_us}_${row.id}`);
    return c.json({ alerts: kept.map(alertOf), next_cursor });
  },
);

route(
  alerts,
  createRoute({
    method: 'get',
    path: '/{id}',
    tags: ['alerts'],
    summary: 'One alert',
    request: { params: IdParams, query: NoQuery },
    responses: { 200: json(Alert, 'the alert', EXAMPLE_ALERT), 400: BAD_ID, 404: NO_ALERT },
  }),
  ALERTS,
  async (c) => {
    parseQuery(c, NoQuery);
    const id = alertId(c);
    const row = await findAlert(database(c), principalOf(c).userId, id);
    return row ? c.json(alertOf(row)) : notFound(c, id);
  },
);

route(
  alerts,
  createRoute({
    method: 'patch',
    path: '/{id}',
    tags: ['alerts'],
    summary: 'Change an alert’s condition, repeat, expiry, note or channels',
    request: {
      params: IdParams,
      body: { required: true, content: { 'application/json': { schema: AlertUpdate, example: { condition: { type: 'price_above', price: 1650 } } } } },
    },
    responses: {
      200: json(Alert, 'the changed alert', EXAMPLE_ALERT),
      400: invalidParameter('instrument', 'cannot be changed: delete this alert and create one on the other instrument'),
      404: NO_ALERT,
      409: problem(
        'over a limit, or a webhook without the user’s webhook secret',
        'webhook_secret_missing',
        'channels.webhook: create your webhook secret first (POST /alerts/webhook-secret, shown once): every webhook is signed with it',
      ),
    },
  }),
  ALERTS,
  async (c) => {
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
  },
);

route(
  alerts,
  createRoute({
    method: 'delete',
    path: '/{id}',
    tags: ['alerts'],
    summary: 'Delete an alert and its history',
    request: { params: IdParams },
    responses: { 204: noContent('deleted'), 400: BAD_ID, 404: NO_ALERT },
  }),
  ALERTS,
  async (c) => {
    const id = alertId(c);
    const group = await deleteAlert(database(c), principalOf(c).userId, id);
    if (group === undefined) return notFound(c, id);
    await tellGroup(c, group, [id]);
    return c.body(null, 204);
  },
);

for (const [action, state] of [
  ['pause', 'paused'],
  ['resume', 'active'],
] as const) {
  route(
    alerts,
    createRoute({
      method: 'post',
      path: `/{id}/${action}`,
      tags: ['alerts'],
      summary: action === 'pause' ? 'Stop evaluating an alert' : 'Evaluate an alert again (re-arms a triggered one-shot)',
      request: { params: IdParams },
      responses: {
        200: json(Alert, `the alert, now ${state}`, { ...EXAMPLE_ALERT, state }),
        400: BAD_ID,
        404: NO_ALERT,
        409: problem(
          'the alert is past its expires_at',
          'alert_expired',
          `alert ${EXAMPLE_ALERT.id} is past its expires_at: set a later one (PATCH, or null for none) to ${action} it`,
        ),
      },
    }),
    ALERTS,
    async (c) => {
      const id = alertId(c);
      const changed = await setAlertState(database(c), principalOf(c).userId, id, state);
      if (changed === undefined) return notFound(c, id);
      if (changed === 'expired') {
        return errorResponse(c, 409, 'alert_expired', `alert ${id} is past its expires_at: set a later one (PATCH, or null for none) to ${action} it`);
      }
      await tellGroup(c, changed.group_key, [id]);
      return c.json(alertOf(changed));
    },
  );
}

route(
  alerts,
  createRoute({
    method: 'get',
    path: '/{id}/triggers',
    tags: ['alerts'],
    summary: 'An alert’s triggers with their deliveries, newest first',
    request: { params: IdParams, query: TriggerQuery },
    responses: { 200: json(TriggerPage, 'a page of triggers'), 400: BAD_ID, 404: NO_ALERT },
  }),
  ALERTS,
  async (c) => {
    const id = alertId(c);
    const query = parseQuery(c, TriggerQuery);
    const db = database(c);
    const { userId } = principalOf(c);
    if (!(await findAlert(db, userId, id))) return notFound(c, id);
    return triggersPage(c, await listTriggers(db, userId, { alertId: id, size: query.limit, after: query.cursor }), query.limit);
  },
);

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
