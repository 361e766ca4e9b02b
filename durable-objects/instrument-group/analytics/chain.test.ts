import { describe, expect, it } from 'vitest';
import { FnoChain, FnoSummary } from '../../../contracts/fno-chain.ts';
import { strikeLadder, syntheticChain } from '../../../test/synthetic-chain.ts';
import { black76Greeks, black76Price } from './black76.ts';
import { computeChain, windowChain } from './chain.ts';
import { openInterestStats } from './open-interest.ts';
import { fnoSummary } from './summary.ts';
import { yearsToExpiry } from './time-to-expiry.ts';

const ist = (text: string) => Date.parse(`${text}+05:30`);
const NOW = ist('2026-01-05T10:00:00');
const MONTHLY = '2026-01-27';
const RATE = 0.065;
const STRIKES = strikeLadder(24_000, 50, 81);
const flat = (vol: number) => () => vol;

describe('computeChain', () => {
  it('values every option at its own IV on the future’s forward, with Greeks from the same model, published rounded', () => {
    const input = syntheticChain({ expiry: MONTHLY, now: NOW, spot: 24_000, strikes: STRIKES, vol: flat(0.14) });
    const chain = computeChain(input);
    expect(FnoChain.parse(chain)).toEqual(chain);

    const years = yearsToExpiry(MONTHLY, NOW);
    const forward = 24_000 * Math.exp(RATE * years);
    expect(chain).toMatchObject({
      name: 'NIFTY',
      expiry: MONTHLY,
      as_of: '2026-01-05T04:30:00.000Z',
      spot: 24_000,
      forward: Math.round(forward * 100) / 100,
      forward_source: 'future',
      time_to_expiry_years: Number(years.toPrecision(6)),
      rate: RATE,
      atm_strike: 24_100,
      atm_iv: 14,
      basis: Math.round((forward - 24_000) * 100) / 100,
      basis_annualised: 0.065,
      oi_change_basis: 'first_seen_today',
    });
    expect(chain.strikes.map((row) => row.strike)).toEqual(STRIKES);

    const g = { price: 0, delta: 0, gamma: 0, vega: 0, theta: 0 };
    for (const row of chain.strikes) {
      for (const kind of ['CE', 'PE'] as const) {
        const option = row[kind];
        const quote = input.rows.find((r) => r.strike === row.strike)?.[kind];
        if (!option || !quote) throw new Error('every strike has both sides');
        // The future's price is the forward rounded to the paisa, so IV is 14 % up to that rounding.
        expect(Math.abs((option.iv as number) - 14)).toBeLessThanOrEqual(0.01);
        black76Greeks(kind, chain.forward as number, row.strike, years, (option.iv as number) / 100, RATE, g);
        expect(Math.abs((option.delta as number) - g.delta)).toBeLessThanOrEqual(Math.abs(g.delta) * 1e-3 + 1e-6);
        expect(Number((option.delta as number).toPrecision(4))).toBe(option.delta);
        expect(Number((option.gamma as number).toPrecision(4))).toBe(option.gamma);
        expect(Number((option.theta as number).toPrecision(4))).toBe(option.theta);
        expect(Number((option.vega as number).toPrecision(4))).toBe(option.vega);
        // Out of the money a long option loses value each day (in the money, discounting can outweigh that: black76.test.ts).
        if (kind === 'CE' ? row.strike > (chain.forward as number) : row.strike < (chain.forward as number)) expect(option.theta as number).toBeLessThan(0);
        expect(option.oi_change).toBe((quote.oi as number) - (quote.oi_reference as number));
        expect(option.change).toBe(Math.round(((quote.last_price as number) - (quote.close as number)) * 100) / 100);
        expect(option.tradingsymbol).toBe(quote.tradingsymbol);
      }
    }
    expect(chain).toMatchObject(openInterestStats(chain.strikes));
  });

  it('publishes IV to 0.01 and prices to the paisa, so an unchanged input gives an identical chain', () => {
    const input = syntheticChain({ expiry: MONTHLY, now: NOW, spot: 24_000, strikes: STRIKES, vol: flat(0.14), tick: 0.05 });
    const chain = computeChain(input);
    for (const row of chain.strikes)
      for (const option of [row.CE, row.PE]) {
        if (option?.iv == null) continue;
        expect(Math.round(option.iv * 100) / 100).toBe(option.iv);
      }
    expect(computeChain(input)).toEqual(chain);
  });

  it('cuts to N strikes each side of the ATM, with OI totals, PCRs and max pain over the rows returned', () => {
    const input = syntheticChain({ expiry: MONTHLY, now: NOW, spot: 24_013, strikes: STRIKES, vol: flat(0.14) });
    const full = computeChain(input);
    const cut = computeChain({ ...input, strikes: 5 });
    expect(cut).toEqual(windowChain(full, 5));
    expect(cut.strikes.map((row) => row.strike)).toEqual(strikeLadder(full.atm_strike as number, 50, 11));
    expect(cut).toMatchObject(openInterestStats(cut.strikes));
    expect(cut.total_call_oi).toBeLessThan(full.total_call_oi);
    // The smile's figures belong to the whole chain.
    expect({ atm: cut.atm_iv, rr: cut.risk_reversal_25d }).toEqual({ atm: full.atm_iv, rr: full.risk_reversal_25d });
    // Near the end of the ladder the window is clipped, not shifted.
    const edge = windowChain({ ...full, atm_strike: STRIKES[1] as number }, 3);
    expect(edge.strikes.map((row) => row.strike)).toEqual(STRIKES.slice(0, 5));
    expect(windowChain(full, 0).strikes.map((row) => row.strike)).toEqual([full.atm_strike]);
    expect(() => windowChain(full, -1)).toThrow(RangeError);
    expect(() => windowChain(full, 1.5)).toThrow(RangeError);
  });

  it('leaves price-derived fields null for an option that has not traded, keeping its quote', () => {
    const input = syntheticChain({ expiry: MONTHLY, now: NOW, spot: 24_000, strikes: STRIKES, vol: flat(0.14) });
    const row = input.rows.find((r) => r.strike === 24_000);
    if (!row?.CE || !row.PE) throw new Error('the ATM row has both sides');
    row.CE.last_price = null;
    row.PE.last_price = 0;
    row.PE.bid = 0;
    const option = computeChain(input).strikes.find((r) => r.strike === 24_000);
    for (const side of [option?.CE, option?.PE]) {
      expect(side).toMatchObject({ last_price: null, change: null, iv: null, delta: null, gamma: null, theta: null, vega: null });
      expect(side?.oi).toBeGreaterThan(0);
    }
    expect(option?.CE?.bid).toBeGreaterThan(0);
    expect(option?.PE?.bid).toBeNull();
  });

  it('deep out of the money at the minimum tick still reads an IV; deep in the money at intrinsic has none', () => {
    const input = syntheticChain({ expiry: MONTHLY, now: NOW, spot: 24_000, strikes: strikeLadder(24_000, 500, 21), vol: flat(0.14), tick: 0.05 });
    const chain = computeChain(input);
    const far = chain.strikes.at(-1);
    expect(far?.CE?.last_price).toBe(0.05); // worth less than a tick, quoted at one
    expect(far?.CE?.iv).toBeGreaterThan(14);
    const years = yearsToExpiry(MONTHLY, NOW);
    // Deep in the money, rounded down to a tick at or below its discounted intrinsic value.
    const deep = input.rows[0];
    if (!deep?.CE) throw new Error('a call at the lowest strike');
    deep.CE.last_price = Math.floor((Math.exp(-RATE * years) * ((chain.forward as number) - deep.strike) * 20) / 20);
    const itm = computeChain(input).strikes[0]?.CE;
    expect(itm).toMatchObject({ iv: null, delta: null, gamma: null, theta: null, vega: null });
    expect(itm?.last_price).toBe(deep.CE.last_price);
  });

  it('on expiry day values the options until 15:30 IST, and after it keeps prices and OI but no IV or Greeks', () => {
    const input = syntheticChain({ expiry: MONTHLY, now: ist('2026-01-27T14:00:00'), spot: 24_000, strikes: STRIKES, vol: flat(0.14), tick: 0.05 });
    const before = computeChain(input);
    expect(before.time_to_expiry_years).toBeGreaterThan(0);
    expect(before.atm_iv).toBeCloseTo(14, 1);
    expect(before.strikes.find((row) => row.strike === 24_000)?.CE?.gamma).toBeGreaterThan(0);

    const after = computeChain({ ...input, now: ist('2026-01-27T15:45:00') });
    expect(after.time_to_expiry_years).toBeLessThan(0);
    expect(after).toMatchObject({ forward_source: 'future', atm_iv: null, risk_reversal_25d: null, basis_annualised: null });
    expect(after.forward).toBe(before.forward);
    expect(after.max_pain).toBe(before.max_pain);
    expect(after.pcr_oi).toBe(before.pcr_oi);
    for (const row of after.strikes)
      for (const option of [row.CE, row.PE]) {
        expect(option).toMatchObject({ iv: null, delta: null, gamma: null, theta: null, vega: null });
        expect(option?.last_price).toBeGreaterThan(0);
      }
  });

  it('takes the forward from parity without a future, from spot without prices, and does without one at all', () => {
    const input = syntheticChain({ expiry: MONTHLY, now: NOW, spot: 24_000, strikes: STRIKES, vol: flat(0.14), future: false });
    const parity = computeChain(input);
    expect(parity.future).toBeNull();
    expect(parity.forward_source).toBe('parity');
    expect(parity.atm_iv).toBeCloseTo(14, 1);

    const unpriced = input.rows.map((row) => ({
      ...row,
      CE: row.CE && { ...row.CE, last_price: null },
      PE: row.PE && { ...row.PE, last_price: null },
    }));
    const carry = computeChain({ ...input, rows: unpriced, future: { instrument_token: 1, tradingsymbol: 'NIFTY26JANFUT', last_price: 0 } });
    expect(carry).toMatchObject({ forward_source: 'carry', future: { instrument_token: 1, tradingsymbol: 'NIFTY26JANFUT', last_price: null } });
    expect(carry.forward).toBe(parity.forward);

    const blind = computeChain({ ...input, rows: unpriced, spot: null, strikes: 3 });
    expect(blind).toMatchObject({ spot: null, forward: null, forward_source: null, atm_strike: null, atm_iv: null, basis: null, basis_annualised: null });
    expect(blind.strikes).toHaveLength(STRIKES.length); // no ATM to centre a window on: the whole chain
    expect(FnoChain.parse(blind)).toEqual(blind);
  });

  it('sorts the rows by strike, keeps a missing side null, and publishes currency options to four decimals', () => {
    const input = syntheticChain({
      name: 'USDINR',
      expiry: MONTHLY,
      now: NOW,
      spot: 90.1234,
      rate: 0.02,
      strikes: strikeLadder(90, 0.25, 21),
      vol: flat(0.04),
      tick: 0.0025,
    });
    const lastRow = input.rows.at(-1);
    if (lastRow) lastRow.PE = null;
    const chain = computeChain({ ...input, rows: [...input.rows].reverse(), price_decimals: 4 });
    expect(chain.strikes.map((row) => row.strike)).toEqual(strikeLadder(90, 0.25, 21));
    expect(chain.strikes.at(-1)?.PE).toBeNull();
    expect(chain.spot).toBe(90.1234);
    expect(Math.round((chain.forward as number) * 1e4) / 1e4).toBe(chain.forward);
    expect(chain.forward).not.toBe(Math.round((chain.forward as number) * 100) / 100);
    expect(chain.atm_iv).toBeCloseTo(4, 0);
  });

  it('gives IVs that reprice each option to its last price within what the rounding allows', () => {
    const chain = computeChain(syntheticChain({ expiry: MONTHLY, now: NOW, spot: 24_000, strikes: STRIKES, vol: flat(0.2), tick: 0.05 }));
    const years = yearsToExpiry(MONTHLY, NOW);
    for (const row of chain.strikes) {
      const call = row.CE;
      if (!call?.iv || !call.last_price || call.last_price < 5) continue;
      // IV rounded to 0.01 points moves the price by at most vega × 0.005 (+ the forward's paisa).
      const repriced = black76Price('CE', chain.forward as number, row.strike, years, call.iv / 100, RATE);
      expect(Math.abs(repriced - call.last_price)).toBeLessThanOrEqual((call.vega as number) * 0.0051 + 0.01);
    }
  });

  it('puts a skewed smile in the risk reversal: negative when puts are dearer', () => {
    const skew = (strike: number, forward: number) => 0.14 - 0.5 * Math.log(strike / forward);
    const chain = computeChain(syntheticChain({ expiry: MONTHLY, now: NOW, spot: 24_000, strikes: STRIKES, vol: skew }));
    expect(chain.risk_reversal_25d).toBeLessThan(-1);
    const flatChain = computeChain(syntheticChain({ expiry: MONTHLY, now: NOW, spot: 24_000, strikes: STRIKES, vol: flat(0.14) }));
    expect(Math.abs(flatChain.risk_reversal_25d as number)).toBeLessThanOrEqual(0.02);
  });
});

