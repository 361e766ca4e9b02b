import { describe, expect, it } from 'vitest';
import { instrumentToken, type KiteSegment, type SEGMENT_CODE } from '../contracts/kite-instrument.ts';
import { Market } from './market.ts';
import { forwardPrice, impliedVol, yearsToExpiry } from './pricing.ts';
import type { Quote } from './quote.ts';
import type { SimInstrument, Underlying, Universe } from './universe-types.ts';

/**
 * A small universe built by hand: NIFTY (index, a monthly future, weekly
 * and monthly option ladders), RELIANCE (cash), CRUDEOIL (an MCX future,
 * no spot instrument) and USDINR (a CDS future and options, 0.0025 ticks).
 */
const START = Date.parse('2025-06-02T09:15:00+05:30');
const WEEKLY = '2025-06-05';
const MONTHLY = '2025-06-26';
const STRIKES = Array.from({ length: 41 }, (_, i) => 22_000 + 100 * i);

type Row = Pick<SimInstrument, 'tradingsymbol' | 'name' | 'kind' | 'instrument_type' | 'tick_size' | 'lot_size' | 'segment' | 'exchange'> &
  Partial<Pick<SimInstrument, 'expiry' | 'strike'>>;

/** The segment code of the token's low byte, from the dump's segment column. */
const CODE: Record<KiteSegment, keyof typeof SEGMENT_CODE> = {
  NSE: 'NSE',
  BSE: 'BSE',
  INDICES: 'INDICES',
  'NFO-FUT': 'NFO',
  'NFO-OPT': 'NFO',
  'BFO-FUT': 'BFO',
  'BFO-OPT': 'BFO',
  'MCX-FUT': 'MCX',
  'MCX-OPT': 'MCX',
  'CDS-FUT': 'CDS',
  'CDS-OPT': 'CDS',
  'BCD-FUT': 'BCD',
  'BCD-OPT': 'BCD',
};

function fixture(): Universe {
  const instruments: SimInstrument[] = [];
  let next = 10_000;
  const add = (row: Row, exchangeToken = next++) =>
    instruments.push({
      instrument_token: instrumentToken(exchangeToken, CODE[row.segment]),
      exchange_token: exchangeToken,
      last_price: 0,
      expiry: '',
      strike: 0,
      underlying: row.name,
      ...row,
    });
  const nfo = { name: 'NIFTY', lot_size: 75, exchange: 'NFO' } as const;
  const cds = { name: 'USDINR', tick_size: 0.0025, lot_size: 1, exchange: 'CDS' } as const;

  const index = { kind: 'index', instrument_type: 'EQ', tick_size: 0, lot_size: 0, segment: 'INDICES', exchange: 'NSE' } as const;
  const equity = { kind: 'equity', instrument_type: 'EQ', lot_size: 1, segment: 'NSE', exchange: 'NSE' } as const;
  const future = { kind: 'future', instrument_type: 'FUT' } as const;

  add({ ...index, tradingsymbol: 'NIFTY 50', name: 'NIFTY' }, 1001);
  add({ ...nfo, ...future, tradingsymbol: 'NIFTY25JUNFUT', tick_size: 0.1, expiry: MONTHLY, segment: 'NFO-FUT' });
  for (const expiry of [WEEKLY, MONTHLY])
    for (const strike of STRIKES)
      for (const type of ['CE', 'PE'] as const) {
        const symbol = `NIFTY${expiry}${strike}${type}`;
        add({ ...nfo, tradingsymbol: symbol, kind: 'option', instrument_type: type, tick_size: 0.05, expiry, strike, segment: 'NFO-OPT' });
      }
  add({ ...equity, tradingsymbol: 'RELIANCE', name: 'RELIANCE', tick_size: 0.1 }, 2885);
  const crude = { name: 'CRUDEOIL', tick_size: 1, lot_size: 100, segment: 'MCX-FUT', exchange: 'MCX' } as const;
  add({ ...crude, ...future, tradingsymbol: 'CRUDEOIL25JUNFUT', expiry: '2025-06-19' });
  add({ ...cds, ...future, tradingsymbol: 'USDINR25JUNFUT', expiry: MONTHLY, segment: 'CDS-FUT' });
  for (const [strike, type] of [
    [85.5, 'CE'],
    [85.5, 'PE'],
    [86, 'CE'],
    [85, 'PE'],
  ] as const) {
    const symbol = `USDINR25JUN${strike}${type}`;
    add({ ...cds, tradingsymbol: symbol, kind: 'option', instrument_type: type, expiry: MONTHLY, strike, segment: 'CDS-OPT' });
  }

  const underlying = (
    id: string,
    spot: number,
    annualVol: number,
    spotToken: number | undefined,
    tickSize: number,
    liquidity: number,
  ): [string, Underlying] => [id, { id, spot, annualVol, spotToken, tickSize, liquidity }];
  return {
    instruments,
    byToken: new Map(instruments.map((i) => [i.instrument_token, i])),
    bySymbol: new Map(instruments.map((i) => [`${i.exchange}:${i.tradingsymbol}`, i])),
    underlyings: new Map([
      underlying('NIFTY', 24_000, 0.13, instrumentToken(1001, 'INDICES'), 0.05, 1),
      underlying('RELIANCE', 1450, 0.22, instrumentToken(2885, 'NSE'), 0.1, 0.9),
      underlying('CRUDEOIL', 5400, 0.35, undefined, 1, 0.6),
      underlying('USDINR', 85.6, 0.04, undefined, 0.0025, 0.5),
    ]),
  };
}

