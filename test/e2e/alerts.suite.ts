import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Alert, AlertFrame } from '../../contracts/alerts.ts';
import { type Platform, platform, signIn, uniqueEmail, waitFor as waitForOnStack } from './platform.ts';
import { alone } from './platform-lock.ts';

/**
 * Price alerts end to end on the whole local platform (`npm run dev`): the
 * simulator's NIFTY 50 ticks through the origin into the index:NSE group
 * object, alerts made through the REST API, `alert` frames at real
 * WebSocket sessions, the trigger log in Postgres, and webhooks to a real
 * HTTP receiver on 127.0.0.1 (npm run dev allows loopback webhooks). The
 * receiver checks signatures with node:crypto, as docs/alerts.md shows a
 * user's receiver doing, not with the platform's own code.
 */
let stack: Platform;
let ports: Platform['ports'];
const NIFTY = 'NSE:NIFTY 50';
/** The shared platform's shortest cool-down (test/setup/shared-platform.ts). */
const COOLDOWN_S = 2;

type User = { id: string; token: string };
const edgeUrl = (path: string) => `http://127.0.0.1:${ports.EDGE_PORT}${path}`;
const api = (user: User, path: string, init: RequestInit & { json?: unknown } = {}) =>
  fetch(edgeUrl(path), {
    ...init,
    ...(init.json === undefined ? {} : { method: init.method ?? 'POST', body: JSON.stringify(init.json) }),
    headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
  });

const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, ms?: number) => waitForOnStack(stack, what, check, ms);

const register = (email: string, admin = false): Promise<User> => signIn(stack, email, 'alerts test password', { admin });

/** A /v2/ws session that keeps every `alert` frame it receives, with when it arrived. */
class Session {
  readonly alerts: (AlertFrame & { received_at: number })[] = [];
  readonly #socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string };
      if (frame.type === 'alert') this.alerts.push({ ...(frame as AlertFrame), received_at: Date.now() });
    });
  }

  static open(user: User): Promise<Session> {
    const socket = new WebSocket(`ws://127.0.0.1:${ports.EDGE_PORT}/v2/ws?access_token=${user.token}`);
    return new Promise((resolve, reject) => {
      socket.once('message', () => resolve(new Session(socket))); // the welcome
      socket.once('error', reject);
    });
  }

  of(alertId: string): AlertFrame[] {
    return this.alerts.filter((frame) => frame.alert_id === alertId);
  }

  close(): void {
    this.#socket.close();
  }
}

/** The webhook receiver: answers each path's scripted statuses in turn (then 204), keeping every request. */
type Received = { path: string; headers: Record<string, string | string[] | undefined>; body: string; status: number };
const received: Received[] = [];
const scripts = new Map<string, number[]>();
let receiver: Server;
let receiverPort = 0;

function verify(secret: string, header: string, body: string): boolean {
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1] ?? '';
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return Math.abs(Date.now() / 1000 - Number(t)) <= 300 && parts.some(([k, v]) => k === 'v1' && timingSafeEqual(Buffer.from(v ?? '', 'hex'), expected));
}

async function niftyPrice(user: User): Promise<number> {
  const body = (await (await api(user, `/quote/ltp?i=${encodeURIComponent(NIFTY)}`)).json()) as { data: Record<string, { last_price: number }> };
  return body.data[NIFTY]?.last_price ?? Number.NaN;
}

let owner: User;
let other: User;
let admin: User;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const status = scripts.get(path)?.shift() ?? 204;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as { port: number }).port;

  stack = await platform();
  ports = stack.ports;
  owner = await register(uniqueEmail('owner'));
  other = await register(uniqueEmail('other'));
  admin = await register(uniqueEmail('ops'), true);
  await waitFor('NIFTY 50 ticking', async () => (await niftyPrice(owner)) > 0, 30_000);
}, 200_000);

afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
});

