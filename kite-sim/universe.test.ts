import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { INSTRUMENT_COLUMNS, type KiteInstrument, type KiteSegment, SEGMENT_CODE } from '../contracts/kite-instrument.ts';
import { ROWS } from './contract-tokens.ts';
import { istDay } from './expiry-calendar.ts';
import { instrumentsCsv, instrumentsForExchange } from './instruments-csv.ts';
import { buildUniverse } from './universe.ts';
import type { SimInstrument } from './universe-types.ts';

// The parser the official kiteconnect client runs on the dump (it ships no types, hence require).
const Papa = createRequire(import.meta.url)('papaparse') as {
  parse(text: string, config: { header: true; skipEmptyLines?: boolean }): { data: Record<string, string>[]; errors: unknown[] };
};

/** Monday 1 December 2025, 09:00 IST: NIFTY's weeklies fall on 2, 9, 16, 23 Dec, its December monthly on the 30th. */
const MONDAY = new Date('2025-12-01T03:30:00Z');
const universe = buildUniverse({ seed: 1, today: MONDAY });
const csv = instrumentsCsv(universe.instruments);

const DAY = '2025-12-01';
const MONTHS = 'JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC';

function instrument(symbol: string): SimInstrument {
  const found = universe.bySymbol.get(symbol);
  if (!found) throw new Error(`${symbol} is not in the universe`);
  return found;
}

function spot(id: string): number {
  const underlying = universe.underlyings.get(id);
  if (!underlying) throw new Error(`no underlying ${id}`);
  return underlying.spot;
}

/** What Kite writes between the name and the strike: '25DEC' for a monthly, '25D09' for a weekly. */
function expiryCode(expiry: string, monthly: boolean): string {
  const [year, month, day] = expiry.split('-').map(Number) as [number, number, number];
  const yy = String(year % 100).padStart(2, '0');
  return monthly ? yy + MONTHS.slice((month - 1) * 3, month * 3) : yy + '123456789OND'.charAt(month - 1) + String(day).padStart(2, '0');
}

