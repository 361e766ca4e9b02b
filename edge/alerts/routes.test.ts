import { describe, expect, it } from 'vitest';
import { Alert } from '../../contracts/alerts.ts';
import { asUser, createAlert, getAlert, groupAlerts } from '../../test/workers/test-alerts.ts';
import { instrumentsOfOneGroup, type TestInstrument } from '../../test/workers/test-session.ts';
import { call, callWith, errorOf, keyAuth, newKey, newUser, type TestUser } from '../../test/workers/test-users.ts';

/**
 * The alerts API in workerd against the test Postgres: validation, limits
 * (vitest.config.ts: 5 alerts, 2 with a webhook, per user), isolation
 * between users, and every change reaching the alert's group object at once.
 * Instruments come from BSE groups (the hub tests use NSE ones).
 */
const instrument = async (n = 0): Promise<TestInstrument> => (await instrumentsOfOneGroup('BSE', 1, n))[0] as TestInstrument;
const crossing = (price: number) => ({ type: 'crosses_up', price });
const problem = async (response: Response) => ({ status: response.status, ...(await errorOf(response)) });

async function withSecret(user: TestUser): Promise<string> {
  const response = await asUser(user, '/alerts/webhook-secret', { method: 'POST' });
  expect(response.status).toBe(201);
  return ((await response.json()) as { secret: string }).secret;
}

