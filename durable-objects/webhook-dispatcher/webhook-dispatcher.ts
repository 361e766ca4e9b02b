import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import type { AlertCondition, WebhookPayload } from '../../contracts/alerts.ts';
import { checkWebhookUrl } from '../../contracts/webhook-url.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { iso } from '../../storage/alerts/alert-rows.ts';
import { signingSecrets } from '../../storage/alerts/webhook-secrets.ts';
import { type Database, describe, openDatabase } from '../../storage/database.ts';
import { type AttemptOutcome, afterAttempt, type Delivery, type RetryPolicy, WEBHOOK_TIMEOUT_MS, webhookRetryPolicy } from './webhook-retry.ts';
import { signedWebhook } from './webhook-signature.ts';

/**
 * WebhookDispatcher: one instance per user, named by the user id. It sends
 * the user's alert webhooks (signed POSTs, docs/alerts.md), retries them
 * with backoff (webhook-retry.ts; the first wait ALERT_WEBHOOK_RETRY_BASE_MS
 * at most) and records every attempt's outcome in Postgres, apart from the
 * group objects, so a slow or failing receiver never delays the evaluation
 * of a tick; and per user, so one user's dead receiver never delays
 * another's.
 *
 * Its queue is the user's `pending` rows of alert_deliveries (the index
 * alert_deliveries_due), which the group objects insert together with the
 * triggers: nothing to keep in sync with Postgres, and nothing lost when
 * this object restarts. The groups `wake()` it after recording; it then
 * runs from its alarm, sending what is due (DUE_BATCH at a time,
 * CONCURRENCY at once, each attempt bounded by WEBHOOK_TIMEOUT_MS), and sets
 * the alarm for the next due retry. Single-threaded: alarms never overlap,
 * so no delivery is attempted twice at once.
 *
 * At least once: an attempt's outcome is written after the attempt, so a
 * restart in between repeats it. Receivers act once per `X-Alert-Delivery`.
 * If Postgres or the signing secret cannot be read, the run is retried
 * after RETRY_MS without counting an attempt.
 *
 * Webhooks go out through the runtime's `fetch`; a test swaps in a scripted
 * one with `useFetch()` from inside the object (runInDurableObject), so the
 * retries are tested in workerd without a receiver.
 */
const DUE_BATCH = 50;
const CONCURRENCY = 8;
const RETRY_MS = 30_000;
const UserId = z.uuid();

/** How a webhook attempt goes out: the runtime's fetch, or a test's script. */
export type WebhookFetch = (url: string, init: RequestInit) => Promise<Response>;
const runtimeFetch: WebhookFetch = (url, init) => fetch(url, init);

