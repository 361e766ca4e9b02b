import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INSTRUMENT_COLUMNS } from '../../contracts/kite-instrument.ts';
import { istDay } from '../../contracts/trading-calendar.ts';
import { instrumentsCsv } from '../../kite-sim/instruments-csv.ts';
import { buildUniverse } from '../../kite-sim/universe.ts';
import { migratedDatabase } from '../../test/setup/migrated-database.ts';
import { DumpError, decodeDump, parseInstrumentDump } from './instrument-dump.ts';
import { syncInstruments } from './sync.ts';

const DAY = 86_400_000;
/**
 * The day's dump, cut to the derivatives families that expire fastest
 * (NIFTY's weeklies, currencies, BSE's and MCX's contracts) and the indices:
 * every kind of change a sync meets, in a tenth of the rows, so that three
 * days of syncs stay quick. The whole dump is synced by the test platform.
 */
const DUMP_PART = new Set(['CDS', 'BCD', 'BFO', 'MCX']);
/** Each IST day's dump, built once (a universe is the same all day; the fixed day may be today). */
const dumps = new Map<string, string>();
const dumpFor = (day: Date) => {
  const key = istDay(day.getTime());
  const dump =
    dumps.get(key) ??
    instrumentsCsv(
      buildUniverse({ seed: 3, today: day }).instruments.filter((i) => DUMP_PART.has(i.exchange) || i.name === 'NIFTY' || i.segment === 'INDICES'),
    );
  dumps.set(key, dump);
  return dump;
};
const todaysCsv = dumpFor(new Date());

/**
 * The registry as it evolves over several syncs, each run in a database of
 * its own: from a fixed day (2026-12-06, a Sunday on which a simulator that
 * numbered contracts in listing order gave 96,700 tokens to other contracts
 * forty days on) and from today. kite-sim/universe.test.ts checks tokens
 * from more days. The two run side by side (their tests in order, each
 * building on the one before).
 */
