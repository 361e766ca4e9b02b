import { describe, expect, it } from 'vitest';
import type { FnoChain } from '../../../contracts/fno-chain.ts';
import { Market } from '../../../kite-sim/market.ts';
import { DEFAULT_SMILE, black76 as simBlack76, yearsToExpiry as simYears, smileVol } from '../../../kite-sim/pricing.ts';
import type { Quote } from '../../../kite-sim/quote.ts';
import { buildUniverse } from '../../../kite-sim/universe.ts';
import { optionQuoteOf, strikeLadder, syntheticChain } from '../../../test/synthetic-chain.ts';
import { type ChainInput, computeChain, type OptionQuote } from './chain.ts';
import { yearsToExpiry } from './time-to-expiry.ts';

/**
 * The analytics read back the volatility the Kite simulator priced with.
 * The simulator prices an option by Black-76 on spot·e^(rT) with T in
 * years of 365 days to 15:30 IST on the expiry day (kite-sim/pricing.ts,
 * the analytics' own T) and σ from its smile, then rounds the premium to
 * the tick. Its random walk runs in trading time (σ per 252 sessions of
 * 6¼ h: kite-sim/market.ts), but that only decides how far spot moves a
 * second; the σ it puts into Black-76, with calendar T, is a calendar-year
 * implied volatility, the same unit as the chain's IV. So the test compares
 * like with like: chain IV against the smile's σ at that strike, in vol
 * points, with no conversion.
 */

const ATM_VOL = 0.13;
const TOLERANCE = 0.2; // vol points, for options priced above 5 rupees
const NEAR_THE_MONEY = 0.02; // |ln(K/F)| within which call and put IV must agree

/**
 * Every option of the chain whose time value is above 5 rupees, against
 * `modelVol` (σ as a fraction) at its strike. Time value, not premium: a
 * deep in-the-money premium of 2,000 rupees can hold a few paisa of time
 * value (by parity, its out-of-the-money twin's premium), and rounded to
 * the tick that says nothing about σ (docs/fno.md, "Edge cases").
 */
function compare(chain: FnoChain, modelVol: (strike: number, kind: 'CE' | 'PE') => number) {
  const forward = chain.forward as number;
  const discount = Math.exp(-chain.rate * chain.time_to_expiry_years);
  let checked = 0;
  let worst = 0;
  for (const row of chain.strikes)
    for (const kind of ['CE', 'PE'] as const) {
      const option = row[kind];
      if (!option?.last_price) continue;
      const intrinsic = discount * Math.max(kind === 'CE' ? forward - row.strike : row.strike - forward, 0);
      if (option.last_price - intrinsic <= 5) continue;
      expect({ strike: row.strike, kind, iv: option.iv === null ? 'null' : 'read' }).toEqual({ strike: row.strike, kind, iv: 'read' });
      const error = Math.abs((option.iv as number) - 100 * modelVol(row.strike, kind));

      worst = Math.max(worst, error);
      checked++;
    }
  return { checked, worst };
}

/** The largest |call IV − put IV| at strikes near the forward. */
function callPutGap(chain: FnoChain): number {
  let gap = 0;
  for (const row of chain.strikes) {
    if (Math.abs(Math.log(row.strike / (chain.forward as number))) > NEAR_THE_MONEY) continue;
    if (row.CE?.iv == null || row.PE?.iv == null) continue;
    gap = Math.max(gap, Math.abs(row.CE.iv - row.PE.iv));
  }
  return gap;
}

