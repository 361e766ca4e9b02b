import { describe, expect, it } from 'vitest';
import { buildUniverse } from '../kite-sim/universe.ts';
import { DEFAULT_CASH_SHARDS, fmix32, GROUP_KEY_PATTERN, type GroupedInstrument, instrumentGroup, MAX_CASH_SHARDS, parseGroupKey } from './instrument-group.ts';
import { instrumentToken, type KiteExchange, type KiteSegment } from './kite-instrument.ts';

function derivative(exchange: KiteExchange, name: string, type: 'FUT' | 'CE' | 'PE', exchangeToken: number): GroupedInstrument {
  const segment = `${exchange}-${type === 'FUT' ? 'FUT' : 'OPT'}` as KiteSegment;
  return { instrument_token: instrumentToken(exchangeToken, exchange as 'NFO'), name, segment, exchange, instrument_type: type };
}

function stock(exchange: 'NSE' | 'BSE', exchangeToken: number, name = 'SOME COMPANY'): GroupedInstrument {
  return { instrument_token: instrumentToken(exchangeToken, exchange), name, segment: exchange, exchange, instrument_type: 'EQ' };
}

function index(exchange: 'NSE' | 'BSE', exchangeToken: number, name: string): GroupedInstrument {
  return { instrument_token: instrumentToken(exchangeToken, 'INDICES'), name, segment: 'INDICES', exchange, instrument_type: 'EQ' };
}

/** Adds one to `counts[shard]`; a shard that is missing or not one of the array's fails the test. */
function countShard(counts: number[], shard: number | undefined): void {
  const current = shard === undefined ? undefined : counts[shard];
  if (shard === undefined || current === undefined) throw new Error(`shard ${shard} is not one of 0..${counts.length - 1}`);
  counts[shard] = current + 1;
}

/** Every character a key may hold stays the same through any URL encoding or decoding. */
function expectUrlSafe(key: string): void {
  expect(key).toMatch(/^[A-Za-z0-9._~:-]+$/);
  expect(decodeURIComponent(key)).toBe(key);
  expect(decodeURIComponent(encodeURIComponent(key))).toBe(key);
  expect(new URL(`https://edge.example/groups/${key}?group=${key}`).pathname).toBe(`/groups/${key}`);
  expect(new URL(`https://edge.example/groups/${key}?group=${key}`).searchParams.get('group')).toBe(key);
}