describe('POST /alerts', () => {
  it('creates an alert by symbol, answers it whole, and its group holds it at once', async () => {
    const user = await newUser();
    const bse = await instrument(0);
    const before = (await groupAlerts(bse.group)).held;
    const response = await asUser(user, '/alerts', {
      json: { instrument: bse.symbol, condition: crossing(1500), repeat: { type: 'recurring', cooldown_s: 60 }, note: 'breakout' },
    });
    expect(response.status).toBe(201);
    const alert = Alert.parse(await response.json());
    expect(alert).toMatchObject({
      user_id: user.id,
      instrument: { instrument_token: bse.token, exchange: 'BSE', tradingsymbol: bse.symbol.slice(4) },
      condition: { type: 'crosses_up', price: 1500 },
      repeat: { type: 'recurring', cooldown_s: 60 },
      channels: { sessions: true, webhook: null },
      state: 'active',
      note: 'breakout',
      trigger_count: 0,
      last_triggered_at: null,
    });
    expect(await getAlert(user, alert.id)).toEqual(alert);
    expect((await groupAlerts(bse.group)).held).toBe(before + 1);
  });

  it('refuses what cannot be evaluated with a 400 naming the field', async () => {
    const user = await newUser();
    const bse = await instrument(0);
    const cases: [unknown, string, RegExp][] = [
      [{ instrument: 'BSE:NO-SUCH-THING', condition: crossing(10) }, 'instrument', /no active instrument is "BSE:NO-SUCH-THING"/],
      [{ instrument: 4_000_000_000, condition: crossing(10) }, 'instrument', /no active instrument is 4000000000/],
      [{ instrument: 'infy', condition: crossing(10) }, 'instrument', /EXCHANGE:TRADINGSYMBOL/],
      [{ instrument: bse.token, condition: { type: 'change_pct_below', percent: 2 } }, 'condition.percent', /must be less than 0/],
      [{ instrument: bse.token, condition: { type: 'change_pct_above', percent: -2 } }, 'condition.percent', /must be greater than 0/],
      [{ instrument: bse.token, condition: { type: 'price_above', price: -5 } }, 'condition.price', /greater than 0/],
      [{ instrument: bse.token, condition: { type: 'price_sideways', price: 5 } }, 'condition.type', /one of price_above/],
      [{ instrument: bse.token, condition: crossing(10), repeat: { type: 'recurring', cooldown: 60 } }, 'repeat.cooldown_s', /must be a number of seconds/],
      [{ instrument: bse.token, condition: crossing(10), repeat: { type: 'once' }, cooldown_s: 60 }, 'cooldown_s', /not a field/],
      [{ instrument: bse.token, condition: crossing(10), repeat: { type: 'recurring', cooldown_s: 0 } }, 'repeat.cooldown_s', /at least 1 second\b/],
      [{ instrument: bse.token, condition: crossing(10), expires_at: '2020-01-01T00:00:00Z' }, 'expires_at', /in the future/],
      [{ instrument: bse.token, condition: crossing(10), channels: { sessions: false } }, 'channels', /must enable sessions or give a webhook/],
      [
        { instrument: bse.token, condition: crossing(10), channels: { webhook: { url: 'ftp://example.com/x' } } },
        'channels.webhook.url',
        /must use https, not ftp/,
      ],
      [{ instrument: bse.token, condition: crossing(10), channels: { webhook: { url: 'http://example.com/x' } } }, 'channels.webhook.url', /must use https/],
      [
        { instrument: bse.token, condition: crossing(10), channels: { webhook: { url: 'https://10.1.2.3/hook' } } },
        'channels.webhook.url',
        /private network: 10.1.2.3 is RFC 1918/,
      ],
      [
        { instrument: bse.token, condition: crossing(10), channels: { webhook: { url: 'https://2130706433/hook' } } },
        'channels.webhook.url',
        /127.0.0.1 is loopback/,
      ],
      [
        { instrument: bse.token, condition: crossing(10), channels: { webhook: { url: 'https://169.254.169.254/latest' } } },
        'channels.webhook.url',
        /link-local/,
      ],
      [{ instrument: bse.token, condition: crossing(10), channels: { webhook: { url: 'https://hooks.internal/x' } } }, 'channels.webhook.url', /\.internal/],
      [{ condition: crossing(10) }, 'instrument', /instrument token or EXCHANGE:TRADINGSYMBOL/],
    ];
    for (const [body, param, message] of cases) {
      const refused = await problem(await asUser(user, '/alerts', { json: body }));
      expect(refused, JSON.stringify(body)).toMatchObject({ status: 400, code: 'invalid_parameter', param, message: expect.stringMatching(message) });
    }
    expect(await problem(await asUser(user, '/alerts', { method: 'POST', body: 'not json', headers: { 'Content-Type': 'application/json' } }))).toMatchObject({
      status: 400,
      param: '(body)',
    });
    expect(((await (await asUser(user, '/alerts')).json()) as { alerts: unknown[] }).alerts).toEqual([]);
  });

  it('refuses text Postgres cannot store anywhere in the body, naming the field', async () => {
    const user = await newUser();
    const bse = await instrument(0);
    const cases: [unknown, string, RegExp][] = [
      [{ instrument: bse.token, condition: crossing(10), note: 'buy\u0000now' }, 'note', /NUL character \(U\+0000\)/],
      [{ instrument: 'BSE:A\u0000B', condition: crossing(10) }, 'instrument', /NUL character/],
      [{ instrument: bse.token, condition: crossing(10), note: 'half a pair \ud83d' }, 'note', /lone surrogate/],
      [{ instrument: bse.token, condition: { type: 'crosses_up', price: 10, 'x\u0000': 1 } }, 'condition', /field name that must not contain the NUL/],
    ];
    for (const [body, param, message] of cases) {
      const refused = await problem(await asUser(user, '/alerts', { json: body }));
      expect(refused, JSON.stringify(body)).toMatchObject({ status: 400, code: 'invalid_parameter', param, message: expect.stringMatching(message) });
    }
    const created = await asUser(user, '/alerts', { json: { instrument: bse.token, condition: crossing(10) } });
    const { id } = (await created.json()) as { id: string };
    expect(await problem(await asUser(user, `/alerts/${id}`, { method: 'PATCH', json: { note: '\u0000' } }))).toMatchObject({ status: 400, param: 'note' });
    expect(await problem(await asUser(user, '/alerts/%00'))).toMatchObject({ status: 400, param: 'id', message: expect.stringMatching(/NUL/) });
    expect(await problem(await asUser(user, '/alerts?state=%00'))).toMatchObject({ status: 400, param: 'state' });
  });

  it('takes a loopback webhook only where the deployment allows private webhooks', async () => {
    const user = await newUser();
    await withSecret(user);
    const bse = await instrument(0);
    const body = { instrument: bse.token, condition: crossing(10), channels: { webhook: { url: 'http://127.0.0.1:9/hook' } } };
    const headers = { Authorization: `Bearer ${user.tokens.access_token}` };
    expect((await callWith({}, '/alerts', { json: body, headers, ip: user.ip })).status).toBe(400);
    const allowed = await callWith({ ALERT_WEBHOOKS_ALLOW_PRIVATE: 'true' }, '/alerts', { json: body, headers, ip: user.ip });
    expect(allowed.status).toBe(201);
    expect(((await allowed.json()) as Alert).channels.webhook).toEqual({ url: 'http://127.0.0.1:9/hook' });
  });

  it('holds a user to 5 alerts, 2 of them with a webhook, and a webhook to a secret made first', async () => {
    const user = await newUser();
    const bse = await instrument(0);
    const hook = (n: number) => ({
      instrument: bse.token,
      condition: crossing(10 + n),
      channels: { sessions: false, webhook: { url: `https://hooks.example.com/${n}` } },
    });
    expect(await problem(await asUser(user, '/alerts', { json: hook(0) }))).toMatchObject({
      status: 409,
      code: 'webhook_secret_missing',
      message: expect.stringContaining('POST /alerts/webhook-secret'),
    });
    await withSecret(user);
    await createAlert(user, hook(1));
    const second = await createAlert(user, hook(2));
    expect(await problem(await asUser(user, '/alerts', { json: hook(3) }))).toMatchObject({
      status: 409,
      code: 'limit_exceeded',
      message: 'a user may hold 2 alerts with a webhook: delete one first',
    });
    const plain = await createAlert(user, { instrument: bse.token, condition: crossing(20) });
    // Gaining a webhook by PATCH counts too; an alert that has one may change it.
    expect(
      await problem(await asUser(user, `/alerts/${plain.id}`, { method: 'PATCH', json: { channels: { webhook: { url: 'https://hooks.example.com/x' } } } })),
    ).toMatchObject({ status: 409, code: 'limit_exceeded' });
    expect(
      (await asUser(user, `/alerts/${second.id}`, { method: 'PATCH', json: { channels: { webhook: { url: 'https://hooks.example.com/moved' } } } })).status,
    ).toBe(200);
    await createAlert(user, { instrument: bse.token, condition: crossing(21) });
    await createAlert(user, { instrument: bse.token, condition: crossing(22) });
    expect(await problem(await asUser(user, '/alerts', { json: { instrument: bse.token, condition: crossing(23) } }))).toMatchObject({
      status: 409,
      code: 'limit_exceeded',
      message: 'a user may hold 5 alerts: delete one first',
    });
    expect((await asUser(user, `/alerts/${plain.id}`, { method: 'DELETE' })).status).toBe(204);
    await createAlert(user, { instrument: bse.token, condition: crossing(23) });
  });

  it('serves API keys with scope alerts, and refuses keys without it', async () => {
    const user = await newUser();
    const bse = await instrument(0);
    const body = { instrument: bse.token, condition: crossing(10) };
    const alertsKey = await newKey(user, ['alerts']);
    const readKey = await newKey(user, ['read']);
    expect((await call('/alerts', { json: body, headers: keyAuth(alertsKey) })).status).toBe(201);
    expect(await problem(await call('/alerts', { json: body, headers: keyAuth(readKey) }))).toMatchObject({ status: 403, code: 'forbidden' });
    // The webhook secret signs the user's webhooks: only the user's own session sees to it.
    expect(await problem(await call('/alerts/webhook-secret', { method: 'POST', headers: keyAuth(alertsKey) }))).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    expect((await call('/alerts', { json: body })).status).toBe(401);
  });
});