describe('the simulated instrument universe', () => {
  it('is about as big as Kite’s dump', () => {
    expect(universe.instruments.length).toBeGreaterThanOrEqual(95_000);
    expect(universe.instruments.length).toBeLessThanOrEqual(110_000);
    expect(universe.byToken.size).toBe(universe.instruments.length);
    expect(universe.bySymbol.size).toBe(universe.instruments.length);
  });

  it('is the same dump for the same seed on the same IST day, and another for another seed', () => {
    // 00:30 and 23:30 IST on 1 December: one trading day, whatever the UTC date says.
    const earlyThatDay = instrumentsCsv(buildUniverse({ seed: 1, today: new Date('2025-11-30T19:00:00Z') }).instruments);
    const lateThatDay = instrumentsCsv(buildUniverse({ seed: 1, today: new Date('2025-12-01T18:00:00Z') }).instruments);
    expect(earlyThatDay === csv).toBe(true);
    expect(lateThatDay === csv).toBe(true);
    expect(instrumentsCsv(buildUniverse({ seed: 2, today: MONDAY }).instruments) === csv).toBe(false);
  });

  it('builds every token the way Kite does, unique across all exchanges and below 2^31 (parsers read it signed)', () => {
    const segmentKey = (i: KiteInstrument) => (i.segment === 'INDICES' ? 'INDICES' : i.exchange);
    const wrong = universe.instruments.filter((i) => i.instrument_token !== i.exchange_token * 256 + SEGMENT_CODE[segmentKey(i)]);
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(new Set(universe.instruments.map((i) => i.instrument_token)).size).toBe(universe.instruments.length);
    expect(Math.max(...universe.instruments.map((i) => i.instrument_token))).toBeLessThan(2 ** 31);
    expect(instrument('NSE:NIFTY 50').instrument_token).toBe(256265);
    expect(instrument('NSE:NIFTY BANK').instrument_token).toBe(260105);
    expect(instrument('NSE:RELIANCE').instrument_token).toBe(738561);
  });

  it('lists every segment of the dump', () => {
    const segments = new Set(universe.instruments.map((i) => i.segment));
    const all: KiteSegment[] = [
      'NSE',
      'BSE',
      'INDICES',
      'NFO-FUT',
      'NFO-OPT',
      'BFO-FUT',
      'BFO-OPT',
      'MCX-FUT',
      'MCX-OPT',
      'CDS-FUT',
      'CDS-OPT',
      'BCD-FUT',
      'BCD-OPT',
    ];
    for (const segment of all) expect(segments, segment).toContain(segment);
    expect(universe.instruments.filter((i) => i.segment === 'NSE').length).toBeGreaterThan(2_000);
    expect(universe.instruments.filter((i) => i.segment === 'BSE').length).toBeGreaterThan(3_500);
  });

  it('lists nothing that has expired, and only positive strikes', () => {
    const derivatives = universe.instruments.filter((i) => i.kind === 'future' || i.kind === 'option');
    expect(derivatives.filter((i) => !/^\d{4}-\d{2}-\d{2}$/.test(i.expiry) || i.expiry < DAY)).toEqual([]);
    expect(universe.instruments.filter((i) => i.kind === 'option' && !(i.strike > 0))).toEqual([]);
    expect(universe.instruments.filter((i) => i.kind !== 'option' && i.strike !== 0)).toEqual([]);
    // An expiry falling on the day itself is still listed, as on Kite.
    const tuesday = buildUniverse({ seed: 1, today: new Date('2025-12-02T04:00:00Z') });
    expect(tuesday.instruments.some((i) => i.name === 'NIFTY' && i.expiry === '2025-12-02')).toBe(true);
    expect(tuesday.instruments.some((i) => i.expiry !== '' && i.expiry < '2025-12-02')).toBe(false);
  });

  it('gives NIFTY weekly and monthly Tuesday expiries, each a full 50-point CE/PE ladder around spot', () => {
    const options = universe.instruments.filter((i) => i.name === 'NIFTY' && i.kind === 'option');
    const expiries = [...new Set(options.map((i) => i.expiry))].sort();
    for (const expiry of expiries) expect(new Date(`${expiry}T00:00:00Z`).getUTCDay(), expiry).toBe(2);
    expect(expiries.slice(0, 6)).toEqual(['2025-12-02', '2025-12-09', '2025-12-16', '2025-12-23', '2025-12-30', '2026-01-06']);
    expect(expiries).toContain('2026-01-27');
    expect(expiries).toContain('2026-02-24');

    for (const expiry of expiries) {
      const chain = options.filter((i) => i.expiry === expiry);
      const calls = chain.filter((i) => i.instrument_type === 'CE').map((i) => i.strike);
      const puts = chain.filter((i) => i.instrument_type === 'PE').map((i) => i.strike);
      expect(puts).toEqual(calls);
      calls.forEach((strike, k) => {
        expect(strike % 50).toBe(0);
        if (k > 0) expect(strike - (calls[k - 1] ?? 0)).toBe(50);
      });
      expect(calls[0]).toBeLessThan(spot('NIFTY'));
      expect(calls.at(-1)).toBeGreaterThan(spot('NIFTY'));
      expect(chain.every((i) => i.lot_size === 75 && i.tick_size === 0.05 && i.segment === 'NFO-OPT')).toBe(true);
    }
  });

  it('names contracts as Kite does', () => {
    const atm = Math.round(spot('NIFTY') / 50) * 50;
    expect(instrument('NFO:NIFTY25DECFUT')).toMatchObject({ expiry: '2025-12-30', instrument_type: 'FUT', segment: 'NFO-FUT', name: 'NIFTY', strike: 0 });
    expect(instrument(`NFO:NIFTY25DEC${atm}CE`)).toMatchObject({ expiry: '2025-12-30', strike: atm, instrument_type: 'CE' });
    expect(instrument(`NFO:NIFTY25D09${atm}PE`)).toMatchObject({ expiry: '2025-12-09', strike: atm, instrument_type: 'PE' });
    expect(instrument(`NFO:NIFTY26106${atm}CE`)).toMatchObject({ expiry: '2026-01-06' });
    expect(instrument('NFO:RELIANCE25DECFUT')).toMatchObject({ name: 'RELIANCE', underlying: 'RELIANCE' });
    expect(instrument('MCX:CRUDEOIL25DECFUT').segment).toBe('MCX-FUT');
    expect(instrument('CDS:USDINR25DECFUT')).toMatchObject({ tick_size: 0.0025, lot_size: 1 });
    expect(instrument('BSE:SENSEX')).toMatchObject({ segment: 'INDICES', tick_size: 0, lot_size: 0, underlying: 'SENSEX' });

    // Every derivative: name + expiry code + strike (as printed: 24000, 1252.5, 88.25) + type.
    const monthlyExpiries = new Set(universe.instruments.filter((i) => i.instrument_type === 'FUT').map((i) => `${i.name} ${i.expiry}`));
    const misnamed = universe.instruments.filter((i) => {
      if (i.kind === 'future') return i.tradingsymbol !== `${i.name}${expiryCode(i.expiry, true)}FUT`;
      if (i.kind !== 'option') return false;
      const monthly = `${i.name}${expiryCode(i.expiry, true)}${i.strike}${i.instrument_type}`;
      const weekly = `${i.name}${expiryCode(i.expiry, false)}${i.strike}${i.instrument_type}`;
      return i.tradingsymbol !== monthly && i.tradingsymbol !== weekly;
    });
    expect(misnamed.slice(0, 3)).toEqual([]);
    // Weekly style only where no future expires that day (MCX options expire before their futures, but are monthly).
    const weeklyNamed = universe.instruments.filter((i) => i.kind === 'option' && i.tradingsymbol.startsWith(i.name + expiryCode(i.expiry, false)));
    expect(weeklyNamed.some((i) => monthlyExpiries.has(`${i.name} ${i.expiry}`))).toBe(false);
    expect(universe.instruments.some((i) => i.kind === 'option' && !Number.isInteger(i.strike) && i.tradingsymbol.includes(`${i.strike}`))).toBe(true);
  });

  it('prices every instrument from an underlying that exists, on its tick', () => {
    expect(universe.instruments.filter((i) => !universe.underlyings.has(i.underlying))).toEqual([]);
    for (const underlying of universe.underlyings.values()) {
      const ticks = underlying.spot / underlying.tickSize;
      expect(Math.abs(ticks - Math.round(ticks)), underlying.id).toBeLessThan(1e-6);
      if (underlying.spotToken !== undefined) expect(universe.byToken.get(underlying.spotToken)?.underlying, underlying.id).toBe(underlying.id);
    }
    expect(universe.underlyings.get('NIFTY')?.spotToken).toBe(256265);
    expect(universe.underlyings.get('CRUDEOIL')?.spotToken).toBeUndefined();
    expect(universe.underlyings.get('USDINR')?.spotToken).toBeUndefined();
    // One company, one price: its BSE listing moves with its NSE one.
    expect(instrument('BSE:RELIANCE').underlying).toBe('RELIANCE');
  });
});