describe('instrumentGroup', () => {
  it('puts a future and its calls and puts of every expiry and strike in one group', () => {
    const chain: GroupedInstrument[] = [derivative('NFO', 'NIFTY', 'FUT', 35001), derivative('NFO', 'NIFTY', 'FUT', 35002)];
    let exchangeToken = 40000;
    for (let expiry = 0; expiry < 6; expiry++) {
      for (let strike = 0; strike < 50; strike++) {
        chain.push(derivative('NFO', 'NIFTY', 'CE', exchangeToken++), derivative('NFO', 'NIFTY', 'PE', exchangeToken++));
      }
    }
    expect(new Set(chain.map((i) => instrumentGroup(i)))).toEqual(new Set(['fno:NFO:NIFTY']));
  });

  it('keeps different underlyings and different exchanges apart', () => {
    const keys = [
      derivative('NFO', 'NIFTY', 'FUT', 1),
      derivative('NFO', 'BANKNIFTY', 'FUT', 2),
      derivative('BFO', 'SENSEX', 'FUT', 3),
      derivative('BFO', 'NIFTY', 'CE', 4),
      derivative('MCX', 'CRUDEOIL', 'FUT', 5),
      derivative('CDS', 'USDINR', 'PE', 6),
      derivative('BCD', 'USDINR', 'FUT', 7),
    ].map((i) => instrumentGroup(i));
    expect(keys).toEqual(['fno:NFO:NIFTY', 'fno:NFO:BANKNIFTY', 'fno:BFO:SENSEX', 'fno:BFO:NIFTY', 'fno:MCX:CRUDEOIL', 'fno:CDS:USDINR', 'fno:BCD:USDINR']);
  });

  it('puts all indices of an exchange in one group, apart from its stocks', () => {
    expect(instrumentGroup(index('NSE', 1001, 'NIFTY 50'))).toBe('index:NSE');
    expect(instrumentGroup(index('NSE', 1033, 'NIFTY BANK'))).toBe('index:NSE');
    expect(instrumentGroup(index('BSE', 1, 'SENSEX'))).toBe('index:BSE');
    expect(instrumentGroup(stock('NSE', 1001))).toMatch(/^cash:NSE:\d\d$/);
  });

  it('maps these instruments to these keys, today and in every process (a cross-process contract)', () => {
    // Real Kite tokens. If this test fails, origin and edge of different versions would disagree:
    // change the mapping only as a deliberate migration.
    expect(instrumentGroup(stock('NSE', 2885, 'RELIANCE INDUSTRIES'))).toBe('cash:NSE:04'); // 738561
    expect(instrumentGroup(stock('NSE', 11536, 'TATA CONSULTANCY SERV LT'))).toBe('cash:NSE:02'); // 2953217
    expect(instrumentGroup(stock('NSE', 1594, 'INFOSYS'))).toBe('cash:NSE:08'); // 408065
    expect(instrumentGroup(stock('NSE', 1333, 'HDFC BANK'))).toBe('cash:NSE:00'); // 341249
    expect(instrumentGroup(stock('NSE', 2885), { cashShards: 10 })).toBe('cash:NSE:04');
    expect(instrumentGroup(stock('NSE', 11536), { cashShards: 10 })).toBe('cash:NSE:00');
    expect(instrumentGroup(stock('NSE', 1594), { cashShards: 100 })).toBe('cash:NSE:72');
    expect(instrumentGroup(stock('NSE', 1594), { cashShards: 256 })).toBe('cash:NSE:248');
    expect(instrumentGroup(derivative('NFO', '', 'FUT', 2885))).toBe('fno:NFO:~03');
    expect(instrumentGroup(derivative('NFO', 'M&M', 'FUT', 1))).toBe('fno:NFO:M_26M');
    // murmur3's fmix32, checked against an independent implementation.
    expect([0, 1, 738561, 2953217, 0xffffffff].map((t) => fmix32(t).toString(16))).toEqual(['0', '514e28b7', '3b4ba014', 'c8c13e32', '81f16f39']);
  });

  it('spreads cash instruments evenly over the shards', () => {
    for (const [exchange, cashShards] of [
      ['NSE', DEFAULT_CASH_SHARDS],
      ['BSE', 10],
      ['NSE', 64],
    ] as const) {
      const counts = new Array<number>(cashShards).fill(0);
      const count = 2_500 * Math.max(1, cashShards / DEFAULT_CASH_SHARDS);
      for (let exchangeToken = 1; exchangeToken <= count; exchangeToken++) {
        const parsed = parseGroupKey(instrumentGroup(stock(exchange, exchangeToken), { cashShards }), { cashShards });
        countShard(counts, parsed?.shard);
      }
      const mean = count / cashShards;
      expect(counts.reduce((a, b) => a + b, 0)).toBe(count);
      expect(Math.min(...counts)).toBeGreaterThanOrEqual(mean * 0.5);
      expect(Math.max(...counts)).toBeLessThanOrEqual(mean * 1.5);
    }
  });

  it('uses one shard when asked for one', () => {
    expect(instrumentGroup(stock('NSE', 2885), { cashShards: 1 })).toBe('cash:NSE:00');
  });

  it('writes names with spaces, slashes, underscores and unicode as URL-safe keys', () => {
    const names = ['NIFTY 50', 'M&M', 'BAJAJ-AUTO', 'A/B', 'A_B', 'X%41', 'a:b', 'NIFTY#1', '?x=y', 'निफ्टी', 'ÜBER', '😀', '~01', '..', '.', '\uFEFFBOM'];
    const keys = names.map((name) => instrumentGroup(derivative('NFO', name, 'CE', 1)));
    expect(keys.slice(0, 7)).toEqual([
      'fno:NFO:NIFTY_2050',
      'fno:NFO:M_26M',
      'fno:NFO:BAJAJ-AUTO',
      'fno:NFO:A_2FB',
      'fno:NFO:A_5FB',
      'fno:NFO:X_2541',
      'fno:NFO:a_3Ab',
    ]);
    expect(new Set(keys).size).toBe(names.length);
    for (const [i, key] of keys.entries()) {
      expectUrlSafe(key);
      expect(parseGroupKey(key)).toEqual({ kind: 'fno', exchange: 'NFO', underlying: names[i] });
    }
  });

  it('groups derivatives without a name by token, apart from named ones', () => {
    for (const name of ['', '   ']) {
      const key = instrumentGroup(derivative('BFO', name, 'PE', 2885));
      expect(key).toMatch(/^fno:BFO:~\d\d$/);
      expect(parseGroupKey(key)).toEqual({ kind: 'fno', exchange: 'BFO', shard: Number(key.slice(-2)) });
    }
  });

  it('rejects a cashShards that is not an integer from 1 to 256', () => {
    for (const cashShards of [0, -1, 257, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => instrumentGroup(stock('NSE', 1), { cashShards })).toThrow(RangeError);
      expect(() => instrumentGroup(stock('NSE', 1), { cashShards })).toThrow(/cashShards must be an integer from 1 to 256/);
      expect(() => parseGroupKey('cash:NSE:00', { cashShards })).toThrow(RangeError);
    }
    expect(instrumentGroup(stock('NSE', 1), { cashShards: MAX_CASH_SHARDS })).toMatch(/^cash:NSE:\d{2,3}$/);
  });

  it('rejects a malformed registry row', () => {
    expect(() => instrumentGroup({ ...stock('NSE', 1), instrument_token: -1 })).toThrow(RangeError);
    expect(() => instrumentGroup({ ...stock('NSE', 1), instrument_token: 2 ** 32 })).toThrow(RangeError);
    expect(() => instrumentGroup({ ...stock('NSE', 1), instrument_token: 1.5 })).toThrow(RangeError);
    expect(() => instrumentGroup({ ...stock('NSE', 1), exchange: '' as KiteExchange })).toThrow(TypeError);
    expect(() => instrumentGroup({ ...stock('NSE', 1), exchange: 'nse' as KiteExchange })).toThrow(TypeError);
  });
});

