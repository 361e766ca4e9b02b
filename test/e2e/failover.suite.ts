import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartStatus } from '../../dev/controlled-part.ts';
import type { OriginHealth } from '../../origin-ticker/http/origin-health.ts';
import { firstOriginActive, type Platform, platform, signIn, uniqueEmail, waitFor as waitForOnStack } from './platform.ts';
import { Watcher } from './watcher.ts';

/**
 * Origin failover (issue 20) on the platform's two origins: the
 * active one killed (`kill -9`), then the active one hung (SIGSTOP) until
 * the standby has taken over and the feed is back, while a client watches
 * NIFTY 50 and one NSE stock on /v2/ws. The
 * client must see the feed stale and live again on the same session, every
 * instrument ticking within 15 s, and the simulator must never have seen
 * both origins on Kite at once. Both origins run again at the end, the one
 * on ORIGIN_PORT active as at the start (the fault matrix after this logs in
 * to Kite there).
 */
type OriginPart = 'origin' | 'origin-standby';
const PARTS: OriginPart[] = ['origin', 'origin-standby'];
const other = (part: OriginPart): OriginPart => (part === 'origin' ? 'origin-standby' : 'origin');
const NIFTY = 256265;
const SIM_KEY = 'kitesim';
/** What the issue allows from the failure to ticks of every instrument again. */
const RECOVERY_MS = 15_000;

let stack: Platform;
let watcher: Watcher;
let stock = 0;
/** What each failover cost the watcher, printed at the end (docs/origin.md keeps a run's figures). */
const figures: string[] = [];

