import { beforeAll, describe, expect, it } from 'vitest';
import { type GroupedInstrument, instrumentGroup } from '../../contracts/instrument-group.ts';
import { decodePacket } from '../../contracts/kite-ticks/decode.ts';
import { activeOriginUrl, type Platform, platform, signIn, uniqueEmail, waitFor as waitForOnStack } from './platform.ts';

/**
 * The tick path end to end on the whole local platform (`npm run dev`):
 * the simulator's ticks through the origin's pool and links into the right
 * group Durable Object in wrangler dev; demand set at the edge reaching
 * Kite; the object's snapshot surviving its restart (a Kite login bringing
 * the feed back after the token dies is in fault-matrix.suite.ts). The
 * operator routes are used as an operator would: a registered user made
 * admin with `npm run users -- promote`, signed in.
 */
let stack: Platform;
let ports: Platform['ports'];
let adminToken = '';
const edge = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${ports.EDGE_PORT}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json', ...init.headers },
  });
const sim = (path: string, method = 'GET') =>
  fetch(`http://127.0.0.1:${ports.SIM_PORT}${path}`, { method, headers: { Authorization: 'Bearer kitesim-admin' } });
const simSubscriptions = async () => ((await (await sim('/_sim/state')).json()) as { data: { subscriptions: number } }).data.subscriptions;

type Latest = { latest: { token: number; received_at: number; packet: string }[] };
const latest = async (group: string, token: number) => ((await (await edge(`/internal/groups/${group}/latest?tokens=${token}`)).json()) as Latest).latest[0];
type Capacity = { capacity: { rejected_count: number; rejected: { token: number; reason: string }[]; received_at: number } | null };
const capacity = async (group: string) => ((await (await edge(`/internal/groups/${group}`)).json()) as Capacity).capacity;

const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, ms?: number) => waitForOnStack(stack, what, check, ms);

async function tokenOf(exchange: string, symbol: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${ports.EDGE_PORT}/instruments/by-symbol/${exchange}/${encodeURIComponent(symbol)}`);
  return ((await response.json()) as { instrument_token: number }).instrument_token;
}

beforeAll(async () => {
  stack = await platform();
  ports = stack.ports;
  adminToken = (await signIn(stack, uniqueEmail('ops'), 'operator password 1', { admin: true })).token;
}, 200_000);

describe('the origin feeding the edge', () => {
  it('puts a tick from the simulator into its group object, whose snapshot survives a restart', async () => {
    const nifty = await tokenOf('NSE', 'NIFTY 50'); // pinned by npm run dev
    const held = await waitFor('a NIFTY 50 tick in index:NSE', async () => {
      const entry = await latest('index:NSE', nifty);
      return entry && Date.now() - entry.received_at < 5_000 ? entry : undefined;
    });
    const tick = decodePacket(Uint8Array.from(atob(held.packet), (c) => c.charCodeAt(0)));
    expect(tick).toMatchObject({ instrument_token: nifty, mode: 'full', tradable: false });
    expect(tick.last_price).toBeGreaterThan(0);
    // The edge's /health hears it from the origin's feed link.
    await waitFor(
      'the edge to report the feed live',
      async () => {
        const health = (await (await fetch(`http://127.0.0.1:${ports.EDGE_PORT}/health`)).json()) as { feed: { status: string } };
        return health.feed.status === 'live';
      },
      10_000,
    );

    // Silence Kite, so whatever the object holds after its restart can only come from its snapshot.
    expect((await sim('/_sim/faults/silence', 'POST')).status).toBe(200);
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      const before = await latest('index:NSE', nifty);
      expect((await edge('/internal/groups/index:NSE/restart', { method: 'POST' })).status).toBe(200);
      const after = await latest('index:NSE', nifty);
      expect(after).toEqual(before);
    } finally {
      await sim('/_sim/faults/reset', 'POST');
    }
  });

  it('carries demand set at the edge to Kite within a second, and its removal', async () => {
    const token = await tokenOf('BSE', 'RELIANCE');
    const group = instrumentGroup((await (await fetch(`http://127.0.0.1:${ports.EDGE_PORT}/instruments/${token}`)).json()) as GroupedInstrument);
    expect(group).toMatch(/^cash:BSE:\d\d$/);
    const before = await simSubscriptions();
    const put = await edge(`/internal/groups/${group}/demand/test-consumer`, { method: 'PUT', body: JSON.stringify({ tokens: { [token]: 'quote' } }) });
    expect(put.status).toBe(200);
    await waitFor('Kite to carry the new instrument', async () => (await simSubscriptions()) === before + 1, 1_000);
    const tick = await waitFor('its tick in the group object', async () => latest(group, token));
    expect(decodePacket(Uint8Array.from(atob(tick.packet), (c) => c.charCodeAt(0))).mode).toBe('quote');

    expect((await edge(`/internal/groups/${group}/demand/test-consumer`, { method: 'DELETE' })).status).toBe(200);
    await waitFor('Kite to drop it', async () => (await simSubscriptions()) === before, 1_000);
  });

  it('tells the group what it refused, and that it no longer refuses it, without a report for each change of demand', async () => {
    const token = await tokenOf('BSE', 'RELIANCE');
    const group = instrumentGroup((await (await fetch(`http://127.0.0.1:${ports.EDGE_PORT}/instruments/${token}`)).json()) as GroupedInstrument);
    const setDemand = async (tokens: Record<number, string>) => {
      expect((await edge(`/internal/groups/${group}/demand/capacity-test`, { method: 'PUT', body: JSON.stringify({ tokens }) })).status).toBe(200);
    };
    try {
      await setDemand({ [token]: 'quote', 1: 'ltp' }); // 1 is no instrument of the registry
      const refused = await waitFor('the refusal in the group object', async () => {
        const report = await capacity(group);
        return report?.rejected_count === 1 && report;
      });
      expect(refused.rejected).toEqual([{ token: 1, reason: expect.stringMatching(/unknown instrument/) }]);
      await setDemand({ [token]: 'quote' });
      const cleared = await waitFor('the refusal cleared', async () => {
        const report = await capacity(group);
        return report?.rejected_count === 0 && report;
      });
      // A change of demand with nothing refused is carried to Kite, and the group's (empty) report is left as it is.
      const since = Date.now();
      await setDemand({ [token]: 'full' });
      await waitFor('a full-mode tick of the instrument', async () => {
        const tick = await latest(group, token);
        return tick && tick.received_at > since && decodePacket(Uint8Array.from(atob(tick.packet), (c) => c.charCodeAt(0))).mode === 'full';
      });
      expect(await capacity(group)).toEqual(cleared);
    } finally {
      await setDemand({});
    }
  });

  it('exposes its state as Prometheus metrics', async () => {
    // Whichever origin holds the lease: an earlier suite's kill may have handed it to the standby.
    const text = await (await fetch(`${await activeOriginUrl(stack)}/metrics`)).text();
    expect(text).toMatch(/origin_kite_connection_state\{connection="kitesim#1",state="live"\} 1/);
    expect(text).toMatch(/origin_edge_feed_link_up 1/);
    expect(text).toMatch(/origin_process_resident_memory_bytes \d+/);
  });
});