describe('one user’s alerts are invisible and untouchable to another', () => {
  it('answers user B 404 alert_not_found on every route of user A’s alert, and changes nothing', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const bse = await instrument(0);
    const alert = await createAlert(a, { instrument: bse.token, condition: crossing(99), note: 'mine' });
    const routes: [string, string, unknown?][] = [
      ['GET', `/alerts/${alert.id}`],
      ['PATCH', `/alerts/${alert.id}`, { note: 'yours now' }],
      ['DELETE', `/alerts/${alert.id}`],
      ['POST', `/alerts/${alert.id}/pause`],
      ['POST', `/alerts/${alert.id}/resume`],
      ['GET', `/alerts/${alert.id}/triggers`],
    ];
    for (const [method, path, json] of routes) {
      const response = await asUser(b, path, { method, ...(json === undefined ? {} : { json }) });
      expect(await problem(response), `${method} ${path}`).toEqual({ status: 404, code: 'alert_not_found', message: `you have no alert ${alert.id}` });
    }
    const listed = (await (await asUser(b, '/alerts')).json()) as { alerts: Alert[] };
    expect(listed.alerts).toEqual([]);
    const triggers = (await (await asUser(b, `/alerts/triggers?alert_id=${alert.id}`)).json()) as { triggers: unknown[] };
    expect(triggers.triggers).toEqual([]);
    expect(await getAlert(a, alert.id)).toEqual(alert);
  });
});