describe.concurrent.each([
  ['2026-12-06', new Date('2026-12-06T04:00:00Z')],
  ['today', new Date()],
])('instrument registry sync from %s', (label, today) => {
  let client: pg.Client;
  const todaysRows = parseInstrumentDump(dumpFor(today));

  async function scalar(sql: string, params: unknown[] = []): Promise<number> {
    const { rows } = await client.query<{ n: string }>(sql, params);
    return Number(rows[0]?.n);
  }

  beforeAll(async () => {
    client = new pg.Client({ connectionString: await migratedDatabase(inject('databaseUrl'), `registry_sync_${label.replaceAll('-', '_')}`) });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  it('loads a fresh dump whole, typed, as dataset version 1', { concurrent: false }, async () => {
    const report = await syncInstruments(client, todaysRows, { source: 'test' });
    expect(report).toMatchObject({ version: 1, rows: todaysRows.length, inserted: todaysRows.length, updated: 0, deactivated: 0 });
    expect(await scalar('SELECT count(*) AS n FROM instruments WHERE is_active')).toBe(todaysRows.length);
    const option = todaysRows.find((r) => r.segment === 'CDS-OPT');
    const { rows } = await client.query(
      'SELECT tradingsymbol, strike::float8 AS strike, tick_size::float8 AS tick_size, expiry::text AS expiry, lot_size FROM instruments WHERE instrument_token = $1',
      [option?.instrument_token],
    );
    expect(rows[0]).toEqual({
      tradingsymbol: option?.tradingsymbol,
      strike: option?.strike,
      tick_size: option?.tick_size,
      expiry: option?.expiry,
      lot_size: option?.lot_size,
    });
    const indexName = await client.query("SELECT name FROM instruments WHERE tradingsymbol = 'NIFTY 50'");
    expect(indexName.rows).toEqual([{ name: 'NIFTY 50' }]);
  });

  it('repeats as a new version that changes nothing', { concurrent: false }, async () => {
    const report = await syncInstruments(client, todaysRows, { source: 'test' });
    expect(report).toMatchObject({ version: 2, inserted: 0, updated: 0, deactivated: 0, reactivated: 0 });
    expect(await scalar('SELECT count(*) AS n FROM dataset_versions')).toBe(2);
  });

  it('retires contracts that expired and keeps them, and lists the new ones', { concurrent: false }, async () => {
    const later = parseInstrumentDump(dumpFor(new Date(today.getTime() + 40 * DAY)));
    const laterTokens = new Set(later.map((r) => r.instrument_token));
    const gone = todaysRows.filter((r) => !laterTokens.has(r.instrument_token));
    const todaysTokens = new Set(todaysRows.map((r) => r.instrument_token));
    const added = later.filter((r) => !todaysTokens.has(r.instrument_token));
    expect(gone.length).toBeGreaterThan(1000); // weeklies and the first monthlies expired
    expect(gone.every((r) => r.expiry !== '')).toBe(true);
    // A token that is listed on both days names the same contract on both.
    const todaysByToken = new Map(todaysRows.map((r) => [r.instrument_token, r]));
    const renamed = later.filter((r) => todaysByToken.has(r.instrument_token) && todaysByToken.get(r.instrument_token)?.tradingsymbol !== r.tradingsymbol);
    expect(renamed.map((r) => r.tradingsymbol).slice(0, 5)).toEqual([]);

    const report = await syncInstruments(client, later, { source: 'test' });
    expect(report).toMatchObject({ version: 3, deactivated: gone.length, inserted: added.length });
    expect(await scalar('SELECT count(*) AS n FROM instruments WHERE is_active')).toBe(later.length);
    expect(await scalar('SELECT count(*) AS n FROM instruments WHERE NOT is_active')).toBe(gone.length);
    const retired = await client.query('SELECT is_active, last_seen_version FROM instruments WHERE instrument_token = $1', [gone[0]?.instrument_token]);
    expect(retired.rows).toEqual([{ is_active: false, last_seen_version: '2' }]);

    // The version records the registry's statistics as this sync left them; the previous one keeps its own.
    const {
      rows: [v2, v3],
    } = await client.query<{ stats: { active: number; inactive: number; by_segment: Record<string, { active: number; inactive: number }> } }>(
      'SELECT stats FROM dataset_versions WHERE id IN (2, 3) ORDER BY id',
    );
    expect(v3?.stats.active).toBe(later.length);
    expect(v3?.stats.inactive).toBe(gone.length);
    expect(v3?.stats.by_segment['NFO-OPT']).toEqual({
      active: later.filter((r) => r.segment === 'NFO-OPT').length,
      inactive: gone.filter((r) => r.segment === 'NFO-OPT').length,
    });
    expect(v2?.stats).toMatchObject({ active: todaysRows.length, inactive: 0 });
  });

  it('brings a retired instrument back when a dump lists it again', { concurrent: false }, async () => {
    const report = await syncInstruments(client, todaysRows, { source: 'test' });
    expect(report.reactivated).toBeGreaterThan(1000);
    expect(await scalar('SELECT count(*) AS n FROM instruments WHERE is_active')).toBe(todaysRows.length);
  });

  it('refuses a dump far smaller than the registry, leaving it untouched', { concurrent: false }, async () => {
    const versions = await scalar('SELECT count(*) AS n FROM dataset_versions');
    await expect(syncInstruments(client, todaysRows.slice(0, 1000), { source: 'test' })).rejects.toThrow(/refusing it as incomplete/);
    expect(await scalar('SELECT count(*) AS n FROM dataset_versions')).toBe(versions);
    expect(await scalar('SELECT count(*) AS n FROM instruments WHERE is_active')).toBe(todaysRows.length);
  });
});

describe('a broken dump', () => {
  const lines = todaysCsv.split('\n');
  const expectDumpError = (run: () => unknown, pattern: RegExp, line?: number) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(DumpError);
      expect((error as DumpError).message).toMatch(pattern);
      expect((error as DumpError).line).toBe(line);
      return;
    }
    throw new Error('the dump was accepted');
  };

  it('is rejected for a wrong header, on line 1', () => {
    expectDumpError(() => parseInstrumentDump(['token', ...lines.slice(1)].join('\n')), /the header must be instrument_token,/, 1);
  });

  it('is rejected at the first bad row, naming the line, the column and the rule', () => {
    const broken = [...lines];
    broken[4999] = (broken[4999] ?? '').replace(/^\d+/, 'abc');
    expectDumpError(() => parseInstrumentDump(broken.join('\n')), /instrument_token "abc" must be a whole number/, 5000);
    const badType = [...lines];
    badType[10] = (badType[10] ?? '').replace(/,(EQ|FUT|CE|PE),/, ',XX,');
    expectDumpError(() => parseInstrumentDump(badType.join('\n')), /instrument_type "XX" must be one of EQ, FUT, CE, PE/, 11);
  });

  it('is rejected when cut off in the middle of a row', () => {
    const cut = todaysCsv.slice(0, Math.floor(todaysCsv.length / 2));
    const lastLine = cut.split('\n').length;
    expectDumpError(() => parseInstrumentDump(cut), /expected 12 columns|not valid CSV/, lastLine);
  });

  it('is rejected when its gzip stream is truncated', () => {
    const gz = gzipSync(todaysCsv);
    expectDumpError(() => decodeDump(gz.subarray(0, gz.length - 100)), /gzip stream is truncated or corrupt/);
    expect(decodeDump(gz)).toBe(todaysCsv);
  });

  it("is rejected at a row Postgres would refuse at COPY, naming it, not by failing the whole sync with the database's error", () => {
    const columnOf = (name: string) => INSTRUMENT_COLUMNS.indexOf(name as (typeof INSTRUMENT_COLUMNS)[number]);
    const withField = (name: string, value: string) => {
      const rows = [...lines];
      const fields = (rows[2] ?? '').split(',');
      fields[columnOf(name)] = value;
      rows[2] = fields.join(',');
      return rows.join('\n');
    };
    expectDumpError(() => parseInstrumentDump(withField('expiry', '2026-02-30')), /expiry "2026-02-30" must be empty or a date/, 3);
    expectDumpError(() => parseInstrumentDump(withField('expiry', '0000-01-01')), /expiry "0000-01-01" must be empty or a date/, 3);
    expectDumpError(() => parseInstrumentDump(withField('strike', '1e12')), /strike "1e12" must be a number from 0 to 1000000000/, 3);
    expectDumpError(() => parseInstrumentDump(withField('tick_size', '2000000')), /tick_size "2000000" must be a number from 0 to 100000/, 3);
    expectDumpError(() => parseInstrumentDump(withField('name', 'NIF\u0000TY')), /name "NIF\\u0000TY" must not contain the NUL character/, 3);
    expectDumpError(() => parseInstrumentDump(withField('tradingsymbol', 'A\u0000B')), /tradingsymbol "A\\u0000B" must not contain the NUL character/, 3);
  });

  it('is rejected when it lists one token twice', () => {
    expectDumpError(() => parseInstrumentDump([...lines.slice(0, 3), lines[1], ...lines.slice(3)].join('\n')), /already listed on line 2/, 4);
  });
});
