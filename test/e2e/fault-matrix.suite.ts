import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthResponse } from '../../contracts/health.ts';
import { hubConfig, hubName } from '../../contracts/hub-config.ts';
import type { PartStatus } from '../../dev/controlled-part.ts';
import type { OriginHealth } from '../../origin-ticker/http/origin-health.ts';
import { activeOriginUrl, externalServices, firstOriginActive, type Platform, platform, signIn, uniqueEmail, waitFor as waitForOnStack } from './platform.ts';
import { Watcher } from './watcher.ts';

/**
 * The fault matrix (issue 21): each part of the platform failing while a
 * client watches, on the faults' own platform (test/e2e/platform-faults.test.ts),
 * one fault at a time. The watcher
 * is what a user runs: the typed client on an API key, subscribed to NIFTY
 * 50 (quote) and one NSE stock (full). Each case asserts what it sees
 * (status frames, /health), that its subscriptions and what is stored
 * survive, and how long until ticks flow again, which afterAll prints as a
 * table (docs/security.md keeps a run's figures). The origins are stopped
 * and hung with the platform's part control (dev/control-server.ts); the
 * platform runs on a Postgres and a Redis of the file's own, which the
 * tests stop and hang themselves (test/e2e/external-services.ts).
 */
let stack: Platform;
let admin = '';
let user: { id: string; token: string };
let key: { id: string; secret: string };
let watcher: Watcher;
let stock = 0;
const NIFTY = 256265;
/** What each fault cost the watcher: from the fault (or its end, for one that lasts until put right) to ticks of every instrument again. */
const recoveries: { fault: string; ms: number }[] = [];

