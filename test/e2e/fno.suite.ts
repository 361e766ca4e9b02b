import { KiteEdgeClient, type SocketConstructor } from '@kite-edge/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { FnoChain, FnoChainUpdate, FnoOption } from '../../contracts/fno-chain.ts';
import { type Platform, platform, signIn, uniqueEmail, waitFor as waitForOnStack } from './platform.ts';
import { alone } from './platform-lock.ts';

/**
 * The live option chain end to end (docs/fno.md): NIFTY's nearest expiry
 * that has a day to run, started by a first GET /fno/chain on the shared
 * platform, its contracts streamed from the simulator through the origin
 * into the `fno:NFO:NIFTY` group, which computes it. The chain's IVs are
 * held against what the simulator priced each option with (`/_sim/model`).
 */
let stack: Platform;
let token = '';
let adminToken = '';
let expiry = '';
const edge = (path: string, bearer = token, init: RequestInit = {}) =>
  fetch(`${stack.edgeUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${bearer}`, ...init.headers } });
const sim = (path: string) => fetch(`http://127.0.0.1:${stack.ports.SIM_PORT}${path}`, { headers: { Authorization: 'Bearer kitesim-admin' } });
const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, ms?: number) => waitForOnStack(stack, what, check, ms);

type ModelRow = { instrument_token: number; instrument_type: string; strike: number; forward: number; iv: number; last_price: number };

async function chain(strikes?: number): Promise<FnoChain | undefined> {
  const response = await edge(`/fno/chain?name=NIFTY&expiry=${expiry}${strikes === undefined ? '' : `&strikes=${strikes}`}`);
  return response.status === 200 ? ((await response.json()) as FnoChain) : undefined;
}

const clients: KiteEdgeClient[] = [];
afterAll(() => {
  for (const client of clients) client.close();
});

beforeAll(async () => {
  stack = await platform();
  token = (await signIn(stack, uniqueEmail('fno'), 'fno chain password 1')).token;
  adminToken = (await signIn(stack, uniqueEmail('fno-ops'), 'fno ops password 1', { admin: true })).token;
  const { expiries } = (await (await edge('/instruments/expiries?name=NIFTY&exchange=NFO')).json()) as { expiries: string[] };
  // A day to run at least: on the expiry day itself, T shrinks to minutes and IVs swing with every tick.
  const soonest = Date.now() + 86_400_000;
  expiry = expiries.find((day) => Date.parse(`${day}T10:00:00Z`) > soonest) ?? '';
  expect(expiry).not.toBe('');
}, 200_000);

