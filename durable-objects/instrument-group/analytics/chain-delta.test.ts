import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChainUpdate, FnoChainUpdate, type FnoStrikeRow } from '../../../contracts/fno-chain.ts';
import { strikeLadder, syntheticChain } from '../../../test/synthetic-chain.ts';
import { type ChainInput, computeChain, type OptionQuote } from './chain.ts';
import { chainDelta } from './chain-delta.ts';

const NOW = Date.parse('2026-01-05T10:00:00+05:30');
const EXPIRY = '2026-01-27';
const STRIKES = strikeLadder(24_000, 50, 61);
const smile = (strike: number, forward: number) => 0.14 - 0.5 * Math.log(strike / forward);

/** A fresh input (its quotes are the caller's to change). */
const input = (): ChainInput => syntheticChain({ expiry: EXPIRY, now: NOW, spot: 24_000, strikes: STRIKES, vol: smile, tick: 0.05 });

function quote(chain: ChainInput, strike: number, kind: 'CE' | 'PE'): OptionQuote {
  const found = chain.rows.find((row) => row.strike === strike)?.[kind];
  if (!found) throw new Error(`no ${strike} ${kind}`);
  return found;
}

describe('chainDelta', () => {
  it('is null between two chains computed from the same quotes, and for float noise below the published rounding', () => {
    const before = input();
    const previous = computeChain(before);
    expect(chainDelta(previous, computeChain(before))).toBeNull();
    for (const row of before.rows) {
      if (row.CE?.last_price) row.CE.last_price *= 1 + 1e-13;
      if (row.PE?.last_price) row.PE.last_price *= 1 - 1e-13;
    }
    expect(chainDelta(previous, computeChain(before))).toBeNull();
  });

  it('carries only the row whose option traded, whole, and no summary field that stayed', () => {
    const quotes = input();
    const previous = computeChain(quotes);
    quote(quotes, 25_000, 'CE').last_price = (quote(quotes, 25_000, 'CE').last_price as number) + 0.05;
    const next = computeChain(quotes);
    const update = chainDelta(previous, next);
    expect(update).toEqual({
      name: 'NIFTY',
      expiry: EXPIRY,
      as_of: next.as_of,
      summary: {},
      rows: [next.strikes.find((r) => r.strike === 25_000)],
      removed: [],
    });
    expect(FnoChainUpdate.parse(update)).toEqual(update);
  });

  it('carries the summary fields an OI change moves (totals, PCR) with its row', () => {
    const quotes = input();
    const previous = computeChain(quotes);
    quote(quotes, 23_500, 'PE').oi = (quote(quotes, 23_500, 'PE').oi as number) + 75_000;
    const update = chainDelta(previous, computeChain(quotes));
    expect(update?.rows.map((row) => row.strike)).toEqual([23_500]);
    expect(update?.summary).toEqual({ total_put_oi: previous.total_put_oi + 75_000, pcr_oi: expect.any(Number) });
  });

  it('names the strikes a moving window dropped, and sends the ones it took in', () => {
    const quotes = { ...input(), strikes: 3 };
    const previous = computeChain(quotes);
    const next = computeChain({ ...quotes, future: { instrument_token: 1, tradingsymbol: 'F', last_price: (previous.forward as number) + 100 } });
    const update = chainDelta(previous, next);
    expect(update?.removed).toEqual([(previous.atm_strike as number) - 150, (previous.atm_strike as number) - 100]);
    expect(update?.summary).toMatchObject({ atm_strike: (previous.atm_strike as number) + 100, forward: next.forward, future: next.future });
    expect(update?.rows.map((row) => row.strike)).toEqual(next.strikes.map((row) => row.strike)); // a new forward moves every IV
  });

  it('refuses to diff two different expiries', () => {
    const a = computeChain(input());
    expect(() => chainDelta(a, { ...a, expiry: '2026-02-24' })).toThrow(RangeError);
  });

  it('applied to the previous chain gives the next one, whatever changed; every row it carries did change', () => {
    const change = fc.record({
      trades: fc.array(fc.tuple(fc.constantFrom(...STRIKES), fc.constantFrom('CE' as const, 'PE' as const), fc.integer({ min: -40, max: 40 })), {
        maxLength: 20,
      }),
      oi: fc.array(fc.tuple(fc.constantFrom(...STRIKES), fc.constantFrom('CE' as const, 'PE' as const), fc.integer({ min: -20, max: 20 })), { maxLength: 10 }),
      futureTicks: fc.integer({ min: -200, max: 200 }),
      seconds: fc.integer({ min: 0, max: 5 }),
      window: fc.option(fc.integer({ min: 0, max: 10 })),
    });
    fc.assert(
      fc.property(change, ({ trades, oi, futureTicks, seconds, window }) => {
        const quotes: ChainInput = { ...input(), ...(window === null ? {} : { strikes: window }) };
        const previous = computeChain(quotes);
        for (const [strike, kind, ticks] of trades) {
          const q = quote(quotes, strike, kind);
          q.last_price = Math.max((q.last_price as number) + 0.05 * ticks, 0.05);
        }
        for (const [strike, kind, lots] of oi) {
          const q = quote(quotes, strike, kind);
          q.oi = Math.max((q.oi as number) + 75 * lots, 0);
        }
        const future = quotes.future as NonNullable<ChainInput['future']>;
        const next = computeChain({
          ...quotes,
          now: NOW + 1000 * seconds,
          future: { ...future, last_price: (future.last_price as number) + 0.05 * futureTicks },
        });
        const update = chainDelta(previous, next);
        if (update === null) {
          expect(next).toEqual({ ...previous, as_of: next.as_of });
          return;
        }
        expect(applyChainUpdate(previous, update)).toEqual(next);
        const before = new Map(previous.strikes.map((row): [number, FnoStrikeRow] => [row.strike, row]));
        for (const row of update.rows) expect(row).not.toEqual(before.get(row.strike));
        for (const [field, value] of Object.entries(update.summary)) expect(value).not.toEqual(previous[field as keyof typeof previous]);
      }),
      { numRuns: 150 },
    );
  });
});
