import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { isCalendarDay } from '../../contracts/calendar-day.ts';
import { INSTRUMENT_COLUMNS, type KiteInstrument } from '../../contracts/kite-instrument.ts';
import { unstorableText } from '../../contracts/storable-text.ts';

/**
 * Reads Kite's instrument dump (CSV, possibly gzipped) into typed rows, or
 * rejects the whole dump with the line and the reason. Nothing half-read
 * ever reaches the registry: a bad dump leaves the live data as it was.
 */
export class DumpError extends Error {
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'DumpError';
    this.line = line;
  }
}

/** Gunzips when the bytes are gzip (magic 1f 8b), else reads them as UTF-8. */
export function decodeDump(bytes: Uint8Array): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch (error) {
      throw new DumpError(`the gzip stream is truncated or corrupt (${(error as Error).message})`);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const INSTRUMENT_TYPES = new Set(['EQ', 'FUT', 'CE', 'PE']);
const MAX_PRICE = 1e9;
const MAX_TICK_SIZE = 1e5;

export function parseInstrumentDump(csv: string): KiteInstrument[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(csv, { info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new DumpError(`not valid CSV (${(error as Error).message})`, line);
  }
  const header = records[0]?.record;
  if (!header || header.join(',') !== INSTRUMENT_COLUMNS.join(',')) {
    throw new DumpError(`the header must be ${INSTRUMENT_COLUMNS.join(',')}, found ${header ? header.join(',') : 'nothing'}`, 1);
  }
  if (records.length < 2) throw new DumpError('the dump lists no instruments');

  const rows: KiteInstrument[] = [];
  const seen = new Map<number, number>();
  for (let i = 1; i < records.length; i++) {
    const { record, info } = records[i] as { record: string[]; info: { lines: number } };
    const line = info.lines;
    if (record.length !== INSTRUMENT_COLUMNS.length) {
      throw new DumpError(`expected ${INSTRUMENT_COLUMNS.length} columns, found ${record.length} (a truncated dump?)`, line);
    }
    const row = toInstrument(record, line);
    const earlier = seen.get(row.instrument_token);
    if (earlier !== undefined) throw new DumpError(`instrument_token ${row.instrument_token} already listed on line ${earlier}`, line);
    seen.set(row.instrument_token, line);
    rows.push(row);
  }
  return rows;
}

function toInstrument(r: string[], line: number): KiteInstrument {
  const column = (index: number) => ({ name: INSTRUMENT_COLUMNS[index] ?? '?', value: r[index] ?? '' });
  const fail = (index: number, rule: string): never => {
    const { name, value } = column(index);
    throw new DumpError(`${name} ${JSON.stringify(value)} ${rule}`, line);
  };
  const integer = (index: number, max: number) => {
    const value = column(index).value;
    const n = Number(value);
    if (value === '' || !Number.isInteger(n) || n < 0 || n > max) fail(index, `must be a whole number from 0 to ${max}`);
    return n;
  };
  // The registry's columns are numeric(14,4) (prices, strikes) and numeric(10,4) (tick sizes): past them COPY failed the whole sync with Postgres' error, not the line's.
  const decimal = (index: number, max: number) => {
    const value = column(index).value;
    const n = value === '' ? 0 : Number(value);
    if (!Number.isFinite(n) || n < 0 || n > max) fail(index, `must be a number from 0 to ${max}`);
    return n;
  };
  const text = (index: number, pattern: RegExp, rule: string) => {
    const value = column(index).value;
    const unstorable = unstorableText(value);
    if (unstorable) fail(index, unstorable);
    if (!pattern.test(value)) fail(index, rule);
    return value;
  };

  const instrument_token = integer(0, 0xffffffff);
  if (instrument_token === 0) fail(0, 'must not be 0');
  const expiry = column(5).value;
  // Past Date.parse's rules (contracts/calendar-day.ts): 2026-02-30 and 0000-01-01 failed the whole sync at COPY.
  if (expiry !== '' && !isCalendarDay(expiry)) fail(5, 'must be empty or a date YYYY-MM-DD');
  const instrument_type = column(9).value;
  if (!INSTRUMENT_TYPES.has(instrument_type)) fail(9, 'must be one of EQ, FUT, CE, PE');
  return {
    instrument_token,
    exchange_token: integer(1, 0xffffff),
    tradingsymbol: text(2, /^\S(.{0,62}\S)?$/, 'must be 1-64 characters without leading or trailing spaces'),
    name: text(3, /^.{0,128}$/, 'must be at most 128 characters'),
    last_price: decimal(4, MAX_PRICE),
    expiry,
    strike: decimal(6, MAX_PRICE),
    tick_size: decimal(7, MAX_TICK_SIZE),
    lot_size: integer(8, 10_000_000),
    instrument_type: instrument_type as KiteInstrument['instrument_type'],
    segment: text(10, /^[A-Z][A-Z-]{1,15}$/, 'must be an upper-case segment such as NFO-OPT') as KiteInstrument['segment'],
    exchange: text(11, /^[A-Z]{2,10}$/, 'must be an upper-case exchange such as NSE') as KiteInstrument['exchange'],
  };
}