describe('price alerts on the whole platform', () => {
  it('fires a crossing once, with the price that crossed, to both sessions of its owner and to no one else', async () => {
    const [one, two, theirs] = [await Session.open(owner), await Session.open(owner), await Session.open(other)];
    const price = await niftyPrice(owner);
    // A ladder of levels around the price, each with a crosses_up a tick above it and a crosses_down a tick below: wherever the
    // simulator's random walk (about 1.5 points a second) has gone by the time the alerts are armed, a crosses_up sits above
    // it and a crosses_down below within a level's spacing, and one of them is crossed within seconds. (A single pair around
    // the price read first could end up both on one side of it under load, and wait for a walk back.)
    const levels = [-10, -7.5, -5, -2.5, 0, 2.5, 5, 7.5, 10].map((offset) => Math.round((price + offset) * 20) / 20);
    const placed: { id: string; condition: { type: 'crosses_up' | 'crosses_down'; price: number } }[] = [];
    for (const level of levels) {
      for (const [type, bound] of [
        ['crosses_up', level + 0.05],
        ['crosses_down', level - 0.05],
      ] as const) {
        const condition = { type, price: Math.round(bound * 100) / 100 };
        const { id } = (await (await api(owner, '/alerts', { json: { instrument: NIFTY, condition } })).json()) as Alert;
        placed.push({ id, condition });
      }
    }

    const frame = await waitFor('a crossing', async () => one.alerts[0], 30_000);
    const fired = placed.find((alert) => alert.id === frame.alert_id);
    expect(fired).toBeDefined();
    const { condition } = fired as (typeof placed)[number];
    const crossedUp = condition.type === 'crosses_up';
    const bound = condition.price;
    expect(frame.condition).toEqual(condition);
    expect(frame.value).toBe(frame.last_price);
    // Strictly on one side before, at or past the bound now.
    if (crossedUp) {
      expect(frame.previous_price).toBeLessThan(bound);
      expect(frame.last_price).toBeGreaterThanOrEqual(bound);
    } else {
      expect(frame.previous_price).toBeGreaterThan(bound);
      expect(frame.last_price).toBeLessThanOrEqual(bound);
    }
    await waitFor('the second session', async () => two.of(frame.alert_id).length === 1);
    expect(two.of(frame.alert_id)[0]).toMatchObject({ idempotency_key: frame.idempotency_key, last_price: frame.last_price });

    // The price keeps moving across the bound; a one-shot alert has fired, once.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(one.of(frame.alert_id)).toHaveLength(1);
    expect(two.of(frame.alert_id)).toHaveLength(1);
    expect(theirs.alerts).toEqual([]);
    const alert = await waitFor('the trigger recorded', async () => {
      const read = (await (await api(owner, `/alerts/${frame.alert_id}`)).json()) as Alert;
      return read.state === 'triggered' ? read : undefined;
    });
    expect(alert.trigger_count).toBe(1);
    const { triggers } = (await (await api(owner, `/alerts/${frame.alert_id}/triggers`)).json()) as {
      triggers: { last_price: number; deliveries: unknown[] }[];
    };
    expect(triggers).toEqual([
      expect.objectContaining({
        last_price: frame.last_price,
        deliveries: [expect.objectContaining({ channel: 'sessions', status: 'delivered', sessions_reached: 2 })],
      }),
    ]);

    // User B sees none of it.
    expect((await api(other, `/alerts/${frame.alert_id}`)).status).toBe(404);
    expect(((await (await api(other, '/alerts')).json()) as { alerts: unknown[] }).alerts).toEqual([]);
    for (const { id } of placed) await api(owner, `/alerts/${id}`, { method: 'DELETE' });
    for (const session of [one, two, theirs]) session.close();
  }, 60_000);

  it('fires a recurring alert again only after its cool-down', async () => {
    const session = await Session.open(owner);
    const price = await niftyPrice(owner);
    const alert = (await (
      await api(owner, '/alerts', {
        json: { instrument: NIFTY, condition: { type: 'price_above', price: Math.round(price / 2) }, repeat: { type: 'recurring', cooldown_s: COOLDOWN_S } },
      })
    ).json()) as Alert;
    const first = await waitFor('the first fire', async () => session.of(alert.id)[0], 10_000);
    const second = await waitFor('the second fire', async () => session.of(alert.id)[1], 10_000);
    expect(Date.parse(second.triggered_at) - Date.parse(first.triggered_at)).toBeGreaterThanOrEqual(COOLDOWN_S * 1000);
    // And not again within the cool-down after the second (NIFTY ticks every second, its condition holding throughout).
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(second.triggered_at) + COOLDOWN_S * 1000 - 200 - Date.now())));
    expect(session.of(alert.id).map((f) => f.generation)).toEqual([0, 1]);
    await api(owner, `/alerts/${alert.id}`, { method: 'DELETE' });
    session.close();
  }, 40_000);

  it('delivers a webhook to a receiver that fails twice exactly once, signed, after retries', async () => {
    const secretAnswer = await api(owner, '/alerts/webhook-secret', { method: 'POST' });
    expect(secretAnswer.status).toBe(201);
    const { secret } = (await secretAnswer.json()) as { secret: string };
    scripts.set('/flaky', [503, 503]);
    const price = await niftyPrice(owner);
    const created = await api(owner, '/alerts', {
      json: {
        instrument: NIFTY,
        condition: { type: 'price_above', price: Math.round(price / 2) },
        note: 'to the webhook',
        channels: { sessions: false, webhook: { url: `http://127.0.0.1:${receiverPort}/flaky` } },
      },
    });
    expect(created.status).toBe(201);
    const alert = (await created.json()) as Alert;

    type Delivery = { status: string; attempts: number; response_code: number; trigger: { alert_id: string } };
    const delivery = await waitFor(
      'the webhook delivered',
      async () => {
        const { deliveries } = (await (await api(owner, '/alerts/deliveries?channel=webhook')).json()) as { deliveries: Delivery[] };
        const mine = deliveries.find((d) => d.trigger.alert_id === alert.id);
        return mine?.status === 'delivered' ? mine : undefined;
      },
      40_000,
    );
    expect(delivery).toMatchObject({ attempts: 3, response_code: 204 });
    await new Promise((r) => setTimeout(r, 1_000));

    const requests = received.filter((r) => r.path === '/flaky');
    expect(requests.map((r) => [r.status, r.headers['x-alert-attempt']])).toEqual([
      [503, '1'],
      [503, '2'],
      [204, '3'],
    ]);
    for (const request of requests) {
      expect(verify(secret, String(request.headers['x-alert-signature']), request.body)).toBe(true);
      expect(request.headers['x-alert-delivery']).toBe(`${alert.id}:0`);
    }
    expect(JSON.parse(requests[2]?.body ?? '{}')).toMatchObject({
      event: 'alert.triggered',
      alert_id: alert.id,
      idempotency_key: `${alert.id}:0`,
      note: 'to the webhook',
      instrument: { exchange: 'NSE', tradingsymbol: 'NIFTY 50' },
    });
    expect(verify('whsec_someone-else', String(requests[2]?.headers['x-alert-signature']), requests[2]?.body ?? '')).toBe(false);
  }, 60_000);

  it(alone('neither loses nor repeats a trigger when the group object restarts between the crossing and its recording'), async () => {
    const session = await Session.open(owner);
    const alert = (await (await api(owner, '/alerts', { json: { instrument: NIFTY, condition: { type: 'price_above', price: 1e9 } } })).json()) as Alert;
    // Postgres stalls the recording: a transaction holds the trigger's idempotency key, uncommitted, until the test rolls it back.
    const blocker = new pg.Client({ connectionString: stack.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO alert_triggers (idempotency_key, alert_id, user_id, generation, instrument_token, condition, value, last_price, tick_at, triggered_at)
         VALUES ($1, $2, $3, 0, $4, '{"type":"held"}', 0, 0, now(), now())`,
        [`${alert.id}:0`, alert.id, owner.id, alert.instrument.instrument_token],
      );
      expect((await api(owner, `/alerts/${alert.id}`, { method: 'PATCH', json: { condition: { type: 'price_above', price: 1 } } })).status).toBe(200);
      await waitFor('the fire', async () => session.of(alert.id).length === 1, 10_000);
      await new Promise((r) => setTimeout(r, 300)); // the recording is under way, and waits on the held key
      expect((await api(admin, '/internal/groups/index:NSE/restart', { method: 'POST' })).status).toBe(200);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const recorded = await waitFor('the trigger recorded', async () => {
      const read = (await (await api(owner, `/alerts/${alert.id}`)).json()) as Alert;
      return read.trigger_count === 1 ? read : undefined;
    });
    expect(recorded.state).toBe('triggered');
    await new Promise((r) => setTimeout(r, 2_000)); // ticks flow again into the restarted object
    const check = new pg.Client({ connectionString: stack.databaseUrl });
    await check.connect();
    try {
      const { rows } = await check.query('SELECT idempotency_key FROM alert_triggers WHERE alert_id = $1', [alert.id]);
      expect(rows).toEqual([{ idempotency_key: `${alert.id}:0` }]);
    } finally {
      await check.end();
    }
    expect(session.of(alert.id).map((f) => f.idempotency_key)).toEqual([`${alert.id}:0`]);
    session.close();
  }, 60_000);
});
