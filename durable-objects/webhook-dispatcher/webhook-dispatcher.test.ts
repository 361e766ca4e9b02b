import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../contracts/alerts.ts';
import { backoffCeilingMs } from '../../contracts/backoff.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { scrape, seriesValue } from '../../test/workers/metrics-text.ts';
import { asUser, createAlert } from '../../test/workers/test-alerts.ts';
import { ltpPacket, TestOrigin } from '../../test/workers/test-origin.ts';
import { instrumentsOfOneGroup, type TestInstrument } from '../../test/workers/test-session.ts';
import { callWith, newUser, sql, type TestUser } from '../../test/workers/test-users.ts';
import type { WebhookDispatcher, WebhookFetch } from './webhook-dispatcher.ts';
import { WEBHOOK_RETRY, webhookRetryPolicy } from './webhook-retry.ts';
import { ATTEMPT_HEADER, DELIVERY_HEADER, SIGNATURE_HEADER, verifySignature } from './webhook-signature.ts';

/**
 * The WebhookDispatcher in workerd, reached as in production: an alert
 * fires in its group object, the trigger is recorded with a pending webhook
 * delivery, and the owner's dispatcher is woken. The receiver is a script
 * handed to the dispatcher (useFetch, from inside the object): its answers
 * decide the retries, which run on the deployment's policy with a tiny
 * first delay (ALERT_WEBHOOK_RETRY_BASE_MS in vitest.config.ts). The same
 * against a real HTTP receiver runs on the whole platform
 * (test/e2e/alerts.test.ts).
 */
const settled = (check: () => Promise<void>, timeout = 5_000) => vi.waitFor(check, { timeout, interval: 25 });
const policy = webhookRetryPolicy(edgeConfig(env).alerts.webhookRetryBaseMs);

type DeliveryRow = {
  status: string;
  attempts: number;
  response_code: number | null;
  last_error: string | null;
  last_attempt_ms: number | null;
  next_attempt_ms: number | null;
};

/** The user's one webhook delivery, as the dispatcher last wrote it. */
async function deliveryOf(user: TestUser): Promise<DeliveryRow> {
  const rows = await sql<DeliveryRow>(
    `SELECT status, attempts, response_code, last_error,
       round(extract(epoch FROM last_attempt_at) * 1000)::float8 AS last_attempt_ms,
       round(extract(epoch FROM next_attempt_at) * 1000)::float8 AS next_attempt_ms
     FROM alert_deliveries WHERE user_id = $1 AND channel = 'webhook'`,
    [user.id],
  );
  expect(rows).toHaveLength(1);
  return rows[0] as DeliveryRow;
}

/** What the scripted receiver answers: a status (with a Retry-After, in seconds), or no answer before the attempt's deadline. */
type Answer = number | { status: number; retryAfter: string } | 'timeout';
type Received = { url: string; init: RequestInit; headers: Headers; body: string; before: DeliveryRow };

/** A webhook receiver the dispatcher calls instead of the network: each attempt gets the next answer of the script (then `otherwise`). */
class ScriptedReceiver {
  readonly received: Received[] = [];
  readonly #user: TestUser;
  readonly #script: Answer[];
  readonly #otherwise: Answer;

  constructor(user: TestUser, script: Answer[], otherwise: Answer = 204) {
    this.#user = user;
    this.#script = [...script];
    this.#otherwise = otherwise;
  }