describe('fnoSummary', () => {
  it('lines the expiries up nearest first with each one’s forward, ATM IV, PCR, max pain and basis', () => {
    const chains = ['2026-03-31', MONTHLY, '2026-01-13'].map((expiry, i) =>
      computeChain(syntheticChain({ expiry, now: NOW, spot: 24_000, strikes: STRIKES, vol: flat(0.12 + 0.01 * i), future: i !== 2 })),
    );
    const summary = fnoSummary('NIFTY', NOW, chains);
    expect(FnoSummary.parse(summary)).toEqual(summary);
    expect(summary.as_of).toBe('2026-01-05T04:30:00.000Z');
    expect(summary.expiries.map((e) => e.expiry)).toEqual(['2026-01-13', MONTHLY, '2026-03-31']);
    for (const entry of summary.expiries) {
      const chain = chains.find((c) => c.expiry === entry.expiry) as FnoChain;
      expect(entry).toMatchObject({
        forward: chain.forward,
        forward_source: chain.forward_source,
        atm_iv: chain.atm_iv,
        pcr_oi: chain.pcr_oi,
        max_pain: chain.max_pain,
        basis: chain.basis,
        basis_annualised: chain.basis_annualised,
      });
    }
    expect(summary.expiries[0]?.forward_source).toBe('parity');
    expect(() => fnoSummary('BANKNIFTY', NOW, chains)).toThrow(RangeError);
  });
});