describe('a contract’s token', () => {
  /** Every derivative of a day's universe by its token: 'NFO:NIFTY25DEC26000CE'; once per IST day (the tests share days). */
  const byDay = new Map<number, Map<number, string>>();
  const contractsOn = (today: Date) => {
    const known = byDay.get(istDay(today));
    if (known) return known;
    const contracts = new Map(
      buildUniverse({ seed: 1, today })
        .instruments.filter((i) => i.expiry !== '')
        .map((i) => [i.instrument_token, `${i.exchange}:${i.tradingsymbol}`]),
    );
    byDay.set(istDay(today), contracts);
    return contracts;
  };

  it.each([
    // The day a simulator that numbered contracts in listing order failed CI, and forty days on.
    ['2026-12-06', 40],
    ['2025-12-01', 1],
    ['today', 40],
  ])('names the same contract on every day it is listed (from %s, %i days on)', (from, days) => {
    const start = from === 'today' ? new Date() : new Date(`${from}T04:00:00Z`);
    const before = contractsOn(start);
    const after = contractsOn(new Date(start.getTime() + days * 86_400_000));
    const renamed = [...after].filter(([token, symbol]) => before.has(token) && before.get(token) !== symbol);
    expect(renamed.slice(0, 5)).toEqual([]);
    // Days a few weeks apart share most contracts (what stays listed).
    const shared = [...after.keys()].filter((token) => before.has(token)).length;
    if (days <= 40) expect(shared).toBeGreaterThan(10_000);
  });

  it('comes round again only after every contract listed with it has expired (a family’s rows span ten years)', () => {
    const today = istDay(MONDAY);
    const farthest = Math.max(...universe.instruments.filter((i) => i.expiry !== '').map((i) => Date.parse(i.expiry) / 86_400_000 - today));
    expect(farthest).toBeGreaterThan(2 * 365); // NIFTY's half-yearlies
    expect(farthest).toBeLessThan(Math.min(ROWS.weekly * 7, ROWS.monthly * 30));
  });

  it('is unique and a contract’s own from one day to the next over a year', () => {
    const seen = new Map<number, string>();
    const monday = new Date('2025-12-01T04:00:00Z').getTime();
    for (let week = 0; week < 52; week += 13) {
      for (const [token, symbol] of contractsOn(new Date(monday + week * 7 * 86_400_000))) {
        const earlier = seen.get(token);
        if (earlier !== undefined && earlier !== symbol) throw new Error(`token ${token} named ${earlier}, then ${symbol}`);
        seen.set(token, symbol);
      }
    }
    expect(seen.size).toBeGreaterThan(110_000);
  });
});

