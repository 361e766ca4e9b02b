import { beforeAll, describe, expect, it } from 'vitest';
import type { FnoChain, FnoOption } from '../../contracts/fno-chain.ts';
import { type Platform, platform, signIn, uniqueEmail, waitFor as waitForOnStack } from './platform.ts';

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
        for (const [kind, option] of [
          ['CE', row.CE],
          ['PE', row.PE],
        ] as const) {
          const priced = sameTrade(option);
          if (!priced || !option?.iv || option.last_price === null) continue;
          const intrinsic = discount * Math.max(kind === 'CE' ? forward - row.strike : row.strike - forward, 0);
          if (option.last_price - intrinsic > 5) compared.set(option.instrument_token, { iv: option.iv, model: priced.iv });
        }
        const call = sameTrade(row.CE);
        const put = sameTrade(row.PE);
        if (call && put && Math.abs(row.strike / forward - 1) <= 0.02)
          sameStrike.push({ strike: row.strike, call: row.CE?.iv as number, put: row.PE?.iv as number });
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

  it('survives a restart of the group object', async () => {
    expect((await edge('/internal/groups/fno:NFO:NIFTY/restart', adminToken, { method: 'POST' })).status).toBe(200);
    const after = await chain();
    expect(after?.strikes.length).toBeGreaterThan(20);
    expect(after?.forward).toBeGreaterThan(0);
  });
});