const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, ms?: number) => waitForOnStack(stack, what, check, ms);
const urlOf = (part: OriginPart) => (part === 'origin' ? stack.originUrl : stack.standbyOriginUrl);
const originHealth = async (part: OriginPart) => (await (await fetch(`${urlOf(part)}/health`)).json()) as OriginHealth;
const part = async (name: string, action: 'stop' | 'start' | 'kill' | 'pause' | 'resume') => {
  const response = await fetch(`${stack.controlUrl}/parts/${name}/${action}`, { method: 'POST', headers: { 'X-Dev-Control': '1' } });
  expect(response.status, `${action} ${name}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as PartStatus;
};
const sim = async (path: string, method = 'GET') => {
  const response = await fetch(`http://127.0.0.1:${stack.ports.SIM_PORT}${path}`, { method, headers: { Authorization: 'Bearer kitesim-admin' } });
  return ((await response.json()) as { data: { open: Record<string, number>; max_concurrent: Record<string, number> } }).data;
};

/** The one origin that says it is active, once exactly one does (and the other is up and standby). */
const activeOrigin = (ms?: number) =>
  waitFor(
    'one origin active and the other standby',
    async () => {
      const roles = await Promise.all(PARTS.map(async (p) => (await originHealth(p)).role));
      return roles[0] !== roles[1] ? PARTS[roles.indexOf('active')] : undefined;
    },
    ms,
  );

describe('origin failover: a standby takes over from a dead or hung active origin', () => {
  beforeAll(async () => {
    stack = await platform();
    const user = await signIn(stack, uniqueEmail('failover'), 'failover watcher password');
    const created = await fetch(`${stack.edgeUrl}/api-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'failover watcher', scopes: ['read'] }),
    });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; secret: string };
    stock = ((await (await fetch(`${stack.edgeUrl}/instruments/by-symbol/NSE/INFY`)).json()) as { instrument_token: number }).instrument_token;
    await waitFor(
      'every part running',
      async () => ((await (await fetch(`${stack.controlUrl}/parts`)).json()) as { parts: PartStatus[] }).parts.every((p) => p.state === 'running'),
      120_000,
    );
    // An earlier suite may have killed the first origin and let the standby take over: the first takes the lease back.
    await firstOriginActive(stack);
    expect(await activeOrigin()).toBe('origin');
    watcher = new Watcher(stack, { apiKey: key.id, secret: key.secret });
    await watcher.client.connect();
    await watcher.client.subscribe([NIFTY], 'quote');
    await watcher.client.subscribe([stock], 'full');
    await watcher.ticksOfAllSince(0, [NIFTY, stock]);
  }, 200_000);

  afterAll(() => {
    watcher?.client.close();
    if (figures.length > 0) console.log(`origin failover:\n${figures.map((f) => `  ${f}`).join('\n')}`);
  });

  it('kill -9 of the active: sessions see stale, then live on the same socket within 15 s, and the killed one comes back as standby', async () => {
    const killed = await activeOrigin();
    const survivor = other(killed);
    const opens = watcher.opens.length;
    const at = Date.now();
    await part(killed, 'kill');
    await watcher.statusSince(at, 'stale', 'index:NSE', /origin/, RECOVERY_MS);
    const live = (await watcher.statusSince(at, 'live', 'index:NSE', undefined, RECOVERY_MS)).at;
    // On the way, only true states: a reconnecting or starting origin is stale; down only once it has been away 30 s
    // (DOWN_AFTER_MS), and never for want of an access token it had (issue 21, defect 9).
    const statuses = watcher.statuses.filter((s) => s.at >= at).map((s) => ({ after: s.at - at, ...s.status }));
    const untrue = statuses.filter((s) => (s.state === 'down' && s.after < 30_000) || /access token/.test(s.reason ?? ''));
    expect(untrue, JSON.stringify(statuses)).toEqual([]);
    const ticking = await watcher.ticksOfAllSince(live, [NIFTY, stock], RECOVERY_MS);
    figures.push(`kill -9: live after ${live - at} ms, every instrument ticking after ${ticking - at} ms`);
    expect(ticking - at).toBeLessThan(RECOVERY_MS);
    expect(watcher.opens.length).toBe(opens);
    const taken = await originHealth(survivor);
    expect(taken).toMatchObject({ role: 'active', lease: { failovers: expect.any(Number) } });
    expect(taken.lease.failovers).toBeGreaterThanOrEqual(1);
    expect(await (await fetch(`${urlOf(survivor)}/metrics`)).text()).toMatch(/kite_origin_role\{role="active"\} 1/);

    await part(killed, 'start');
    expect(await activeOrigin()).toBe(survivor);
    expect(await originHealth(killed)).toMatchObject({ role: 'standby', accounts: [], lease: { holder: `local:${new URL(urlOf(survivor)).port}` } });
  }, 60_000);

  it('SIGSTOP of the active: the standby takes over within 15 s, the hung one steps down when it wakes, and Kite never had both', async () => {
    const hung = await activeOrigin();
    const survivor = other(hung);
    const before = (await sim('/_sim/connections/reset', 'POST')).open[SIM_KEY] ?? 0;
    expect(before).toBeGreaterThan(0);
    const at = Date.now();
    await part(hung, 'pause');
    try {
      // Within the pause: the standby is active and every instrument ticks again.
      await waitFor(`${survivor} active`, async () => (await originHealth(survivor)).role === 'active', RECOVERY_MS);
      const active = Date.now();
      const ticking = await watcher.ticksOfAllSince(active, [NIFTY, stock], RECOVERY_MS);
      figures.push(`SIGSTOP: the standby active after ${active - at} ms, every instrument ticking after ${ticking - at} ms`);
      expect(ticking - at).toBeLessThan(RECOVERY_MS);
      // It wakes now, its lease long lapsed (a lease lasts 5 s) and taken by the survivor: it must see that, not go on.
    } finally {
      await part(hung, 'resume');
    }
    const woke = await waitFor(`${hung} to step down`, async () => {
      const health = await originHealth(hung);
      return health.role === 'standby' && health;
    });
    expect(woke.accounts).toEqual([]);
    expect(await activeOrigin()).toBe(survivor);
    const kite = await sim('/_sim/connections');
    const after = kite.open[SIM_KEY] ?? 0;
    figures.push(`SIGSTOP: Kite connections ${before} before, ${after} after, at most ${kite.max_concurrent[SIM_KEY]} at once`);
    // Both origins on Kite at once would have shown as the sum of their connections.
    expect(kite.max_concurrent[SIM_KEY]).toBeLessThanOrEqual(Math.max(before, after));
    await watcher.ticksOfAllSince(Date.now(), [NIFTY, stock]);
  }, 60_000);
});