describe('IV recovered from the simulator’s pricing', () => {
  const now = Date.parse('2026-01-05T11:00:00+05:30');

  it('matches the simulator’s T exactly (same calendar, same close)', () => {
    for (const expiry of ['2026-01-06', '2026-01-27', '2026-03-31']) expect(yearsToExpiry(expiry, now)).toBe(simYears(expiry, now));
  });

  for (const [label, expiry, future] of [
    ['a weekly without a future (forward from parity)', '2026-01-13', false],
    ['a monthly with its future', '2026-01-27', true],
    ['a quarterly with its future', '2026-03-31', true],
  ] as const) {
    it(`${label}: IV within ${TOLERANCE} vol points of the smile above 5 rupees, call and put agreeing near the money`, () => {
      const chain = computeChain(
        syntheticChain({
          expiry,
          now,
          spot: 24_000,
          strikes: strikeLadder(24_000, 50, 161),
          price: simBlack76,
          vol: (strike, forward, years) => smileVol(ATM_VOL, forward, strike, years, DEFAULT_SMILE),
          tick: 0.05,
          future,
        }),
      );
      expect(chain.forward_source).toBe(future ? 'future' : 'parity');
      const years = yearsToExpiry(expiry, now);
      const forward = 24_000 * Math.exp(0.065 * years);
      const { checked, worst } = compare(chain, (strike) => smileVol(ATM_VOL, forward, strike, years, DEFAULT_SMILE));
      expect(checked).toBeGreaterThan(100);
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
      expect(callPutGap(chain)).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('on the simulator’s own market: a NIFTY chain traded at one instant reads back each option’s model volatility', () => {
    const start = Date.parse('2026-01-05T09:15:00+05:30');
    const universe = buildUniverse({ seed: 7, today: new Date(start) });
    const market = new Market(universe, { seed: 7, startMs: start });
    const index = universe.instruments.find((i) => i.tradingsymbol === 'NIFTY 50');
    const future = universe.instruments
      .filter((i) => i.name === 'NIFTY' && i.segment === 'NFO-FUT' && yearsToExpiry(i.expiry, start) > 14 / 365)
      .sort((a, b) => a.expiry.localeCompare(b.expiry))[0];
    if (!index || !future) throw new Error('NIFTY and a NIFTY future with two weeks to run');
    const options = universe.instruments.filter((i) => i.name === 'NIFTY' && i.segment === 'NFO-OPT' && i.expiry === future.expiry);

    // Half an hour of the index moving, then one round in which everything trades at the same instant, as a ticker frame does.
    for (let s = 1; s <= 1800; s++) market.trade(index.instrument_token, start + s * 1000);
    const now = start + 1801 * 1000;
    const spot = market.trade(index.instrument_token, now).last_price;
    const futureQuote = market.trade(future.instrument_token, now);
    const quotes = new Map(options.map((o): [number, Quote] => [o.instrument_token, market.trade(o.instrument_token, now)]));

    const fromQuote = (token: number, tradingsymbol: string): OptionQuote => optionQuoteOf(token, tradingsymbol, quotes.get(token) as Quote);
    const byStrike = new Map<number, ChainInput['rows'][number]>();
    for (const o of options) {
      const row = byStrike.get(o.strike) ?? { strike: o.strike, CE: null, PE: null };
      row[o.instrument_type as 'CE' | 'PE'] = fromQuote(o.instrument_token, o.tradingsymbol);
      byStrike.set(o.strike, row);
    }
    const chain = computeChain({
      name: 'NIFTY',
      expiry: future.expiry,
      now,
      rate: 0.065,
      spot,
      future: { instrument_token: future.instrument_token, tradingsymbol: future.tradingsymbol, last_price: futureQuote.last_price },
      rows: [...byStrike.values()],
      oi_change_basis: 'first_seen_today',
    });

    const tokenOf = new Map(options.map((o) => [`${o.strike} ${o.instrument_type}`, o.instrument_token]));
    const model = market.model(future.instrument_token);
    expect(chain.time_to_expiry_years).toBe(Number(model?.years.toPrecision(6)));
    const { checked, worst } = compare(chain, (strike, kind) => market.model(tokenOf.get(`${strike} ${kind}`) as number)?.vol ?? NaN);
    expect(checked).toBeGreaterThan(30);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    expect(callPutGap(chain)).toBeLessThanOrEqual(TOLERANCE);
  });
});