describe('the instruments CSV', () => {
  it('has Kite’s twelve columns and one line per instrument, each ending in a newline', () => {
    const lines = csv.split('\n');
    expect(lines[0]).toBe('instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange');
    expect(lines.length).toBe(universe.instruments.length + 2);
    expect(lines.at(-1)).toBe('');
    expect(csv.includes('\r')).toBe(false);
    expect(csv).toContain('\n256265,1001,NIFTY 50,"NIFTY 50",0,,0,0,0,EQ,INDICES,NSE\n');
    expect(csv).toContain('\n738561,2885,RELIANCE,"RELIANCE INDUSTRIES",0,,0,0.05,1,EQ,NSE,NSE\n');
  });

  it('reads back through papaparse as the kiteconnect client reads it', () => {
    const parsed = Papa.parse(csv, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(Object.keys(parsed.data[0] ?? {})).toEqual([...INSTRUMENT_COLUMNS]);
    expect(parsed.data.length).toBe(universe.instruments.length);
    parsed.data.forEach((row, k) => {
      const original = universe.instruments[k];
      if (!original) throw new Error(`row ${k} has no instrument`);
      // What kiteconnect does to each row: parseFloat, parseInt, and a Date for a 10-character expiry.
      const ok =
        row.instrument_token === String(original.instrument_token) &&
        row.exchange_token === String(original.exchange_token) &&
        row.tradingsymbol === original.tradingsymbol &&
        row.name === original.name &&
        parseFloat(row.last_price ?? '') === 0 &&
        row.expiry === original.expiry &&
        parseFloat(row.strike ?? '') === original.strike &&
        parseFloat(row.tick_size ?? '') === original.tick_size &&
        parseInt(row.lot_size ?? '', 10) === original.lot_size &&
        row.instrument_type === original.instrument_type &&
        row.segment === original.segment &&
        row.exchange === original.exchange;
      if (!ok) expect({ row, original }).toBe('a faithful round trip');
    });
  });

  it('quotes what needs quoting', () => {
    const odd: KiteInstrument = { ...instrument('NSE:INFY'), tradingsymbol: 'ODD,ONE', name: 'SAYS "HI", TWICE' };
    const text = instrumentsCsv([odd]);
    expect(text.split('\n')[1]).toBe('408065,1594,"ODD,ONE","SAYS ""HI"", TWICE",0,,0,0.05,1,EQ,NSE,NSE');
    expect(Papa.parse(text, { header: true, skipEmptyLines: true }).data[0]).toMatchObject({ tradingsymbol: 'ODD,ONE', name: 'SAYS "HI", TWICE' });
  });

  it('serves one exchange’s rows, indices included for NSE', () => {
    const nse = instrumentsForExchange(universe, 'NSE');
    expect(nse.every((i) => i.exchange === 'NSE')).toBe(true);
    expect(nse.some((i) => i.segment === 'INDICES')).toBe(true);
    expect(instrumentsForExchange(universe, 'NFO').length).toBe(universe.instruments.filter((i) => i.exchange === 'NFO').length);
  });
});