const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, ms?: number) => waitForOnStack(stack, what, check, ms);
const edge = (path: string, init: RequestInit = {}, token = admin) =>
  fetch(`${stack.edgeUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers } });
const health = async () => (await (await fetch(`${stack.edgeUrl}/health`)).json()) as HealthResponse;
/** The health of the origin holding the lease (the failover suite before may have left the standby active). */
const originHealth = async () => (await (await fetch(`${await activeOriginUrl(stack)}/health`)).json()) as OriginHealth;
const simFault = async (action: string) => {
  const response = await fetch(`http://127.0.0.1:${stack.ports.SIM_PORT}/_sim/faults/${action}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer kitesim-admin' },
  });
  expect(response.status, `the simulator's ${action}`).toBe(200);
};
/** An origin through the platform's part control; Postgres or Redis, which the platform runs on but did not start, directly. */
const part = async (name: 'origin' | 'origin-standby' | 'postgres' | 'redis', action: 'stop' | 'start' | 'pause' | 'resume') => {
  if (name === 'postgres' || name === 'redis') return (await externalServices())[name].apply(action);
  const response = await fetch(`${stack.controlUrl}/parts/${name}/${action}`, { method: 'POST', headers: { 'X-Dev-Control': '1' } });
  expect(response.status, `${action} ${name}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as PartStatus;
};

const watched = () => [NIFTY, stock];

/** The watcher gets ticks of both instruments again, on the subscriptions it had. */
async function recovered(fault: string, since: number, ms?: number): Promise<number> {
  const at = await watcher.ticksOfAllSince(since, watched(), ms);
  recoveries.push({ fault, ms: at - since });
  expect([...watcher.client.subscriptions].sort()).toEqual(
    [
      [NIFTY, 'quote'],
      [stock, 'full'],
    ].sort(),
  );
  return at;
}

describe('the fault matrix: what a client sees when a part fails, and that it gets everything back', () => {
  // Inside the describe, so they run when its turn comes: the suites before it (which restart the origin) are done.
  beforeAll(async () => {
    stack = await platform();
    admin = (await signIn(stack, uniqueEmail('faults-ops'), 'fault matrix operator', { admin: true })).token;
    user = await signIn(stack, uniqueEmail('faults'), 'fault matrix user password');
    const created = await edge('/api-keys', { method: 'POST', body: JSON.stringify({ name: 'fault watcher', scopes: ['read'] }) }, user.token);
    expect(created.status).toBe(201);
    key = (await created.json()) as { id: string; secret: string };
    stock = ((await (await edge('/instruments/by-symbol/NSE/INFY')).json()) as { instrument_token: number }).instrument_token;
    // An origin restarted by an earlier suite is `starting` until its first instrument sync is done.
    await waitFor(
      'every part running',
      async () => ((await (await fetch(`${stack.controlUrl}/parts`)).json()) as { parts: PartStatus[] }).parts.every((p) => p.state === 'running'),
      120_000,
    );
    await firstOriginActive(stack);
    watcher = new Watcher(stack, { apiKey: key.id, secret: key.secret });
    await watcher.client.connect();
    await watcher.client.subscribe([NIFTY], 'quote');
    await watcher.client.subscribe([stock], 'full');
    await watcher.ticksOfAllSince(0, watched());
  }, 200_000);

  afterAll(() => {
    watcher?.client.close();
    if (recoveries.length > 0) {
      console.log(
        `fault matrix: time until the watcher had ticks of every instrument again\n${recoveries.map((r) => `  ${r.fault.padEnd(28)} ${r.ms} ms`).join('\n')}`,
      );
    }
  });

  it('the part control refuses what it cannot do, naming why: on external Postgres and Redis, it controls the origins alone', async () => {
    const parts = ((await (await fetch(`${stack.controlUrl}/parts`)).json()) as { parts: PartStatus[] }).parts;
    expect(parts.map((p) => [p.name, p.state])).toEqual([
      ['origin', 'running'],
      ['origin-standby', 'running'],
    ]);
    const post = (path: string, headers: Record<string, string> = { 'X-Dev-Control': '1' }) =>
      fetch(`${stack.controlUrl}${path}`, { method: 'POST', headers }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { error: { message: string } },
      }));
    expect(await post('/parts/origin-standby/stop', {})).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringContaining('X-Dev-Control: 1') } },
    });
    for (const name of ['edge', 'postgres', 'redis']) {
      expect(await post(`/parts/${name}/stop`)).toMatchObject({
        status: 404,
        body: { error: { message: `no part ${name}; controllable here: origin, origin-standby` } },
      });
    }
    expect(await post('/parts/origin-standby/explode')).toMatchObject({
      status: 400,
      body: { error: { message: 'no action explode; one of stop, start, kill, pause, resume' } },
    });
    expect(await post('/parts/origin-standby/start')).toMatchObject({
      status: 409,
      body: { error: { message: 'origin-standby is running: only a stopped part can be started' } },
    });
    expect(await post('/parts/origin-standby/resume')).toMatchObject({
      status: 409,
      body: { error: { message: 'origin-standby is running: only a paused part can be resumed' } },
    });
  });

  it('Kite drops every connection: ticks resume on the same session, with no reconnect', async () => {
    const opens = watcher.opens.length;
    const at = Date.now();
    await simFault('drop-connections');
    await recovered('Kite dropped', at);
    expect(watcher.opens.length).toBe(opens);
  });

  it('Kite goes silent: sessions are told stale, and live with ticks once it speaks again', async () => {
    const at = Date.now();
    await simFault('silence');
    try {
      // Stale or down, as the origin judges its silent connections; never live while nothing arrives.
      await watcher.statusSince(at, ['stale', 'down'], 'index:NSE', /Kite|silent|tick/i);
      await waitFor('/health to say the feed is not live', async () => (await health()).feed.status !== 'live');
    } finally {
      await simFault('reset');
    }
    const back = Date.now();
    await watcher.statusSince(back, 'live', 'index:NSE');
    await recovered('Kite silent (from its return)', back);
    await waitFor('/health live again', async () => (await health()).feed.status === 'live');
  }, 60_000);

  it('Kite sends a malformed frame: no bad tick reaches the client, and the origin goes on', async () => {
    const before = await originHealth();
    const at = Date.now();
    await simFault('malformed-frame');
    await recovered('Kite malformed frame', at);
    const since = watcher.ticks.filter((t) => t.at >= at).map((t) => t.tick);
    expect(since.every((t) => watched().includes(t.instrument_token) && Number.isFinite(t.last_price) && t.last_price > 0)).toBe(true);
    expect((await originHealth()).uptime_s).toBeGreaterThanOrEqual(before.uptime_s);
  });

  it("Kite's access token expires: sessions are told down and why, and live again after the operator's Kite login, with no restart", async () => {
    const uptime = (await originHealth()).uptime_s;
    const at = Date.now();
    await simFault('expire-tokens');
    // Kite's close comes first ("closed by Kite"); the origin's redial is refused, and the reason names the token.
    const down = await watcher.statusSince(at, 'down', 'index:NSE', /token/i).catch((error: Error) => error);
    const origin = await waitFor("token_expired in the origin's health", async () => {
      const health = await originHealth();
      return health.kite.state === 'token_expired' ? health : undefined;
    });

    // The operator's browser: /login → Kite's login page → back to /login/callback, with the login's state in the
    // redirect and in the browser's cookie (origin-ticker/kite/login-state.ts).
    const toKite = await fetch(`${stack.originUrl}/login`, { redirect: 'manual' });
    expect(toKite.status).toBe(302);
    const back = await fetch(toKite.headers.get('location') as string, { redirect: 'manual' });
    const callback = back.headers.get('location') as string;
    expect(callback).toContain(`${stack.originUrl}/login/callback`);
    const cookie = (toKite.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const loggedIn = await fetch(callback, { headers: { Accept: 'application/json', Cookie: cookie } });
    expect(loggedIn.status).toBe(200);
    const login = Date.now();
    await watcher.statusSince(login, 'live', 'index:NSE');
    await recovered('Kite token expired (from the login)', login);
    expect((await originHealth()).uptime_s).toBeGreaterThanOrEqual(uptime);
    // Asserted once the feed is back, so that a wrong word does not leave the next cases without a feed.
    expect(origin.status).toBe('down');
    if (down instanceof Error) throw down;
  }, 60_000);

  it('the only origin is hung: sessions are told stale, then live with ticks when it runs again', async () => {
    // With the standby there, a hung active is failed over from (failover.suite.ts): here nothing takes over.
    await part('origin-standby', 'stop');
    try {
      const at = Date.now();
      await part('origin', 'pause');
      try {
        await watcher.statusSince(at, 'stale', 'index:NSE', /origin/);
      } finally {
        await part('origin', 'resume');
      }
      const back = Date.now();
      await watcher.statusSince(back, 'live', 'index:NSE');
      await recovered('origin hung (from its return)', back);
    } finally {
      await part('origin-standby', 'start');
    }
  }, 120_000);

  it('a group object restarts: its ticks resume on the same session', async () => {
    const opens = watcher.opens.length;
    const at = Date.now();
    expect((await edge('/internal/groups/index:NSE/restart', { method: 'POST' })).status).toBe(200);
    await recovered('group restarted', at);
    expect(watcher.opens.length).toBe(opens);
  });

  it('the session hub restarts: the client resumes its session, subscriptions and all', async () => {
    const opens = watcher.opens.length;
    const hub = hubName(user.id, hubConfig({}).shards);
    const at = Date.now();
    expect((await edge(`/internal/hubs/${hub}/restart`, { method: 'POST' })).status).toBe(200);
    await recovered('session hub restarted', at);
    expect(watcher.opens.slice(opens).map((o) => o.open)).toEqual([expect.objectContaining({ reconnected: true, resumed: true })]);
  });

  it('Postgres is down: live data and known keys go on, stored data answers 503, and all of it is there afterwards', async () => {
    const alert = await edge(
      '/alerts',
      { method: 'POST', body: JSON.stringify({ instrument: NIFTY, condition: { type: 'price_above', price: 1e9 } }) },
      user.token,
    );
    expect(alert.status).toBe(201);
    const { id } = (await alert.json()) as { id: string };
    const at = Date.now();
    await part('postgres', 'stop');
    try {
      await waitFor('/health to report Postgres', async () => (await health()).database.status === 'unhealthy');
      expect((await health()).redis.status).toBe('healthy');
      await watcher.ticksOfAllSince(Date.now(), watched());
      // A new session on a key verified before the outage still opens (AUTH_OUTAGE_GRACE_MS).
      const second = new Watcher(stack, { apiKey: key.id, secret: key.secret });
      try {
        await second.client.connect();
        await second.client.subscribe([NIFTY], 'quote');
        await second.ticksOfAllSince(0, [NIFTY]);
      } finally {
        second.client.close();
      }
      const list = await edge('/alerts', {}, user.token);
      expect(list.status).toBe(503);
      expect(((await list.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
    } finally {
      await part('postgres', 'start');
    }
    await waitFor('/health to report Postgres healthy', async () => (await health()).database.status === 'healthy');
    const after = await edge('/alerts', {}, user.token);
    expect(((await after.json()) as { alerts: { id: string }[] }).alerts.map((a) => a.id)).toContain(id);
    await recovered('Postgres down (from the stop)', at);
  }, 90_000);

  it('Postgres is hung: /health and stored data answer within their deadlines, and live data goes on', async () => {
    await part('postgres', 'pause');
    try {
      const started = Date.now();
      const report = await health();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(report.database).toMatchObject({ status: 'unhealthy', reason: expect.stringMatching(/did not answer within \d+ ms/) });
      const asked = Date.now();
      const list = await edge('/alerts', {}, user.token);
      expect(list.status).toBe(503);
      expect(Date.now() - asked).toBeLessThan(15_000);
      await watcher.ticksOfAllSince(Date.now(), watched());
    } finally {
      await part('postgres', 'resume');
    }
    await waitFor('/health to report Postgres healthy', async () => (await health()).database.status === 'healthy');
    expect((await edge('/alerts', {}, user.token)).status).toBe(200);
  }, 60_000);

  it('Redis is down, then hung: the API answers uncached within its deadline, and live data goes on', async () => {
    const search = async () => {
      const started = Date.now();
      const response = await edge('/instruments/search?q=INFY', {}, user.token);
      return { status: response.status, ms: Date.now() - started };
    };
    await part('redis', 'stop');
    try {
      const down = await waitFor('/health to report Redis', async () => {
        const report = await health();
        return report.redis.status === 'unhealthy' ? report : undefined;
      });
      expect(down.redis.reason).toContain('unavailable');
      expect(down.database.status).toBe('healthy');
      expect((await search()).status).toBe(200);
      await watcher.ticksOfAllSince(Date.now(), watched());
    } finally {
      await part('redis', 'start');
    }
    await waitFor('/health to report Redis healthy', async () => (await health()).redis.status === 'healthy');

    await part('redis', 'pause');
    try {
      const hung = await search();
      expect(hung.status).toBe(200);
      expect(hung.ms).toBeLessThan(5_000);
      expect((await health()).redis.status).toBe('unhealthy');
    } finally {
      await part('redis', 'resume');
    }
    await waitFor('/health to report Redis healthy', async () => (await health()).redis.status === 'healthy');
  }, 60_000);
});
