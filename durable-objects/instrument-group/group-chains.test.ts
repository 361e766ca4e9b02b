import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { ChainAnswer, ChainDefinition, FnoChain } from '../../contracts/fno-chain.ts';
import { instrumentToken } from '../../contracts/kite-instrument.ts';
import { fullPacket, ltpPacket, TestOrigin } from '../../test/workers/test-origin.ts';
import { black76Price } from './analytics/black76.ts';
import { CHAIN_INTERVAL_MS } from './chain-book.ts';

/**
 * An fno group's option chains (group-chains.ts, chain-book.ts): started
 * with a definition, fed full packets through a test origin link, read
 * back. Every test has its own underlying (its own group object). Prices
 * are Black-76 at a known σ, so the chain's IVs must give σ back.
 */
const stub = (key: string) => env.INSTRUMENT_GROUP.getByName(key);
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 20 });
const settle = async <T>(call: PromiseLike<T>): Promise<T> => await call;

const RATE = 0.065;
const SIGMA = 0.14;
const STRIKES = [24_800, 24_900, 25_000, 25_100, 25_200];
const FUTURE_PRICE = 25_040;
/** A month out from the test's run: the assertions hold at any date (the IVs are checked at the chain's own T). */
const EXPIRY = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

let nextToken = 10_000;
function chainOf(name: string, spotGroup: string | null = null): { key: string; def: ChainDefinition } {
  const token = () => instrumentToken(nextToken++, 'NFO');
  const options = STRIKES.flatMap((strike) =>
    (['CE', 'PE'] as const).map((type) => ({ instrument_token: token(), tradingsymbol: `${name}${strike}${type}`, strike, type })),
  );
  return {
    key: `fno:NFO:${name}`,
    def: {
      name,
      expiry: EXPIRY,
      rate: RATE,
      price_decimals: 2,
      options,
      future: { instrument_token: token(), tradingsymbol: `${name}FUT` },
      spot: spotGroup ? { instrument_token: instrumentToken(nextToken++, 'NSE'), tradingsymbol: name, group: spotGroup } : null,
    },
  };
}

/** Every contract of the chain priced at σ (the future at `future`), with OI, volume and a one-tick book. */
function round(def: ChainDefinition, future = FUTURE_PRICE, oi = 1_000): Uint8Array[] {
  const years = (Date.parse(`${def.expiry}T10:00:00Z`) - Date.now()) / (365 * 86_400_000);
  const options = def.options.map((o, n) => {
    const last = Math.round(black76Price(o.type, future, o.strike, years, SIGMA, RATE) * 20) / 20;
    return fullPacket(o.instrument_token, { last, close: last - 1, bid: last - 0.05, ask: last + 0.05, volume: 500 + n, oi: oi + n });
  });
  return [fullPacket((def.future as { instrument_token: number }).instrument_token, { last: future, close: future - 10 }), ...options];
}

async function linked(key: string): Promise<TestOrigin> {
  const origin = await TestOrigin.connect(`/origin/groups/${key}`);
  await origin.next();
  return origin;
}

/** The demand frames the origin receives until one names every token of the chain in full mode. */
async function demandFor(origin: TestOrigin, def: ChainDefinition): Promise<Record<string, string>> {
  for (;;) {
    const frame = await origin.next<{ type: string; tokens: Record<string, string> }>();
    if (frame.type === 'demand' && Object.keys(frame.tokens).length >= def.options.length + 1) return frame.tokens;
  }
}