describe('reading, changing and deleting', () => {
  it('lists newest first in pages, filtered by state', async () => {
    const user = await newUser();
    const bse = await instrument(0);
    const made = [];
    for (const price of [1, 2, 3]) made.push(await createAlert(user, { instrument: bse.token, condition: crossing(price) }));
    const first = (await (await asUser(user, '/alerts?limit=2')).json()) as { alerts: Alert[]; next_cursor: string | null };
    expect(first.alerts.map((a) => a.condition)).toEqual([crossing(3), crossing(2)]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await (await asUser(user, `/alerts?limit=2&cursor=${first.next_cursor}`)).json()) as { alerts: Alert[]; next_cursor: string | null };
    expect(second).toEqual({ alerts: [made[0]], next_cursor: null });

    expect((await asUser(user, `/alerts/${made[1]?.id}/pause`, { method: 'POST' })).status).toBe(200);
    const paused = (await (await asUser(user, '/alerts?state=paused')).json()) as { alerts: Alert[] };
    expect(paused.alerts.map((a) => a.id)).toEqual([made[1]?.id]);
    expect(await problem(await asUser(user, '/alerts?state=asleep'))).toMatchObject({ status: 400, param: 'state' });
    expect(await problem(await asUser(user, '/alerts?cursor=nope'))).toMatchObject({ status: 400, param: 'cursor' });
    // Issue 21, defect 6: a cursor of the right shape naming a time past any timestamp was a 500 (bigint out of range).
    for (const cursor of ['99999999999999999999_5f1e2d3c-4b5a-4697-8877-665544332211', '999999999999999999_5f1e2d3c-4b5a-4697-8877-665544332211']) {
      expect(await problem(await asUser(user, `/alerts?cursor=${cursor}`))).toMatchObject({ status: 400, param: 'cursor' });
    }
    expect(await problem(await asUser(user, '/alerts/triggers?cursor=9999999999999999999'))).toMatchObject({ status: 400, param: 'cursor' });
    expect(await problem(await asUser(user, '/alerts?limit=500'))).toMatchObject({ status: 400, param: 'limit' });
    expect(await problem(await asUser(user, '/alerts/not-a-uuid'))).toMatchObject({ status: 400, param: 'id', message: 'id: must be an alert id (a UUID)' });
  });

  it('pauses and resumes: the group stops and starts holding the alert', async () => {
    const user = await newUser();
    const bse = await instrument(1);
    const alert = await createAlert(user, { instrument: bse.token, condition: crossing(50) });
    const held = (await groupAlerts(bse.group)).held;
    const paused = await asUser(user, `/alerts/${alert.id}/pause`, { method: 'POST' });
    expect(((await paused.json()) as Alert).state).toBe('paused');
    expect((await groupAlerts(bse.group)).held).toBe(held - 1);
    const resumed = await asUser(user, `/alerts/${alert.id}/resume`, { method: 'POST' });
    expect(((await resumed.json()) as Alert).state).toBe('active');
    expect((await groupAlerts(bse.group)).held).toBe(held);
  });

  it('changes only the fields given, refuses a new instrument, and clears with null', async () => {
    const user = await newUser();
    const bse = await instrument(0);
    const alert = await createAlert(user, {
      instrument: bse.token,
      condition: crossing(50),
      note: 'first',
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
    });
    const patch = (json: unknown) => asUser(user, `/alerts/${alert.id}`, { method: 'PATCH', json });
    const changed = (await (await patch({ condition: { type: 'price_below', price: 40 }, repeat: { type: 'recurring', cooldown_s: 30 } })).json()) as Alert;
    expect(changed).toMatchObject({
      condition: { type: 'price_below', price: 40 },
      repeat: { type: 'recurring', cooldown_s: 30 },
      note: 'first',
      expires_at: alert.expires_at,
    });
    const cleared = (await (await patch({ note: null, expires_at: null })).json()) as Alert;
    expect(cleared).toMatchObject({ note: null, expires_at: null, condition: { type: 'price_below', price: 40 } });
    expect(await problem(await patch({ instrument: 'BSE:OTHER' }))).toMatchObject({
      status: 400,
      param: 'instrument',
      message: expect.stringContaining('cannot be changed'),
    });
    expect(await problem(await patch({}))).toMatchObject({ status: 400, param: '(body)' });
  });

  it('deletes: 204, then 404, and the group lets go of it', async () => {
    const user = await newUser();
    const bse = await instrument(2);
    const alert = await createAlert(user, { instrument: bse.token, condition: crossing(50) });
    const held = (await groupAlerts(bse.group)).held;
    expect((await asUser(user, `/alerts/${alert.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await groupAlerts(bse.group)).held).toBe(held - 1);
    expect(await problem(await asUser(user, `/alerts/${alert.id}`))).toMatchObject({ status: 404, code: 'alert_not_found' });
    expect(await problem(await asUser(user, `/alerts/${alert.id}`, { method: 'DELETE' }))).toMatchObject({ status: 404 });
  });

  it('reads an alert past its expiry as expired, and will not resume it until the expiry moves', async () => {
    const user = await newUser();
    const bse = await instrument(0);
    const alert = await createAlert(user, { instrument: bse.token, condition: crossing(50), expires_at: new Date(Date.now() + 1_000).toISOString() });
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await getAlert(user, alert.id)).state).toBe('expired');
    expect(await problem(await asUser(user, `/alerts/${alert.id}/resume`, { method: 'POST' }))).toMatchObject({ status: 409, code: 'alert_expired' });
    const moved = await asUser(user, `/alerts/${alert.id}`, { method: 'PATCH', json: { expires_at: null } });
    expect(((await moved.json()) as Alert).state).toBe('active');
  });
});

describe('the webhook secret', () => {
  it('is shown once when made; later only whether there is one; a rotation keeps the old one for a day', async () => {
    const user = await newUser();
    expect(await (await asUser(user, '/alerts/webhook-secret')).json()).toEqual({ configured: false, created_at: null, previous_valid_until: null });
    const first = await asUser(user, '/alerts/webhook-secret', { method: 'POST' });
    expect(first.status).toBe(201);
    const issued = (await first.json()) as { secret: string; previous_valid_until: string | null };
    expect(issued).toMatchObject({ secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/), configured: true, previous_valid_until: null });
    const status = (await (await asUser(user, '/alerts/webhook-secret')).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ configured: true, created_at: expect.any(String), previous_valid_until: null });
    expect(JSON.stringify(status)).not.toContain(issued.secret);
    const rotated = (await (await asUser(user, '/alerts/webhook-secret', { method: 'POST' })).json()) as { secret: string; previous_valid_until: string };
    expect(rotated.secret).not.toBe(issued.secret);
    expect(Date.parse(rotated.previous_valid_until) - Date.now()).toBeGreaterThan(23 * 3600_000);
  });

  it('answers 503 naming ALERT_SECRET_KEY on a deployment without one', async () => {
    const user = await newUser();
    const response = await callWith({ ALERT_SECRET_KEY: '' }, '/alerts/webhook-secret', {
      method: 'POST',
      headers: { Authorization: `Bearer ${user.tokens.access_token}` },
    });
    expect(await problem(response)).toMatchObject({ status: 503, code: 'config_invalid' });
  });
});