describe('the live option chain', () => {
  it('recovers the simulator’s volatility from its prices: IV within 0.2 vol points where time value is above 5 rupees', async () => {
    const first = await waitFor('the first NIFTY chain with prices', async () => {
      const got = await chain();
      return got?.forward != null && got.atm_iv !== null ? got : undefined;
    });
    expect(first.strikes.length).toBeGreaterThan(20);

    // A chain and the model of the same trades: options whose last price and forward are those the simulator priced with.
    const compared = new Map<number, { iv: number; model: number }>();
    let sameStrike: { strike: number; call: number; put: number }[] = [];
    await waitFor('30 options compared with their model', async () => {
      const got = (await chain()) as FnoChain;
      const rows = ((await (await sim(`/_sim/model?name=NIFTY&expiry=${expiry}`)).json()) as { data: { instruments: ModelRow[] } }).data.instruments;
      const model = new Map(rows.map((row) => [row.instrument_token, row]));
      const forward = got.forward as number;
      const sameTrade = (option: FnoOption | null) => {
        const priced = option ? model.get(option.instrument_token) : undefined;
        // A rupee of forward moves an ATM weekly's IV by about 0.03 vol points: the parity forward (no future on a weekly) is that close.
        return option?.iv != null && priced && priced.last_price === option.last_price && Math.abs(priced.forward - forward) <= 1 ? priced : undefined;
      };
      const discount = Math.exp(-got.rate * got.time_to_expiry_years);
      for (const row of got.strikes) {
        // The options with time value enough to imply a volatility from (a few rupees of time value is mostly tick rounding).
        const rich = new Set<number>();
        for (const [kind, option] of [
          ['CE', row.CE],
          ['PE', row.PE],
        ] as const) {
          const priced = sameTrade(option);
          if (!priced || !option?.iv || option.last_price === null) continue;
          const intrinsic = discount * Math.max(kind === 'CE' ? forward - row.strike : row.strike - forward, 0);
          if (option.last_price - intrinsic > 5) {
            compared.set(option.instrument_token, { iv: option.iv, model: priced.iv });
            rich.add(option.instrument_token);
          }
        }
        // Parity: a call and a put of one strike near the money imply one volatility, where both have time value to imply it
        // from (an in-the-money weekly's is often under 5 rupees: a loaded run saw 0.22 vol points between such a pair).
        const both = row.CE && row.PE && rich.has(row.CE.instrument_token) && rich.has(row.PE.instrument_token);
        if (both && Math.abs(row.strike / forward - 1) <= 0.02) sameStrike.push({ strike: row.strike, call: row.CE?.iv as number, put: row.PE?.iv as number });
      }
      if (compared.size < 30 || sameStrike.length === 0) {
        sameStrike = [];
        return undefined;
      }
      return true;
    });
    const worst = Math.max(...[...compared.values()].map(({ iv, model }) => Math.abs(iv - model)));
    const worstPair = Math.max(...sameStrike.map(({ call, put }) => Math.abs(call - put)));
    console.info(
      `fno e2e: ${compared.size} options compared, worst |IV − σ| ${worst.toFixed(3)} vol points; worst |call IV − put IV| near the money ${worstPair.toFixed(3)}`,
    );
    expect(worst).toBeLessThanOrEqual(0.2);
    expect(worstPair).toBeLessThanOrEqual(0.2);
  });

  it('cuts a window around the money, and lists the expiry in the term structure', async () => {
    const window = (await chain(5)) as FnoChain;
    expect(window.strikes).toHaveLength(11);
    expect(window.strikes[5]?.strike).toBe(window.atm_strike);
    const summary = (await (await edge('/fno/summary?name=NIFTY')).json()) as { expiries: { expiry: string; atm_iv: number | null }[] };
    expect(summary.expiries.find((e) => e.expiry === expiry)?.atm_iv).toBeGreaterThan(0);
  });

  it('streams the chain on /v2/ws: the chain whole, then an update about once a second with only what changed', async () => {
    const client = new KiteEdgeClient({
      url: `${stack.edgeUrl.replace('http', 'ws')}/v2/ws`,
      credentials: { accessToken: token },
      WebSocket: WebSocket as unknown as SocketConstructor,
    });
    clients.push(client);
    await client.connect();
    const updates: { update: FnoChainUpdate; before: FnoChain }[] = [];
    let held: FnoChain | undefined;
    const first = new Promise<FnoChain>((resolve) => client.on('chain', ({ chain }) => resolve(chain)));
    client.on('chain_update', ({ update, chain }) => {
      updates.push({ update, before: held as FnoChain });
      held = chain;
    });
    const ack = await client.subscribeChain('NIFTY', expiry, { strikes: 10 });
    expect(ack).toMatchObject({ action: 'subscribe_chain', name: 'NIFTY', expiry, strikes: 10, chains: 1 });
    held = await first;
    expect(held.strikes).toHaveLength(21);
    await waitFor('six chain_update frames', async () => (updates.length >= 6 ? true : undefined), 15_000);
    const gaps = updates.slice(1).map((u, i) => Date.parse(u.update.as_of) - Date.parse((updates[i] as { update: FnoChainUpdate }).update.as_of));
    console.info(`fno e2e: chain_update gaps ${gaps.join(', ')} ms; rows per update ${updates.map((u) => u.update.rows.length).join(', ')} of 21`);
    // At most one a second, always; about one a second as a rule. A 2-core machine running the rest of the suite beside the
    // platform can hold the group back for a few seconds now and then (a CI run saw one gap of 3.7 s), so the rule is the median.
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThan(6_000);
    }
    expect([...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]).toBeLessThan(1_600);
    // Changes only: every row an update carries differs from the row the client held.
    for (const { update, before } of updates) {
      const rows = new Map(before.strikes.map((row) => [row.strike, JSON.stringify(row)]));
      for (const row of update.rows) expect(JSON.stringify(row)).not.toBe(rows.get(row.strike));
    }
    expect(client.chainOf('NIFTY', expiry, { strikes: 10 })?.as_of).toBe(updates.at(-1)?.update.as_of);
    expect(await client.unsubscribeChain('NIFTY', expiry, { strikes: 10 })).toMatchObject({ chains: 0 });
  });

  it(alone('survives a restart of the group object'), async () => {
    expect((await edge('/internal/groups/fno:NFO:NIFTY/restart', adminToken, { method: 'POST' })).status).toBe(200);
    const after = await chain();
    expect(after?.strikes.length).toBeGreaterThan(20);
    expect(after?.forward).toBeGreaterThan(0);
  });
});