describe('InstrumentGroup: option chains', () => {
  it('subscribes every contract in full mode, computes the chain from their packets and gives σ back as IV', async () => {
    const { key, def } = chainOf('CHAINA');
    const origin = await linked(key);
    const started = await settle(stub(key).startChain(def));
    expect(started).toEqual({ chain: null, refused: 0 });
    const demand = await demandFor(origin, def);
    for (const o of def.options) expect(demand[String(o.instrument_token)]).toBe('full');
    expect((await stub(key).state()).demand.consumers).toEqual({ [`chain:${EXPIRY}`]: def.options.length + 1 });

    origin.sendBatch(round(def));
    let chain: FnoChain | null = null;
    await settled(async () => {
      chain = (await settle(stub(key).chain(EXPIRY)))?.chain ?? null;
      expect(chain).not.toBeNull();
    });
    const got = chain as unknown as FnoChain;
    expect(got).toMatchObject({ name: 'CHAINA', expiry: EXPIRY, forward: FUTURE_PRICE, forward_source: 'future', rate: RATE, atm_strike: 25_000 });
    expect(got.future).toEqual({ instrument_token: def.future?.instrument_token, tradingsymbol: 'CHAINAFUT', last_price: FUTURE_PRICE });
    expect(got.strikes.map((row) => row.strike)).toEqual(STRIKES);
    const atm = got.strikes[2];
    expect(atm?.CE).toMatchObject({ tradingsymbol: 'CHAINA25000CE', change: 1, volume: 504, oi: 1_004, oi_change: 0 });
    expect((atm?.CE?.ask ?? 0) - (atm?.CE?.bid ?? 0)).toBeCloseTo(0.1, 6);
    for (const row of got.strikes) {
      for (const side of [row.CE, row.PE]) expect(Math.abs((side?.iv ?? 0) - 100 * SIGMA)).toBeLessThan(0.2);
    }
    // A window of one strike each side of the ATM.
    const window = (await settle(stub(key).chain(EXPIRY, 1)))?.chain;
    expect(window?.strikes.map((row) => row.strike)).toEqual([24_900, 25_000, 25_100]);
    origin.close();
  });

  it('recomputes a chain at most once a second, however often ticks come', async () => {
    const { key, def } = chainOf('CHAINB');
    const origin = await linked(key);
    await settle(stub(key).startChain(def));
    origin.sendBatch(round(def));
    let first: FnoChain | null = null;
    await settled(async () => {
      first = (await settle(stub(key).chain(EXPIRY)))?.chain ?? null;
      expect(first).not.toBeNull();
    });
    const seen = new Set<string>([(first as unknown as FnoChain).as_of]);
    // Ticks and reads back to back: each new chain comes a second or more after the one before.
    let latest = first as unknown as FnoChain;
    for (let n = 1; latest.forward !== FUTURE_PRICE + 40; n++) {
      origin.sendBatch(round(def, FUTURE_PRICE + Math.min(n, 40)));
      const answer = (await settle(stub(key).chain(EXPIRY))) as ChainAnswer;
      latest = answer.chain as FnoChain;
      seen.add(latest.as_of);
    }
    const times = [...seen].map(Date.parse).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(CHAIN_INTERVAL_MS);
    expect(times.length).toBeGreaterThan(1);
    origin.close();
  });

  it('survives a restart of the object: the definition from SQLite, the quotes from the snapshot', async () => {
    const { key, def } = chainOf('CHAINC');
    const origin = await linked(key);
    await settle(stub(key).startChain(def));
    origin.sendBatch(round(def));
    await settled(async () => expect((await settle(stub(key).chain(EXPIRY)))?.chain).not.toBeNull());
    await expect(settle(stub(key).restart())).rejects.toThrow('restart requested');
    origin.close();

    const answer = await settle(stub(key).chain(EXPIRY));
    expect(answer?.chain).toMatchObject({ forward: FUTURE_PRICE, forward_source: 'future', atm_strike: 25_000 });
    expect(answer?.chain?.strikes).toHaveLength(STRIKES.length);
    expect((await stub(key).state()).demand.consumers).toEqual({ [`chain:${EXPIRY}`]: def.options.length + 1 });
  });

  it('a first read waits for the first ticks, and says when Kite refused contracts', async () => {
    const { key, def } = chainOf('CHAIND');
    const origin = await linked(key);
    const waiting = settle(stub(key).startChain(def, undefined, 4_000));
    await demandFor(origin, def);
    origin.sendBatch(round(def));
    expect((await waiting).chain?.forward).toBe(FUTURE_PRICE);

    const other = chainOf('CHAIND');
    const next = { ...other.def, expiry: '2099-12-31' };
    const refusing = settle(stub(key).startChain(next, undefined, 4_000));
    await demandFor(origin, next);
    origin.sendJson({ type: 'capacity', rejected: next.options.slice(0, 3).map((o) => ({ token: o.instrument_token, reason: 'no room' })) });
    expect(await refusing).toEqual({ chain: null, refused: 3 });
    origin.close();
  });

  it('reads the spot from the spot’s own group, and asks that group to stream it', async () => {
    const spotGroup = 'cash:NSE:15';
    const { key, def } = chainOf('CHAINE', spotGroup);
    const spotToken = def.spot?.instrument_token as number;
    const spotOrigin = await linked(spotGroup);
    const origin = await linked(key);
    await settle(stub(key).startChain(def));
    await settled(async () => expect((await stub(spotGroup).state()).demand.consumers).toMatchObject({ [`fno-spot:${key}`]: 1 }));
    spotOrigin.sendBatch([ltpPacket(spotToken, 25_001.5)]);
    await settled(async () => expect(await stub(spotGroup).latest([spotToken])).toHaveLength(1));
    // The spot is read on a round (at most once a second): rounds until it shows.
    await settled(async () => {
      origin.sendBatch(round(def));
      const chain = (await settle(stub(key).chain(EXPIRY)))?.chain;
      expect(chain).toMatchObject({ spot: 25_001.5, basis: FUTURE_PRICE - 25_001.5 });
    });
    spotOrigin.close();
    origin.close();
  });
});