type DueRow = {
  id: string;
  url: string;
  attempts: number;
  next_attempt_at: Date | string;
  last_attempt_at: Date | string | null;
  response_code: number | null;
  last_error: string | null;
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

const DUE_SQL = `
  SELECT d.id::text AS id, d.url, d.attempts, d.next_attempt_at, d.last_attempt_at, d.response_code, d.last_error,
    t.idempotency_key, t.alert_id, t.generation::float8 AS generation, t.instrument_token::float8 AS instrument_token, a.exchange, a.tradingsymbol,
    t.condition, t.value, t.last_price, t.previous_price, t.tick_at, t.triggered_at, t.note
  FROM alert_deliveries d
  JOIN alert_triggers t ON t.id = d.trigger_id
  JOIN alerts a ON a.id = t.alert_id
  WHERE d.user_id = $1 AND d.status = 'pending' AND d.channel = 'webhook' AND d.next_attempt_at <= now()
  ORDER BY d.next_attempt_at, d.id
  LIMIT $2`;

const SAVE_SQL = `
  UPDATE alert_deliveries SET status = $2, attempts = $3, next_attempt_at = to_timestamp($4::float8 / 1000), last_attempt_at = to_timestamp($5::float8 / 1000),
    response_code = $6, last_error = $7, delivered_at = to_timestamp($8::float8 / 1000)
  WHERE id = $1 AND status = 'pending'`;

export class WebhookDispatcher extends DurableObject {
  readonly #userId: string;
  #fetch: WebhookFetch = runtimeFetch;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#userId = ctx.id.name ?? '';
  }

  /**
   * Tests only, called on the instance inside the object
   * (`runInDurableObject(stub, (dispatcher) => dispatcher.useFetch(fake))`):
   * attempts from now on go to `fetch` instead of the network, until the
   * object restarts.
   */
  useFetch(fetch: WebhookFetch): void {
    this.#fetch = fetch;
  }

  /** Deliveries of this user may be due: run now (an earlier alarm already set is kept). */
  async wake(): Promise<void> {
    if (!UserId.safeParse(this.#userId).success) throw new TypeError(`${JSON.stringify(this.#userId)} is not a user id`);
    const now = Date.now();
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at > now) await this.ctx.storage.setAlarm(now);
  }

  override async alarm(): Promise<void> {
    let next: number | null;
    try {
      next = await this.#deliverDue();
    } catch (error) {
      console.warn(`WebhookDispatcher ${this.#userId}: ${describe(error)} (retrying in ${RETRY_MS / 1000} s)`);
      next = Date.now() + RETRY_MS;
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Attempts what is due; returns when the next pending delivery is due (null: none). */
  async #deliverDue(): Promise<number | null> {
    const config = edgeConfig(this.env);
    const db = openDatabase(config.database, config.queryTimeoutMs);
    const { rows: due } = await db.query<DueRow>(DUE_SQL, [this.#userId, DUE_BATCH]);
    if (due.length > 0) {
      let secrets: string[];
      try {
        secrets = await signingSecrets(db, config, this.#userId);
      } catch (error) {
        // Not the receiver's fault, so no attempt is counted; the reason shows on the deliveries.
        await db.query(`UPDATE alert_deliveries SET last_error = $2 WHERE id = ANY($1::bigint[]) AND status = 'pending'`, [
          due.map((row) => row.id),
          `not sent yet: cannot sign: ${describe(error)}`.slice(0, 500),
        ]);
        throw error;
      }
      const queue = [...due];
      const send = { fetch: this.#fetch, allowPrivate: config.alerts.allowPrivateWebhooks };
      const policy = webhookRetryPolicy(config.alerts.webhookRetryBaseMs);
      const worker = async () => {
        for (let row = queue.shift(); row; row = queue.shift()) await this.#attempt(db, row, secrets, send, policy);
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
    }
    const {
      rows: [soonest],
    } = await db.query<{ at: Date | string | null }>(
      `SELECT min(next_attempt_at) AS at FROM alert_deliveries WHERE user_id = $1 AND status = 'pending' AND channel = 'webhook'`,
      [this.#userId],
    );
    return soonest?.at ? new Date(soonest.at).getTime() : null;
  }

  /** One attempt of one delivery, and its outcome written back. */
  async #attempt(db: Database, row: DueRow, secrets: readonly string[], send: SendOptions, policy: RetryPolicy): Promise<void> {
    const delivery: Delivery = {
      status: 'pending',
      attempts: row.attempts,
      next_attempt_at: new Date(row.next_attempt_at).getTime(),
      last_attempt_at: row.last_attempt_at === null ? null : new Date(row.last_attempt_at).getTime(),
      response_code: row.response_code,
      last_error: row.last_error,
      delivered_at: null,
    };
    const payload: WebhookPayload = {
      event: 'alert.triggered',
      idempotency_key: row.idempotency_key,
      alert_id: row.alert_id,
      user_id: this.#userId,
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
    const outcome = await post(row.url, payload, secrets, delivery.attempts + 1, send);
    const after = afterAttempt(delivery, outcome, { now: Date.now(), random: Math.random(), policy });
    await db.query(SAVE_SQL, [
      row.id,
      after.status,
      after.attempts,
      after.next_attempt_at,
      after.last_attempt_at,
      after.response_code,
      after.last_error,
      after.delivered_at,
    ]);
  }
}

type SendOptions = { fetch: WebhookFetch; allowPrivate: boolean };

/** POSTs one signed attempt; redirects are not followed (a redirect could lead into a private network). */
async function post(url: string, payload: WebhookPayload, secrets: readonly string[], attempt: number, send: SendOptions): Promise<AttemptOutcome> {
  // The URL was allowed when it was stored; the rule (or the deployment's flag) may have changed since.
  const check = checkWebhookUrl(url, { allowPrivate: send.allowPrivate });
  if (!check.ok) return { kind: 'refused', reason: check.reason };
  const { body, headers } = await signedWebhook(payload, secrets, Date.now(), attempt);
  try {
    const response = await send.fetch(check.url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    await response.body?.cancel();
    const retryAfter = Number(response.headers.get('Retry-After'));
    return { kind: 'response', status: response.status, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterS: retryAfter } : {}) };
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return { kind: 'timeout' };
    return { kind: 'network', error: describe(error) };
  }
}