const universe = fixture();
const bySymbol = (symbol: string): SimInstrument => {
  const instrument = universe.instruments.find((i) => i.tradingsymbol === symbol);
  if (!instrument) throw new Error(`no ${symbol} in the fixture`);
  return instrument;
};
const NIFTY = bySymbol('NIFTY 50');
const NIFTY_FUT = bySymbol('NIFTY25JUNFUT');
const RELIANCE = bySymbol('RELIANCE');
const USDINR_FUT = bySymbol('USDINR25JUNFUT');
const option = (expiry: string, strike: number, type: 'CE' | 'PE') => bySymbol(`NIFTY${expiry}${strike}${type}`);
const tickOf = (i: SimInstrument) => (i.tick_size > 0 ? i.tick_size : 0.05);

/** A reproducible busy session: every second, a seeded pick of instruments trades. */
function session(market: Market, seconds: number): { instrument: SimInstrument; quote: Quote }[] {
  const trades: { instrument: SimInstrument; quote: Quote }[] = [];
  let pick = 12_345;
  for (let s = 1; s <= seconds; s++) {
    for (let n = 0; n < 8; n++) {
      pick = (pick * 1_103_515_245 + 12_345) % 2_147_483_648;
      const instrument = universe.instruments[pick % universe.instruments.length];
      if (!instrument) continue;
      trades.push({ instrument, quote: market.trade(instrument.instrument_token, START + s * 1000 + n * 37) });
    }
  }
  return trades;
}

function onGrid(price: number, tick: number): boolean {
  const steps = Math.round(price / tick);
  const decimals = Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9) + 1);
  return Math.abs(price - steps * tick) < 1e-9 && price === Number((steps * tick).toFixed(decimals));
}

