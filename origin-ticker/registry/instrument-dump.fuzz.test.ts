import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INSTRUMENT_COLUMNS, type KiteInstrument } from '../../contracts/kite-instrument.ts';
import { nastyNumber, nastyText, storable } from '../../test/fuzz.ts';
import { DumpError, parseInstrumentDump } from './instrument-dump.ts';

/**
 * Kite's instrument dump, fuzzed row by row: a dump is refused whole with a
 * DumpError naming its line, or every row it gives fits the registry's
 * columns (migrations/0002), so the sync's COPY never fails on one of
 * them. The columns, said here on their own terms rather than through the
 * parser's rules: bigint and integer ranges, numeric(14,4) and
 * numeric(10,4), dates of the calendar, text without NUL.
 */
const INT32 = 2 ** 31 - 1;
const isDay = (text: string) => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};
function fitsRegistry(row: KiteInstrument): boolean {
  const numeric = (value: number, below: number) => Number.isFinite(value) && Math.abs(Math.round(value * 1e4) / 1e4) < below;
  return (
    Number.isInteger(row.instrument_token) &&
    row.instrument_token > 0 &&
    row.instrument_token <= 0xffffffff &&
    Number.isInteger(row.exchange_token) &&
    Math.abs(row.exchange_token) <= INT32 &&
    Number.isInteger(row.lot_size) &&
    row.lot_size >= 0 &&
    row.lot_size <= INT32 &&
    numeric(row.last_price, 1e10) &&
    numeric(row.strike, 1e10) &&
    row.strike >= 0 &&
    numeric(row.tick_size, 1e6) &&
    row.tick_size >= 0 &&
    (row.expiry === '' || isDay(row.expiry)) &&
    ['EQ', 'FUT', 'CE', 'PE'].includes(row.instrument_type) &&
    [row.tradingsymbol, row.name, row.segment, row.exchange].every(storable)
  );
}

const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const numberText = fc.oneof(nastyNumber.map(String), nastyText(8), fc.constantFrom('', '1e10', '9999999999.99999', '0x1F', ' 5 ', '-0', 'Infinity'));
const dateText = fc.oneof(
  fc.constantFrom('', '2026-02-30', '0000-01-01', '2024-02-29', '2023-02-29', '9999-12-31', '2026-13-01'),
  fc
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
    .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  nastyText(10),
);
const FIELDS: Record<(typeof INSTRUMENT_COLUMNS)[number], fc.Arbitrary<string>> = {
  instrument_token: numberText,
  exchange_token: numberText,
  tradingsymbol: nastyText(20),
  name: nastyText(20),
  last_price: numberText,
  expiry: dateText,
  strike: numberText,
  tick_size: numberText,
  lot_size: numberText,
  instrument_type: fc.oneof(fc.constantFrom('EQ', 'FUT', 'CE', 'PE'), nastyText(3)),
  segment: fc.oneof(fc.constantFrom('NFO-OPT', 'NSE'), nastyText(8)),
  exchange: fc.oneof(fc.constantFrom('NFO', 'NSE'), nastyText(4)),
};
/** A real row with one or two of its fields replaced: one bad field at a time gets past the others' checks. */
const row = fc
  .tuple(
    fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    fc.array(
      fc.constantFrom(...INSTRUMENT_COLUMNS).chain((column) => FIELDS[column].map((value) => [column, value] as const)),
      { maxLength: 2 },
    ),
  )
  .map(([token, changes]) => {
    const fields: Record<string, string> = {
      instrument_token: String(token),
      exchange_token: '1001',
      tradingsymbol: 'NIFTY26JAN25000CE',
      name: 'NIFTY',
      last_price: '0',
      expiry: '2026-01-29',
      strike: '25000',
      tick_size: '0.05',
      lot_size: '75',
      instrument_type: 'CE',
      segment: 'NFO-OPT',
      exchange: 'NFO',
    };
    for (const [column, value] of changes) fields[column] = value;
    return INSTRUMENT_COLUMNS.map((column) => csvField(fields[column] ?? '')).join(',');
  });

function parsed(csv: string): KiteInstrument[] | DumpError {
  try {
    return parseInstrumentDump(csv);
  } catch (error) {
    expect(error).toBeInstanceOf(DumpError);
    return error as DumpError;
  }
}

describe('the instrument dump (fuzzed)', () => {
  it('refuses a dump with a DumpError naming a line, or gives only rows the registry can store', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 5 }), (rows) => {
        const result = parsed([INSTRUMENT_COLUMNS.join(','), ...rows].join('\n'));
        if (result instanceof DumpError) expect(result.line).toBeGreaterThanOrEqual(1);
        else for (const instrument of result) expect(fitsRegistry(instrument), JSON.stringify(instrument)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any text that is not a dump with a DumpError, never another exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          nastyText(200),
          nastyText(100).map((tail) => `${INSTRUMENT_COLUMNS.join(',')}\n${tail}`),
        ),
        (csv) => {
          parsed(csv);
        },
      ),
      { numRuns: 200 },
    );
  });
});
