import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorBody } from '../../contracts/errors.ts';
import { type DemandSummary, type GroupState, type LatestPacket, MAX_CONSUMER_TOKENS } from '../../contracts/group-state.ts';
import { FENCING_TOKEN_HEADER, type LeaseAnswer } from '../../contracts/origin-lease.ts';
import { LINK_SUBPROTOCOL } from '../../contracts/origin-link.ts';
import type { FeedView } from '../../durable-objects/feed-control/feed-control.ts';
import { fetchEdge } from '../../test/workers/documented.ts';
import { base64, EDGE, linkRequest, ltpPacket, ORIGIN_SECRET, TEST_ORIGIN_ID, TestOrigin, testOriginToken } from '../../test/workers/test-origin.ts';
import { newUser } from '../../test/workers/test-users.ts';
import worker from '../index.ts';

const error = async (response: Response) => ErrorBody.parse(await response.json()).error;

/** Calls the worker with some variables replaced, as a differently configured deployment would. */
async function fetchWith(overrides: Record<string, string | undefined>, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${EDGE}${path}`, { headers }), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('origin link routes: who may link', () => {
  for (const path of ['/origin/feed', '/origin/groups/index:NSE']) {
    it(`${path} answers 401 with WWW-Authenticate without the secret, or with a wrong one`, async () => {
      const missing = await linkRequest(path, { secret: null });
      expect(missing.status).toBe(401);
      expect(missing.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
      expect(await error(missing)).toEqual({ code: 'unauthorized', message: 'send Authorization: Bearer <ORIGIN_LINK_SECRET>' });

      const wrong = await linkRequest(path, { secret: 'x'.repeat(40) });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
      expect(await error(wrong)).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('not the origin link secret') });
      // A prefix of the secret is as wrong as any other string.
      expect((await linkRequest(path, { secret: (env.ORIGIN_LINK_SECRET ?? '').slice(0, -1) })).status).toBe(401);
    });
  }

  it('answers 503 naming ORIGIN_LINK_SECRET when it is not set, on every origin route', async () => {
    for (const path of ['/origin/feed', '/origin/groups/index:NSE']) {
      const response = await fetchWith({ ORIGIN_LINK_SECRET: undefined }, path, { Authorization: 'Bearer anything-at-all-here' });
      expect(response.status).toBe(503);
      expect(await error(response)).toMatchObject({
        code: 'config_invalid',
        message: expect.stringContaining('not configured'),
        problems: [{ variable: 'ORIGIN_LINK_SECRET', problem: expect.any(String) }],
      });
    }
  });

  it('treats a secret shorter than 16 characters as a misconfiguration', async () => {
    const response = await fetchWith({ ORIGIN_LINK_SECRET: 'too-short' }, '/origin/feed', { Authorization: 'Bearer too-short' });
    expect(response.status).toBe(503);
    expect((await error(response)).problems).toEqual([{ variable: 'ORIGIN_LINK_SECRET', problem: 'must be at least 16 characters' }]);
  });

  it('refuses a request that is not a WebSocket upgrade with 426', async () => {
    const response = await linkRequest('/origin/groups/index:NSE', { upgrade: false });
    expect(response.status).toBe(426);
    expect(response.headers.get('Upgrade')).toBe('websocket');
    expect(await error(response)).toMatchObject({ code: 'upgrade_required', message: expect.stringContaining(LINK_SUBPROTOCOL) });
  });

  it('refuses an upgrade without this edge’s link subprotocol, naming the one it speaks', async () => {
    for (const protocol of [null, 'kite-edge-link.v2']) {
      const response = await linkRequest('/origin/feed', { protocol });
      expect(response.status).toBe(400);
      expect(await error(response)).toMatchObject({
        code: 'invalid_parameter',
        param: 'Sec-WebSocket-Protocol',
        message: expect.stringContaining(`this edge speaks ${LINK_SUBPROTOCOL}`),
      });
    }
  });

  it('refuses a link without a fencing token, naming the header', async () => {
    for (const path of ['/origin/feed', '/origin/groups/index:NSE']) {
      const response = await linkRequest(path, { fencingToken: null });
      expect(response.status).toBe(400);
      expect(await error(response)).toMatchObject({ code: 'invalid_parameter', param: FENCING_TOKEN_HEADER });
    }
  });

  it('takes, renews and gives up the origin lease on POST /origin/lease, with the secret only', async () => {
    const post = (body: unknown, secret = ORIGIN_SECRET) =>
      fetchEdge(`${EDGE}/origin/lease`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ origin_id: 'routes-a', ttl_ms: 5_000 }, 'x'.repeat(40))).status).toBe(401);
    const bad = await post({ origin_id: 'routes-a', ttl_ms: 10 });
    expect(bad.status).toBe(400);
    expect(await error(bad)).toMatchObject({ code: 'invalid_parameter', param: 'ttl_ms' });
    // The test origin holds it (it linked above): another is told who does, and takes it once it is given up.
    const refused = (await (await post({ origin_id: 'routes-a', ttl_ms: 5_000 })).json()) as LeaseAnswer;
    expect(refused).toMatchObject({ granted: false, holder: TEST_ORIGIN_ID });
    const token = await testOriginToken();
    expect(await (await post({ origin_id: TEST_ORIGIN_ID, ttl_ms: 5_000, token, release: true })).json()).toMatchObject({ granted: true, expires_in_ms: 0 });
    const taken = (await (await post({ origin_id: 'routes-a', ttl_ms: 5_000 })).json()) as LeaseAnswer;
    expect(taken).toMatchObject({ granted: true, holder: 'routes-a', token: token + 1, previous_holder: TEST_ORIGIN_ID });
    expect((await post({ origin_id: 'routes-a', ttl_ms: 5_000, token: token + 1, release: true })).status).toBe(200);
  });

  it('refuses a group that is not a group key, naming the parameter', async () => {
    for (const bad of ['NIFTY', 'cash:NSE:99', 'fno:NFO:M&M']) {
      const response = await linkRequest(`/origin/groups/${encodeURIComponent(bad)}`);
      expect(response.status).toBe(400);
      expect(await error(response)).toMatchObject({ code: 'invalid_parameter', param: 'group' });
    }
  });

  it('accepts the origin with the secret and the subprotocol, agreeing on the subprotocol', async () => {
    const response = await linkRequest('/origin/groups/cash:NSE:05', { protocol: `other, ${LINK_SUBPROTOCOL}` });
    expect(response.status).toBe(101);
    expect(response.headers.get('Sec-WebSocket-Protocol')).toBe(LINK_SUBPROTOCOL);
    response.webSocket?.accept();
    response.webSocket?.close(1000, 'done');
  });
});

describe('internal routes', () => {
  // An admin's session, as an operator signs in (edge/auth/; the policy itself is tested in edge/auth/policy.test.ts).
  let adminToken = '';
  beforeAll(async () => {
    adminToken = (await newUser({ admin: true })).tokens.access_token;
  });
  const internalRequest = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${adminToken}`);
    return fetchEdge(`${EDGE}${path}`, { ...init, headers });
  };
  const json = async <T>(response: Response): Promise<T> => {
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as T;
  };
  const putDemand = (path: string, body: unknown) =>
    internalRequest(path, { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

  it('set and remove a consumer’s demand, which the group’s state and its origin see', async () => {
    const origin = await TestOrigin.connect('/origin/groups/fno:NFO:BANKNIFTY');
    expect(await origin.next()).toEqual({ type: 'demand', tokens: {} });

    const set = await json<DemandSummary>(await putDemand('/internal/groups/fno:NFO:BANKNIFTY/demand/e2e', { tokens: { 260105: 'full', 1: 'ltp' } }));
    expect(set).toEqual({ group: 'fno:NFO:BANKNIFTY', tokens: 2, consumers: { e2e: 2 } });
    expect(await origin.next()).toEqual({ type: 'demand', tokens: { 1: 'ltp', 260105: 'full' } });
    const state = await json<GroupState>(await internalRequest('/internal/groups/fno:NFO:BANKNIFTY'));
    expect(state).toMatchObject({ group: 'fno:NFO:BANKNIFTY', link: { connected: true }, demand: { tokens: { 1: 'ltp', 260105: 'full' } } });
    expect((await json<FeedView>(await internalRequest('/internal/feed'))).groups_with_demand).toContain('fno:NFO:BANKNIFTY');

    const removed = await json<DemandSummary>(await internalRequest('/internal/groups/fno:NFO:BANKNIFTY/demand/e2e', { method: 'DELETE' }));
    expect(removed).toEqual({ group: 'fno:NFO:BANKNIFTY', tokens: 0, consumers: {} });
    expect(await origin.next()).toEqual({ type: 'demand', tokens: {} });
    expect((await json<FeedView>(await internalRequest('/internal/feed'))).groups_with_demand).not.toContain('fno:NFO:BANKNIFTY');
    origin.close();
  });

  it('refuse a malformed demand body with 400 naming the field', async () => {
    const path = '/internal/groups/index:BSE/demand/e2e';
    const cases: [unknown, string, RegExp][] = [
      ['{not json', '(body)', /JSON/],
      [{ tokens: { '12x': 'full' } }, 'tokens.12x', /instrument token/],
      [{ tokens: { 12: 'fastest' } }, 'tokens.12', /ltp|quote|full/],
      [{ tokens: [] }, 'tokens', /record/],
      [{}, 'tokens', /record/],
      [{ tokens: {}, extra: 1 }, 'extra', /unknown field/],
      [{ tokens: Object.fromEntries(Array.from({ length: MAX_CONSUMER_TOKENS + 1 }, (_, i) => [String(i), 'ltp'])) }, 'tokens', /at most/],
    ];
    for (const [body, param, message] of cases) {
      const response = await putDemand(path, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const problem = await error(response);
      expect(problem).toMatchObject({ code: 'invalid_parameter', param });
      expect(problem.message).toMatch(message);
    }
    const badConsumer = await putDemand('/internal/groups/index:BSE/demand/has%20space', { tokens: {} });
    expect(await error(badConsumer)).toMatchObject({ code: 'invalid_parameter', param: 'consumer' });
    expect((await json<GroupState>(await internalRequest('/internal/groups/index:BSE'))).demand.tokens).toEqual({});
  });

  it('give the latest packets, all or the ones asked for, and which of those it does not hold', async () => {
    const origin = await TestOrigin.connect('/origin/groups/cash:BSE:02');
    await origin.next();
    origin.sendBatch([ltpPacket(500, 5), ltpPacket(501, 5.01)]);
    // All it holds: these two, beside whatever other test files sent to this group before (the runtime is reused).
    await vi.waitFor(async () => {
      const all = await json<{ latest: LatestPacket[] }>(await internalRequest('/internal/groups/cash:BSE:02/latest'));
      expect(all.latest.filter((p) => p.token === 500 || p.token === 501).map((p) => p.packet)).toEqual([ltpPacket(500, 5), ltpPacket(501, 5.01)].map(base64));
    });

    const some = await json<{ latest: LatestPacket[]; missing: number[] }>(await internalRequest('/internal/groups/cash:BSE:02/latest?tokens=501,9'));
    expect(some).toEqual({
      group: 'cash:BSE:02',
      latest: [{ token: 501, received_at: expect.any(Number), packet: base64(ltpPacket(501, 5.01)) }],
      missing: [9],
    });
    for (const [query, param] of [
      ['tokens=1,x', 'tokens'],
      ['tokens=99999999999', 'tokens'],
      ['token=1', 'token'],
    ] as const) {
      const response = await internalRequest(`/internal/groups/cash:BSE:02/latest?${query}`);
      expect(response.status).toBe(400);
      expect(await error(response)).toMatchObject({ code: 'invalid_parameter', param });
    }
    origin.close();
  });

  it('restart a group, which comes back with its snapshot', async () => {
    // Other test files may have sent this group ticks before (the runtime is reused): counts are taken from here on.
    const before = await json<GroupState>(await internalRequest('/internal/groups/cash:BSE:04'));
    const origin = await TestOrigin.connect('/origin/groups/cash:BSE:04');
    await origin.next();
    origin.sendBatch([ltpPacket(600, 6)]);
    await vi.waitFor(async () =>
      expect((await json<GroupState>(await internalRequest('/internal/groups/cash:BSE:04'))).ticks_received).toBe(before.ticks_received + 1),
    );

    const restarted = await json<{ restarted: boolean; state: GroupState }>(await internalRequest('/internal/groups/cash:BSE:04/restart', { method: 'POST' }));
    expect(restarted).toMatchObject({ group: 'cash:BSE:04', restarted: true, state: { link: { connected: false } } });
    expect(restarted.state.instruments_held).toBeGreaterThanOrEqual(1);
    expect((await origin.closed).code).toBe(1006);
    const latest = await json<{ latest: LatestPacket[] }>(await internalRequest('/internal/groups/cash:BSE:04/latest?tokens=600'));
    expect(latest.latest.map((p) => p.packet)).toEqual([base64(ltpPacket(600, 6))]);
  });

  it('show and restart a session hub, and refuse a name no session is placed on', async () => {
    const state = await json<{ hub: string; sessions: number }>(await internalRequest('/internal/hubs/hub-3'));
    expect(state).toMatchObject({ hub: 'hub-3', sessions: expect.any(Number) });
    const restarted = await json<{ restarted: boolean }>(await internalRequest('/internal/hubs/hub-3/restart', { method: 'POST' }));
    expect(restarted).toMatchObject({ hub: 'hub-3', restarted: true, state: { hub: 'hub-3' } });
    // HUB_SHARDS is 4 in these tests.
    for (const hub of ['hub-4', 'hub-01', 'hub', 'feed']) {
      const response = await internalRequest(`/internal/hubs/${hub}`);
      expect(response.status).toBe(400);
      expect(await error(response)).toMatchObject({ code: 'invalid_parameter', param: 'hub', message: expect.stringContaining('hub-0 … hub-3') });
    }
  });

  it('show FeedControl’s view of the feed', async () => {
    const view = await json<FeedView>(await internalRequest('/internal/feed'));
    expect(view).toMatchObject({ health: { status: 'down' }, origin: { connected: false }, groups_with_demand: expect.any(Array) });
  });

  it('answer 404 for an unknown internal path, once authorised', async () => {
    const response = await internalRequest('/internal/nothing-here');
    expect(response.status).toBe(404);
    expect((await error(response)).code).toBe('not_found');
    expect((await fetchEdge(`${EDGE}/internal/nothing-here`)).status).toBe(401);
  });

  it('are no longer opened by the origin link secret: it is not a user’s credential', async () => {
    const response = await fetchEdge(`${EDGE}/internal/feed`, { headers: { Authorization: `Bearer ${ORIGIN_SECRET}` } });
    expect(response.status).toBe(401);
    expect((await error(response)).code).toBe('unauthorized');
  });
});