describe('Market', () => {
  it('is deterministic for a seed, and a different seed gives a different day', () => {
    const a = session(new Market(universe, { seed: 7, startMs: START }), 200).map((t) => t.quote);
    const b = session(new Market(universe, { seed: 7, startMs: START }), 200).map((t) => t.quote);
    const c = session(new Market(universe, { seed: 8, startMs: START }), 200).map((t) => t.quote);
    expect(a).toEqual(b);
    expect(c.map((q) => q.last_price)).not.toEqual(a.map((q) => q.last_price));
  });

  it('quotes every price on the tick grid, inside the day range, with a sensible book', () => {
    const trades = session(new Market(universe, { seed: 1, startMs: START }), 600);
    for (const { instrument, quote } of trades) {
      const tick = tickOf(instrument);
      const { open, high, low, close } = quote.ohlc;
      for (const price of [quote.last_price, open, high, low, close]) {
        expect(onGrid(price, tick), `${instrument.tradingsymbol} ${price}`).toBe(true);
      }
      expect(quote.last_price).toBeGreaterThanOrEqual(tick);
      expect(high).toBeGreaterThanOrEqual(Math.max(open, quote.last_price));
      expect(low).toBeLessThanOrEqual(Math.min(open, quote.last_price));
      expect(quote.exchange_timestamp).toBe(quote.last_trade_time);

      const { buy, sell } = quote.depth;
      expect(buy).toHaveLength(5);
      expect(sell).toHaveLength(5);
      if (instrument.kind === 'index') {
        expect([quote.volume_traded, quote.last_traded_quantity, quote.total_buy_quantity, quote.oi]).toEqual([0, 0, 0, 0]);
        expect([...buy, ...sell].every((l) => l.price === 0 && l.quantity === 0 && l.orders === 0)).toBe(true);
        continue;
      }
      const lot = Math.max(instrument.lot_size, 1);
      expect(quote.last_traded_quantity % lot).toBe(0);
      expect(quote.last_traded_quantity).toBeGreaterThan(0);
      expect(quote.volume_traded).toBeGreaterThanOrEqual(quote.last_traded_quantity);
      expect(quote.average_traded_price).toBeGreaterThanOrEqual(low - tick);
      expect(quote.average_traded_price).toBeLessThanOrEqual(high + tick);
      expect(quote.total_buy_quantity).toBeGreaterThan(0);
      expect(quote.total_sell_quantity).toBeGreaterThan(0);
      buy.forEach((level, k) => {
        if (level.quantity === 0) {
          expect(level).toEqual({ quantity: 0, price: 0, orders: 0 });
          expect(quote.last_price - (k + 1) * tick).toBeLessThan(tick / 2);
          return;
        }
        expect(onGrid(level.price, tick)).toBe(true);
        expect(level.price).toBeCloseTo(quote.last_price - (k + 1) * tick, 9);
        expect(level.quantity % lot).toBe(0);
        expect(level.orders).toBeGreaterThanOrEqual(1);
        expect(level.orders).toBeLessThanOrEqual(20);
      });
      sell.forEach((level, k) => {
        expect(onGrid(level.price, tick)).toBe(true);
        expect(level.price).toBeCloseTo(quote.last_price + (k + 1) * tick, 9);
        expect(level.quantity % lot).toBe(0);
        expect(level.orders).toBeGreaterThanOrEqual(1);
        expect(level.orders).toBeLessThanOrEqual(20);
      });
      if (instrument.kind === 'equity') expect(quote.oi).toBe(0);
      else {
        expect(quote.oi).toBeGreaterThan(0);
        expect(quote.oi_day_high).toBeGreaterThanOrEqual(quote.oi);
        expect(quote.oi_day_low).toBeLessThanOrEqual(quote.oi);
      }
    }
  });

  it('keeps the previous close fixed at the start price and builds OHLC from the day’s trades', () => {
    const market = new Market(universe, { seed: 3, startMs: START });
    const before = market.quote(NIFTY.instrument_token);
    expect(before.last_price).toBe(24_000);
    expect(before.ohlc).toEqual({ open: 0, high: 0, low: 0, close: 24_000 });
    const futureClose = market.quote(NIFTY_FUT.instrument_token).ohlc.close;
    expect(futureClose).toBeCloseTo(forwardPrice(24_000, yearsToExpiry(MONTHLY, START), 0.065), 1);

    const first = market.trade(NIFTY.instrument_token, START + 60_000);
    expect(first.ohlc.open).toBe(first.last_price);
    let last = first;
    for (let s = 2; s <= 600; s++) last = market.trade(NIFTY.instrument_token, START + s * 60_000);
    expect(last.ohlc.open).toBe(first.last_price);
    expect(last.ohlc.close).toBe(24_000);
    expect(last.ohlc.high).toBeGreaterThan(last.ohlc.low);
    expect(market.quote(NIFTY.instrument_token)).toBe(last);
    expect(market.trade(NIFTY_FUT.instrument_token, START + 600 * 60_000).ohlc.close).toBe(futureClose);
  });

  it('prices an option chain taken at one moment on its smile, and put–call parity holds', () => {
    const market = new Market(universe, { seed: 11, startMs: START });
    for (let s = 1; s <= 1800; s++) market.trade(NIFTY.instrument_token, START + s * 1000);
    const now = START + 1800_000;
    for (const expiry of [WEEKLY, MONTHLY]) {
      let checked = 0;
      for (const strike of STRIKES) {
        const call = market.trade(option(expiry, strike, 'CE').instrument_token, now).last_price;
        const put = market.trade(option(expiry, strike, 'PE').instrument_token, now).last_price;
        const model = market.model(option(expiry, strike, 'CE').instrument_token);
        if (!model) throw new Error('options have a model');
        expect(model.years).toBeCloseTo(yearsToExpiry(expiry, now), 12);
        expect(model.forward).toBeCloseTo(forwardPrice(model.spot, model.years, 0.065), 9);

        const parity = Math.exp(-model.rate * model.years) * (model.forward - strike);
        expect(Math.abs(call - put - parity)).toBeLessThanOrEqual(3 * 0.05);

        if (Math.abs(strike / model.forward - 1) > 0.1) continue;
        for (const [kind, premium] of [
          ['CE', call],
          ['PE', put],
        ] as const) {
          // Only the time value carries vol; a deep in-the-money premium rounded to
          // the tick can sit at its intrinsic value, where no vol explains it.
          const intrinsic = Math.max(kind === 'CE' ? parity : -parity, 0);
          if (premium - intrinsic < 20 * 0.05) continue;
          const vol = impliedVol(kind, premium, model.forward, strike, model.years, model.rate);
          expect(Math.abs(vol - model.vol), `${expiry} ${strike}${kind} at ${premium}`).toBeLessThan(0.01);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(20);
    }
  });

  it('prices OTM puts at a higher implied vol than equally far OTM calls', () => {
    const market = new Market(universe, { seed: 2, startMs: START });
    const vol = (strike: number, type: 'CE' | 'PE') => market.model(option(MONTHLY, strike, type).instrument_token)?.vol ?? NaN;
    const atm = vol(24_000, 'CE');
    expect(vol(22_800, 'PE')).toBeGreaterThan(atm);
    expect(vol(22_800, 'PE')).toBeGreaterThan(vol(25_200, 'CE'));
    expect(vol(24_000, 'PE')).toBe(vol(24_000, 'CE'));
  });

  it('holds most open interest near the money, and more in the near expiry', () => {
    const market = new Market(universe, { seed: 5, startMs: START });
    const oi = (expiry: string, strike: number, type: 'CE' | 'PE') => market.quote(option(expiry, strike, type).instrument_token).oi;
    for (const type of ['CE', 'PE'] as const) {
      expect(oi(WEEKLY, 24_000, type)).toBeGreaterThan(3 * oi(WEEKLY, 22_000, type));
      expect(oi(WEEKLY, 24_000, type)).toBeGreaterThan(3 * oi(WEEKLY, 26_000, type));
      expect(oi(MONTHLY, 24_000, type)).toBeGreaterThan(oi(MONTHLY, 22_000, type));
      expect(oi(WEEKLY, 24_000, type)).toBeGreaterThan(oi(MONTHLY, 24_000, type));
    }
    // Trading moves OI slowly, by traded quantities.
    const token = option(WEEKLY, 24_000, 'CE').instrument_token;
    const start = market.quote(token).oi;
    let q = market.quote(token);
    for (let s = 1; s <= 300; s++) q = market.trade(token, START + s * 1000);
    expect(q.oi % 75).toBe(0);
    expect(Math.abs(q.oi - start) / start).toBeLessThan(0.2);
    expect(q.oi_day_high).toBeGreaterThanOrEqual(Math.max(start, q.oi));
    expect(q.oi_day_low).toBeLessThanOrEqual(Math.min(start, q.oi));
  });

  it('moves the underlying with about its annual volatility in trading time', () => {
    for (const instrument of [NIFTY, RELIANCE]) {
      const market = new Market(universe, { seed: 9, startMs: START });
      const returns: number[] = [];
      let previous = market.quote(instrument.instrument_token).last_price;
      for (let s = 1; s <= 20_000; s++) {
        const price = market.trade(instrument.instrument_token, START + s * 1000).last_price;
        returns.push(Math.log(price / previous));
        previous = price;
      }
      const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
      const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
      const annualised = Math.sqrt(variance * 252 * 6.25 * 3600);
      const target = universe.underlyings.get(instrument.underlying)?.annualVol ?? NaN;
      expect(annualised).toBeGreaterThan(0.7 * target);
      expect(annualised).toBeLessThan(1.3 * target);
    }
  });

  it('stays put when no time passes and stays sane across a long gap', () => {
    const market = new Market(universe, { seed: 4, startMs: START });
    const a = market.trade(NIFTY.instrument_token, START + 5000).last_price;
    expect(market.trade(NIFTY_FUT.instrument_token, START + 5000) && market.trade(NIFTY.instrument_token, START + 5000).last_price).toBe(a);
    const later = market.trade(NIFTY.instrument_token, START + 30 * 86_400_000).last_price;
    expect(later).toBeGreaterThan(24_000 * 0.8);
    expect(later).toBeLessThan(24_000 * 1.2);
  });

  it('trades futures at a basis over spot when rates are positive', () => {
    const market = new Market(universe, { seed: 6, startMs: START });
    for (let minute = 1; minute <= 30; minute++) {
      const now = START + minute * 60_000;
      const spot = market.trade(NIFTY.instrument_token, now).last_price;
      const future = market.trade(NIFTY_FUT.instrument_token, now).last_price;
      expect(future).toBeGreaterThan(spot + 50);
      expect(future).toBeCloseTo(forwardPrice(spot, yearsToExpiry(MONTHLY, now), 0.065), 0);
    }
    const flat = new Market(universe, { seed: 6, startMs: START, rate: 0 });
    const flatFuture = flat.trade(NIFTY_FUT.instrument_token, START + 1000).last_price;
    expect(Math.abs(flatFuture - flat.trade(NIFTY.instrument_token, START + 1000).last_price)).toBeLessThanOrEqual(0.1);
  });

  it('prices currency derivatives on the 0.0025 grid', () => {
    const market = new Market(universe, { seed: 12, startMs: START });
    const cds = universe.instruments.filter((i) => i.exchange === 'CDS');
    for (let s = 1; s <= 500; s++)
      for (const instrument of cds) {
        const q = market.trade(instrument.instrument_token, START + s * 1000);
        const depthPrices = [...q.depth.buy, ...q.depth.sell].map((level) => level.price);
        for (const price of [q.last_price, q.ohlc.open, q.ohlc.high, q.ohlc.low, q.ohlc.close, ...depthPrices]) {
          const units = Math.round(price * 10_000);
          expect(units % 25, `${instrument.tradingsymbol} ${price}`).toBe(0);
          expect(price).toBe(units / 10_000);
        }
      }
    expect(market.quote(USDINR_FUT.instrument_token).last_price).toBeGreaterThan(85);
  });

  it('remembers what each price was priced with: the close before any trade, then the last trade, even after its siblings move on', () => {
    const market = new Market(universe, { seed: 4, startMs: START });
    const call = option(MONTHLY, 24_000, 'CE');
    const close = market.pricedWith(call.instrument_token);
    expect(close).toMatchObject({ at: START, spot: 24_000, rate: 0.065, years: yearsToExpiry(MONTHLY, START) });
    expect(Math.round((close?.price ?? NaN) / 0.05) * 0.05).toBeCloseTo(market.quote(call.instrument_token).ohlc.close, 9);

    const traded = market.trade(call.instrument_token, START + 60_000);
    const priced = market.pricedWith(call.instrument_token);
    expect(priced).toEqual({ ...market.model(call.instrument_token), at: START + 60_000, price: priced?.price });
    expect(Math.abs((priced?.price ?? NaN) - traded.last_price)).toBeLessThanOrEqual(0.025 + 1e-9);
    expect(impliedVol('CE', priced?.price ?? NaN, priced?.forward ?? NaN, 24_000, priced?.years ?? NaN, 0.065)).toBeCloseTo(priced?.vol ?? NaN, 9);

    // A sibling trading later moves the underlying: model() follows it, pricedWith() still describes the call's last trade.
    market.trade(option(MONTHLY, 24_500, 'PE').instrument_token, START + 600_000);
    expect(market.model(call.instrument_token)?.spot).not.toBe(priced?.spot);
    expect(market.pricedWith(call.instrument_token)).toEqual(priced);
    expect(market.pricedWith(NIFTY_FUT.instrument_token)).toMatchObject({ vol: 0.13, at: START });
    expect(market.pricedWith(NIFTY.instrument_token)).toBeUndefined();
    expect(() => market.pricedWith(42)).toThrow(RangeError);
  });

  it('answers for derivatives only in model(), and refuses unknown tokens', () => {
    const market = new Market(universe, { seed: 1, startMs: START });
    expect(market.model(NIFTY.instrument_token)).toBeUndefined();
    expect(market.model(RELIANCE.instrument_token)).toBeUndefined();
    expect(market.model(NIFTY_FUT.instrument_token)).toMatchObject({ spot: 24_000, vol: 0.13, rate: 0.065 });
    expect(() => market.trade(42, START)).toThrow(RangeError);
    expect(() => market.quote(42)).toThrow(RangeError);
    expect(() => market.model(42)).toThrow(RangeError);
  });
});