  readonly fetch: WebhookFetch = async (url, init) => {
    // The delivery as it stood when this attempt was made: the previous attempt's outcome and the wait it scheduled.
    const before = await deliveryOf(this.#user);
    this.received.push({ url, init, headers: new Headers(init.headers), body: String(init.body), before });
    const answer = this.#script.shift() ?? this.#otherwise;
    // What fetch rejects with when the attempt's AbortSignal.timeout() fires.
    if (answer === 'timeout') throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const { status, retryAfter } = typeof answer === 'number' ? { status: answer, retryAfter: undefined } : answer;
    return new Response(null, { status, headers: retryAfter === undefined ? {} : { 'Retry-After': retryAfter } });
  };
}

/** A user with a webhook secret and an alert with a webhook that `receiver` answers, fired by one tick in the `nth` BSE group. */
async function firedWebhook(nth: number, script: Answer[], otherwise?: Answer) {
  const owner = await newUser();
  const secretAnswer = await asUser(owner, '/alerts/webhook-secret', { method: 'POST' });
  expect(secretAnswer.status).toBe(201);
  const { secret } = (await secretAnswer.json()) as { secret: string };
  const receiver = new ScriptedReceiver(owner, script, otherwise);
  const dispatcher = env.WEBHOOK_DISPATCHER.getByName(owner.id);
  await runInDurableObject(dispatcher, (instance: WebhookDispatcher) => instance.useFetch(receiver.fetch));
  const [instrument] = (await instrumentsOfOneGroup('BSE', 1, nth)) as [TestInstrument];
  const origin = await TestOrigin.connect(`/origin/groups/${instrument.group}`);
  const alert: Alert = await createAlert(owner, {
    instrument: instrument.token,
    condition: { type: 'price_above', price: 10 },
    channels: { sessions: false, webhook: { url: `https://hooks.example.com/${nth}` } },
  });
  origin.sendBatch([ltpPacket(instrument.token, 11)]);
  return { owner, secret, alert, receiver, origin, dispatcher };
}

/** The wait the dispatcher scheduled before `before`'s attempt, and the equal-jitter bounds of retry `retry` under the policy. */
function expectRetryWait(before: DeliveryRow, retry: number): void {
  const ceiling = backoffCeilingMs(retry, policy);
  const wait = (before.next_attempt_ms ?? Number.NaN) - (before.last_attempt_ms ?? Number.NaN);
  expect(wait, `wait before retry ${retry}`).toBeGreaterThanOrEqual(ceiling / 2);
  expect(wait, `wait before retry ${retry}`).toBeLessThanOrEqual(ceiling);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WebhookDispatcher', () => {
  it('does not send to a URL the deployment no longer allows, and shows the delivery as a dead letter', async () => {
    const owner = await newUser();
    expect((await asUser(owner, '/alerts/webhook-secret', { method: 'POST' })).status).toBe(201);
    const [bse] = (await instrumentsOfOneGroup('BSE', 1, 7)) as [TestInstrument];
    const origin = await TestOrigin.connect(`/origin/groups/${bse.group}`);
    // Made while loopback webhooks were allowed; this deployment (vitest.config.ts) does not allow them.
    const created = await callWith({ ALERT_WEBHOOKS_ALLOW_PRIVATE: 'true' }, '/alerts', {
      json: {
        instrument: bse.token,
        condition: { type: 'price_above', price: 10 },
        channels: { sessions: false, webhook: { url: 'http://127.0.0.1:9/hook' } },
      },
      bearer: owner.tokens.access_token,
      ip: owner.ip,
    });
    expect(created.status).toBe(201);
    const alert = (await created.json()) as { id: string };

    origin.sendBatch([ltpPacket(bse.token, 11)]);
    type Listing = {
      deliveries: {
        channel: string;
        status: string;
        attempts: number;
        response_code: number | null;
        last_error: string;
        url: string;
        trigger: { alert_id: string };
      }[];
    };
    await settled(async () => {
      const { deliveries } = (await (await asUser(owner, '/alerts/deliveries?status=failed,dead')).json()) as Listing;
      expect(deliveries).toEqual([
        expect.objectContaining({
          channel: 'webhook',
          status: 'failed',
          url: 'http://127.0.0.1:9/hook',
          attempts: 1,
          response_code: null,
          last_error: 'not sent: the URL must not point into a private network: 127.0.0.1 is loopback',
          trigger: expect.objectContaining({ alert_id: alert.id }),
        }),
      ]);
    });
    // Sessions were not a channel of this alert: its trigger has the webhook delivery only.
    const { triggers } = (await (await asUser(owner, `/alerts/${alert.id}/triggers`)).json()) as { triggers: { deliveries: { channel: string }[] }[] };
    expect(triggers.map((t) => t.deliveries.map((d) => d.channel))).toEqual([['webhook']]);
    origin.close();
  });

  it('retries a 5xx, a timeout, a 408 and a 429 on the policy’s schedule, then records the one success', async () => {
    const before = await scrape();
    const { owner, secret, alert, receiver, origin, dispatcher } = await firedWebhook(8, [503, 'timeout', 408, 429, 204]);
    await settled(async () => expect(await deliveryOf(owner)).toMatchObject({ status: 'delivered', attempts: 5, response_code: 204, last_error: null }));
    // The edge's metrics count the trigger and each attempt by outcome (other files' webhooks may add to them).
    await settled(async () => {
      const after = await scrape();
      const moved = (series: string) => seriesValue(after, series) - seriesValue(before, series);
      expect(moved('kite_edge_alert_triggers_total')).toBeGreaterThanOrEqual(1);
      expect(moved('kite_edge_webhook_deliveries_total{result="retried"}')).toBeGreaterThanOrEqual(4);
      expect(moved('kite_edge_webhook_deliveries_total{result="delivered"}')).toBeGreaterThanOrEqual(1);
    });
    await pause(200);
    // Exactly one success: nothing was sent after it, and nothing is scheduled.
    expect(receiver.received).toHaveLength(5);
    expect(await runInDurableObject(dispatcher, (_instance: WebhookDispatcher, state) => state.storage.getAlarm())).toBeNull();

    const { received } = receiver;
    expect(received.map((r) => r.before.last_error)).toEqual([null, 'HTTP 503', 'no answer within 10 s', 'HTTP 408', 'HTTP 429']);
    expect(received.map((r) => r.before.attempts)).toEqual([0, 1, 2, 3, 4]);
    for (const [i, request] of received.entries()) {
      if (i > 0) expectRetryWait(request.before, i);
      expect(request.url).toBe('https://hooks.example.com/8');
      expect(request.init).toMatchObject({ method: 'POST', redirect: 'manual' });
      expect(request.init.signal).toBeInstanceOf(AbortSignal);
      expect(request.headers.get(ATTEMPT_HEADER)).toBe(String(i + 1));
      expect(request.headers.get(DELIVERY_HEADER)).toBe(`${alert.id}:0`);
      const check = await verifySignature({ secret, body: request.body, header: request.headers.get(SIGNATURE_HEADER), nowMs: Date.now() });
      expect(check.ok).toBe(true);
      expect(JSON.parse(request.body)).toMatchObject({ event: 'alert.triggered', alert_id: alert.id, idempotency_key: `${alert.id}:0`, user_id: owner.id });
    }

    const { deliveries } = (await (await asUser(owner, '/alerts/deliveries?channel=webhook')).json()) as { deliveries: { status: string }[] };
    expect(deliveries.map((d) => d.status)).toEqual(['delivered']);
    origin.close();
  });

  it('honours Retry-After when it asks for longer than the backoff, up to the cap', async () => {
    const { owner, receiver, origin, dispatcher } = await firedWebhook(9, [
      { status: 429, retryAfter: '1' },
      { status: 503, retryAfter: '86400' },
    ]);
    await settled(async () => expect(await deliveryOf(owner)).toMatchObject({ status: 'pending', attempts: 2, response_code: 503 }));
    // The second attempt came when the receiver asked (1 s), not after the 5–10 ms of the backoff.
    const [, second] = receiver.received;
    expect(second?.before).toMatchObject({ attempts: 1, response_code: 429 });
    expect((second?.before.next_attempt_ms ?? 0) - (second?.before.last_attempt_ms ?? 0)).toBe(1_000);
    // A day was asked for: the wait is the cap, 30 minutes, and the dispatcher's alarm is set for then.
    const after = await deliveryOf(owner);
    expect((after.next_attempt_ms ?? 0) - (after.last_attempt_ms ?? 0)).toBe(WEBHOOK_RETRY.maxMs);
    // The attempt is recorded in Postgres before the dispatcher sets its alarm: wait for the alarm, not a moment.
    await settled(async () =>
      expect(await runInDurableObject(dispatcher, (_instance: WebhookDispatcher, state) => state.storage.getAlarm())).toBe(after.next_attempt_ms),
    );
    expect(receiver.received).toHaveLength(2);
    origin.close();
  });

  it('gives up at once on a 4xx other than 408 and 429', async () => {
    const { owner, receiver, origin, dispatcher } = await firedWebhook(10, [410]);
    await settled(async () =>
      expect(await deliveryOf(owner)).toMatchObject({ status: 'failed', attempts: 1, response_code: 410, last_error: 'HTTP 410', next_attempt_ms: null }),
    );
    await pause(200);
    expect(receiver.received).toHaveLength(1);
    expect(await runInDurableObject(dispatcher, (_instance: WebhookDispatcher, state) => state.storage.getAlarm())).toBeNull();
    const { deliveries } = (await (await asUser(owner, '/alerts/deliveries?status=failed,dead')).json()) as { deliveries: { status: string }[] };
    expect(deliveries.map((d) => d.status)).toEqual(['failed']);
    origin.close();
  });

  it(`is dead after ${WEBHOOK_RETRY.maxAttempts} failed attempts, each wait on the policy’s schedule`, async () => {
    const { owner, receiver, origin, dispatcher } = await firedWebhook(11, [], 503);
    await settled(
      async () =>
        expect(await deliveryOf(owner)).toMatchObject({
          status: 'dead',
          attempts: WEBHOOK_RETRY.maxAttempts,
          response_code: 503,
          last_error: `HTTP 503; gave up after ${WEBHOOK_RETRY.maxAttempts} attempts`,
        }),
      20_000,
    );
    await pause(200);
    expect(receiver.received).toHaveLength(WEBHOOK_RETRY.maxAttempts);
    for (const [i, request] of receiver.received.entries()) {
      expect(request.headers.get(ATTEMPT_HEADER)).toBe(String(i + 1));
      if (i > 0) expectRetryWait(request.before, i);
    }
    expect(await runInDurableObject(dispatcher, (_instance: WebhookDispatcher, state) => state.storage.getAlarm())).toBeNull();
    const { deliveries } = (await (await asUser(owner, '/alerts/deliveries?status=failed,dead')).json()) as { deliveries: { status: string }[] };
    expect(deliveries.map((d) => d.status)).toEqual(['dead']);
    origin.close();
  }, 30_000);
});