describe('parseGroupKey', () => {
  it('reads back each kind of key', () => {
    expect(parseGroupKey('fno:NFO:NIFTY')).toEqual({ kind: 'fno', exchange: 'NFO', underlying: 'NIFTY' });
    expect(parseGroupKey('fno:NFO:~07')).toEqual({ kind: 'fno', exchange: 'NFO', shard: 7 });
    expect(parseGroupKey('cash:NSE:07')).toEqual({ kind: 'cash', exchange: 'NSE', shard: 7 });
    expect(parseGroupKey('cash:NSE:123', { cashShards: 200 })).toEqual({ kind: 'cash', exchange: 'NSE', shard: 123 });
    expect(parseGroupKey('index:BSE')).toEqual({ kind: 'index', exchange: 'BSE' });
  });

  it('returns undefined for anything instrumentGroup could not have produced', () => {
    const bad = [
      '',
      ':',
      'fno',
      'fno:',
      'fno:NFO',
      'fno:NFO:',
      'fno::NIFTY',
      'fut:NFO:NIFTY',
      'FNO:NFO:NIFTY',
      'fno:nfo:NIFTY',
      'fno:NFO:NIFTY:extra',
      'fno:NFO:NIFTY 50',
      'fno:NFO:M%26M',
      'fno:NFO:M&M',
      'fno:NFO:_41', // 'A' escaped: not canonical
      'fno:NFO:_2a', // lower-case hex
      'fno:NFO:_2',
      'fno:NFO:_',
      'fno:NFO:_FF', // not UTF-8
      'fno:NFO:_20', // a blank name
      'fno:NFO:~',
      'fno:NFO:~7',
      'fno:NFO:~16',
      'cash:NSE',
      'cash:NSE:',
      'cash:NSE:7',
      'cash:NSE:007',
      'cash:NSE:16', // out of range for the default 16 shards
      'cash:NSE:-1',
      'cash:NSE:1e1',
      'cash:NSE:07:',
      'cash:NSE:AB',
      'index:',
      'index:NSE:00',
      ' index:NSE',
      'index:NSE\n',
      'constructor:NSE',
      '__proto__',
      '🦄',
      'x'.repeat(100_000),
    ];
    for (const key of bad) expect(parseGroupKey(key), key).toBeUndefined();
    expect(parseGroupKey('cash:NSE:10', { cashShards: 10 })).toBeUndefined();
    expect(parseGroupKey('cash:NSE:256', { cashShards: 256 })).toBeUndefined();
    expect(parseGroupKey(undefined as unknown as string)).toBeUndefined();
    expect(parseGroupKey(42 as unknown as string)).toBeUndefined();
  });
});

describe('on the simulated Kite universe', () => {
  const universe = buildUniverse({ seed: 1, today: new Date('2025-12-01T03:30:00Z') });

  it('groups every derivative by its underlying, and every key is URL-safe and reads back', () => {
    const seen = new Set<string>();
    for (const instrument of universe.instruments) {
      const key = instrumentGroup(instrument);
      const parsed = parseGroupKey(key);
      expect(parsed, key).toBeDefined();
      expect(GROUP_KEY_PATTERN.test(key)).toBe(true);
      if (instrument.segment === 'INDICES') expect(parsed).toEqual({ kind: 'index', exchange: instrument.exchange });
      else if (instrument.instrument_type === 'EQ') expect(parsed).toMatchObject({ kind: 'cash', exchange: instrument.exchange });
      else expect(parsed).toEqual({ kind: 'fno', exchange: instrument.exchange, underlying: instrument.underlying });
      if (!seen.has(key)) {
        seen.add(key);
        expectUrlSafe(key);
      }
    }
    expect(seen).toContain('fno:NFO:NIFTY');
    expect(seen).toContain('fno:BFO:SENSEX');
    expect(seen).toContain('index:NSE');
    expect(seen).toContain('index:BSE');
  });

  it('spreads each exchange’s stocks evenly over the shards', () => {
    for (const exchange of ['NSE', 'BSE'] as const) {
      const counts = new Array<number>(DEFAULT_CASH_SHARDS).fill(0);
      const stocks = universe.instruments.filter((i) => i.exchange === exchange && i.segment === exchange);
      for (const instrument of stocks) countShard(counts, parseGroupKey(instrumentGroup(instrument))?.shard);
      const mean = stocks.length / DEFAULT_CASH_SHARDS;
      expect(stocks.length).toBeGreaterThan(500);
      expect(Math.min(...counts), `${exchange}: ${counts.join(' ')}`).toBeGreaterThanOrEqual(mean * 0.5);
      expect(Math.max(...counts), `${exchange}: ${counts.join(' ')}`).toBeLessThanOrEqual(mean * 1.5);
    }
  });
});
