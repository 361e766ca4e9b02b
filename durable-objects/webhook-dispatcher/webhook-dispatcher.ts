import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import type { WebhookPayload } from '../../contracts/alerts.ts';
import type { EdgeTally, WebhookResult } from '../../contracts/edge-metrics.ts';
import { checkWebhookUrl } from '../../contracts/webhook-url.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { type DueWebhook, dueWebhooks, nextWebhookDue, noteUnsentWebhooks, saveWebhookAttempt, triggerFields } from '../../storage/alerts/alert-sql.ts';
import { signingSecrets } from '../../storage/alerts/webhook-secrets.ts';
import { type Database, describe, openDatabase } from '../../storage/database.ts';
import { tally } from '../metrics/edge-tally.ts';
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
 * Metrics: each run's outcomes (delivered, retried, dead letters) and a
 * run that failed go to FeedControl in one call (metrics/edge-tally.ts):
 * nobody can list a user's dispatcher to ask it.
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
    const outcomes: Outcomes = { delivered: 0, retried: 0, dead_letter: 0 };
    const tallies: EdgeTally[] = [];
    try {
      next = await this.#deliverDue(outcomes);
    } catch (error) {
      console.warn(`WebhookDispatcher ${this.#userId}: ${describe(error)} (retrying in ${RETRY_MS / 1000} s)`);
      tallies.push({ name: 'kite_edge_object_errors_total', labels: { object: 'WebhookDispatcher' }, value: 1 });
      next = Date.now() + RETRY_MS;
    }
    for (const [result, value] of Object.entries(outcomes) as [WebhookResult, number][]) {
      if (value > 0) tallies.push({ name: 'kite_edge_webhook_deliveries_total', labels: { result }, value });
    }
    // The next attempt is scheduled before the counts are sent: a slow FeedControl must not leave a delivery without its alarm.
    if (next !== null) await this.ctx.storage.setAlarm(next);
    if (tallies.length > 0) await tally(this.env, `WebhookDispatcher ${this.#userId}`, tallies);
  }

  /** Attempts what is due, counting each attempt's outcome; returns when the next pending delivery is due (null: none). */
  async #deliverDue(outcomes: Outcomes): Promise<number | null> {
    const config = edgeConfig(this.env);
    const db = openDatabase(config.database, config.queryTimeoutMs);
    const due = await dueWebhooks(db, this.#userId, DUE_BATCH);
    if (due.length > 0) {
      let secrets: string[];
      try {
        secrets = await signingSecrets(db, config, this.#userId);
      } catch (error) {
        // Not the receiver's fault, so no attempt is counted; the reason shows on the deliveries.
        await noteUnsentWebhooks(
          db,
          due.map((row) => row.id),
          `not sent yet: cannot sign: ${describe(error)}`.slice(0, 500),
        );
        throw error;
      }
      const queue = [...due];
      const send = { fetch: this.#fetch, allowPrivate: config.alerts.allowPrivateWebhooks };
      const policy = webhookRetryPolicy(config.alerts.webhookRetryBaseMs);
      const worker = async () => {
        for (let row = queue.shift(); row; row = queue.shift()) outcomes[await this.#attempt(db, row, secrets, send, policy)]++;
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
    }
    return nextWebhookDue(db, this.#userId);
  }

  /** One attempt of one delivery, and its outcome written back; answers what became of the delivery. */
  async #attempt(db: Database, row: DueWebhook, secrets: readonly string[], send: SendOptions, policy: RetryPolicy): Promise<WebhookResult> {
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
      ...triggerFields(row),
      user_id: this.#userId,
    };
    const outcome = await post(row.url, payload, secrets, delivery.attempts + 1, send);
    const after = afterAttempt(delivery, outcome, { now: Date.now(), random: Math.random(), policy });
    await saveWebhookAttempt(db, row.id, after);
    // failed (refused for good) and dead (out of attempts) are both the user's dead letters.
    return after.status === 'delivered' ? 'delivered' : after.status === 'pending' ? 'retried' : 'dead_letter';
  }
}

type Outcomes = Record<WebhookResult, number>;

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
