import { env } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import { instrumentGroup } from '../contracts/instrument-group.ts';
import { edgeConfig } from '../contracts/worker-config.ts';
import { DatabaseUnavailable, openDatabase } from './database.ts';
import { RESOLVE_SQL, type ResolvedInstrument, resolveInstruments } from './resolve-instruments.ts';

/**
 * Resolution against the registry the test setup synced from the
 * simulator. Reference rows come from hand-written SQL. `live()` opens the
 * database afresh each time because opening one sets the driver's endpoint
 * for the whole isolate (the unreachable database below points it away).
 */
const live = () => openDatabase(edgeConfig(env).database, 10_000);
const unreachable = () => openDatabase({ ...edgeConfig(env).database, httpEndpoint: `http://127.0.0.1:${inject('deadPort')}/sql` }, 500);

/** What the resolver answers, but the group it computes: read by hand-written SQL to check it against. */
type Reference = Omit<ResolvedInstrument, 'group'>;

/** One active instrument of each kind the group key tells apart, picked by SQL. */
async function samples(): Promise<Reference[]> {
  const pick = async (where: string) => {
    const { rows } = await live().query<Reference>(
      `SELECT instrument_token::float8 AS instrument_token, exchange, tradingsymbol, name, segment, instrument_type,
              tick_size::float8 AS tick_size, lot_size
       FROM instruments WHERE is_active AND ${where} ORDER BY instrument_token LIMIT 1`,
    );
    if (!rows[0]) throw new Error(`the test registry has no active instrument where ${where}`);
    return rows[0];
  };
  return Promise.all([
    pick("exchange = 'NSE' AND tradingsymbol = 'INFY'"),
    pick("segment = 'INDICES' AND tradingsymbol = 'NIFTY 50'"),
    pick("exchange = 'NFO' AND instrument_type = 'CE' AND name = 'NIFTY'"),
    pick("exchange = 'MCX' AND instrument_type = 'FUT'"),
    pick("exchange = 'CDS'"),
    pick("exchange = 'BSE' AND instrument_type = 'EQ'"),
  ]);
}

describe('resolveInstruments', () => {
  it('resolves a token and its EXCHANGE:TRADINGSYMBOL to the same instrument, in the group instrumentGroup() gives it', async () => {
    for (const row of await samples()) {
      const symbol = `${row.exchange}:${row.tradingsymbol}`;
      const { resolved, unknown } = await resolveInstruments(live(), [row.instrument_token, symbol]);
      expect(unknown).toEqual([]);
      const byToken = resolved.get(String(row.instrument_token));
      expect(byToken).toMatchObject({ ...row, group: instrumentGroup(row as Parameters<typeof instrumentGroup>[0]) });
      expect(resolved.get(symbol)).toEqual(byToken);
    }
  });

  it('reports what no instrument has as unknown, once each, keyed as given', async () => {
    const { resolved, unknown } = await resolveInstruments(live(), [4_294_967_295, 'NSE:NO-SUCH-STOCK', 'NSE:NO-SUCH-STOCK', 'XYZ:INFY', 'NSE:infy']);
    expect(resolved.size).toBe(0);
    expect(unknown).toEqual(['4294967295', 'NSE:NO-SUCH-STOCK', 'XYZ:INFY', 'NSE:infy']);
  });

  it('reports an inactive (expired or delisted) instrument as unknown, by token and by symbol', async () => {
    // NCO: an exchange the instruments API tests never filter on, so this row stays out of their counts.
    const token = 4_294_960_001;
    // A version rows already reference, so no other file can delete it meanwhile (the instruments API tests add one and drop it).
    const version = (await live().query<{ id: string }>('SELECT max(last_seen_version)::text AS id FROM instruments')).rows[0]?.id;
    await live().query(
      `INSERT INTO instruments (instrument_token, exchange_token, tradingsymbol, name, tick_size, lot_size, instrument_type, segment, exchange,
                                is_active, first_seen_version, last_seen_version)
       VALUES ($1, 1, 'RESOLVETEST26JANFUT', 'RESOLVETEST', 0.05, 1, 'FUT', 'NCO', 'NCO', false, $2, $2)`,
      [token, version],
    );
    try {
      const { resolved, unknown } = await resolveInstruments(live(), [token, 'NCO:RESOLVETEST26JANFUT']);
      expect(resolved.size).toBe(0);
      expect(unknown).toEqual([String(token), 'NCO:RESOLVETEST26JANFUT']);
    } finally {
      await live().query('DELETE FROM instruments WHERE instrument_token = $1', [token]);
    }
  });

  it('answers a mixed list in the order given, known and unknown apart', async () => {
    const [infy, nifty, option] = await samples();
    if (!infy || !nifty || !option) throw new Error('samples');
    const refs = [`NSE:${infy.tradingsymbol}`, 999_999_999, nifty.instrument_token, 'BSE:NO-SUCH', option.instrument_token, nifty.instrument_token];
    const { resolved, unknown } = await resolveInstruments(live(), refs);
    expect([...resolved.keys()]).toEqual([`NSE:${infy.tradingsymbol}`, String(nifty.instrument_token), String(option.instrument_token)]);
    expect([...resolved.values()].map((r) => r.instrument_token)).toEqual([infy.instrument_token, nifty.instrument_token, option.instrument_token]);
    expect(unknown).toEqual(['999999999', 'BSE:NO-SUCH']);
  });

  it('answers a repeated list from its cache, equal and without asking Postgres', async () => {
    const refs = [...(await samples()).map((r) => r.instrument_token), 'NSE:INFY', 'NSE:NO-SUCH-CACHED'];
    const first = await resolveInstruments(live(), refs);
    // The same refs through a database that cannot answer: only the cache can.
    const again = await resolveInstruments(unreachable(), refs);
    expect(again).toEqual(first);
  });

  it('lets the database failure through for what it has not cached', async () => {
    await expect(resolveInstruments(unreachable(), ['NSE:NEVER-ASKED-BEFORE'])).rejects.toBeInstanceOf(DatabaseUnavailable);
    // Nothing of the failure was cached: a working database answers it.
    expect((await resolveInstruments(live(), ['NSE:NEVER-ASKED-BEFORE'])).unknown).toEqual(['NSE:NEVER-ASKED-BEFORE']);
  });

  it('looks every ref up through an index, for a list as long as a subscribe may be', async () => {
    const { rows } = await live().query<{ t: string; exchange: string; tradingsymbol: string }>(
      'SELECT instrument_token::text AS t, exchange, tradingsymbol FROM instruments WHERE is_active ORDER BY md5(tradingsymbol) LIMIT 1000',
    );
    const { rows: plan } = await live().query<{ 'QUERY PLAN': string }>(`EXPLAIN ${RESOLVE_SQL}`, [
      rows.map((r) => r.t),
      rows.map((r) => r.exchange),
      rows.map((r) => r.tradingsymbol),
    ]);
    const text = plan.map((line) => line['QUERY PLAN']).join('\n');
    expect(text).toContain('Index Scan using instruments_pkey on instruments');
    expect(text).toContain('Index Scan using instruments_symbol on instruments');
    expect(text).not.toMatch(/Seq Scan on instruments/);
  });
});
