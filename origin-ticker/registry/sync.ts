import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { KiteInstrument } from '../../contracts/kite-instrument.ts';
import { DumpError } from './instrument-dump.ts';

/**
 * Loads a parsed dump into the registry in one transaction: COPY into a
 * staging table, upsert, mark instruments missing from the dump inactive
 * (expired contracts stay, for history), and record a new dataset version.
 * Readers see the old registry or the new one, never half of a sync.
 */
export type SyncReport = {
  version: number;
  rows: number;
  inserted: number;
  updated: number;
  deactivated: number;
  reactivated: number;
  active: number;
  durationMs: number;
};

export type SyncOptions = {
  /** Where the dump came from, recorded with the version. */
  source: string;
  /**
   * Refuse a dump with fewer rows than this share of today's active
   * instruments: a cut-off dump would otherwise retire half the registry.
   */
  minShareOfActive?: number;
};

const COLUMNS = 'instrument_token, exchange_token, tradingsymbol, name, last_price, expiry, strike, tick_size, lot_size, instrument_type, segment, exchange';

export async function syncInstruments(client: pg.Client, rows: readonly KiteInstrument[], options: SyncOptions): Promise<SyncReport> {
  const started = Date.now();
  await client.query('BEGIN');
  try {
    // One sync at a time, whoever starts it (schedule, npm run sync, npm run dev).
    await client.query("SELECT pg_advisory_xact_lock(hashtext('instrument-registry-sync'))");
    const {
      rows: [current],
    } = await client.query<{ active: string }>('SELECT count(*) AS active FROM instruments WHERE is_active');
    const active = Number(current?.active ?? 0);
    const minShare = options.minShareOfActive ?? 0.5;
    if (rows.length < active * minShare) {
      throw new DumpError(
        `the dump lists ${rows.length} instruments, under ${Math.round(minShare * 100)} % of the ${active} active ones: refusing it as incomplete`,
      );
    }

    // The dump's columns with the registry's types (the bookkeeping columns are the sync's to fill).
    await client.query(`CREATE TEMP TABLE instrument_dump ON COMMIT DROP AS SELECT ${COLUMNS} FROM instruments WITH NO DATA`);
    await pipeline(Readable.from(csvLines(rows)), client.query(copyFrom(`COPY instrument_dump (${COLUMNS}) FROM STDIN (FORMAT csv)`)));

    const {
      rows: [version],
    } = await client.query<{ id: string }>('INSERT INTO dataset_versions (source, rows_in_dump) VALUES ($1, $2) RETURNING id', [options.source, rows.length]);
    const id = Number(version?.id);

    const {
      rows: [changes],
    } = await client.query<{ inserted: string; updated: string; reactivated: string }>(`
      SELECT count(*) FILTER (WHERE i.instrument_token IS NULL) AS inserted,
             count(*) FILTER (WHERE i.instrument_token IS NOT NULL AND NOT i.is_active) AS reactivated,
             count(*) FILTER (WHERE i.instrument_token IS NOT NULL AND
               (d.exchange_token, d.tradingsymbol, d.name, d.last_price, d.expiry, d.strike, d.tick_size, d.lot_size, d.instrument_type, d.segment, d.exchange)
               IS DISTINCT FROM
               (i.exchange_token, i.tradingsymbol, i.name, i.last_price, i.expiry, i.strike, i.tick_size, i.lot_size, i.instrument_type, i.segment, i.exchange)) AS updated
      FROM instrument_dump d LEFT JOIN instruments i USING (instrument_token)`);

    await client.query(
      `INSERT INTO instruments (${COLUMNS}, first_seen_version, last_seen_version)
       SELECT ${COLUMNS}, $1, $1 FROM instrument_dump
       ON CONFLICT (instrument_token) DO UPDATE SET
         exchange_token = EXCLUDED.exchange_token, tradingsymbol = EXCLUDED.tradingsymbol, name = EXCLUDED.name,
         last_price = EXCLUDED.last_price, expiry = EXCLUDED.expiry, strike = EXCLUDED.strike,
         tick_size = EXCLUDED.tick_size, lot_size = EXCLUDED.lot_size, instrument_type = EXCLUDED.instrument_type,
         segment = EXCLUDED.segment, exchange = EXCLUDED.exchange,
         is_active = true, last_seen_version = EXCLUDED.last_seen_version, last_seen_at = now()`,
      [id],
    );
    const deactivated = await client.query('UPDATE instruments SET is_active = false WHERE is_active AND last_seen_version <> $1', [id]);

    const report: SyncReport = {
      version: id,
      rows: rows.length,
      inserted: Number(changes?.inserted ?? 0),
      updated: Number(changes?.updated ?? 0),
      reactivated: Number(changes?.reactivated ?? 0),
      deactivated: deactivated.rowCount ?? 0,
      active: rows.length,
      durationMs: Date.now() - started,
    };
    await client.query(
      'UPDATE dataset_versions SET inserted = $2, updated = $3, deactivated = $4, reactivated = $5, duration_ms = $6, stats = registry_stats() WHERE id = $1',
      [id, report.inserted, report.updated, report.deactivated, report.reactivated, report.durationMs],
    );
    await client.query('COMMIT');
    // Every upsert left a dead row version behind. Vacuuming now (outside the
    // transaction, as VACUUM must be) reclaims them and marks pages
    // all-visible, so the API's counts stay index-only scans; the statistics
    // it refreshes keep the planner on the indexes after a bulk load.
    await client.query('VACUUM (ANALYZE) instruments');
    return report;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** The validated rows as CSV for COPY, a few thousand rows per chunk. */
function* csvLines(rows: readonly KiteInstrument[]): Generator<string> {
  const field = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  let chunk = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as KiteInstrument;
    // name is always quoted: an unquoted empty field is NULL to COPY, and an empty name is ''.
    chunk += `${r.instrument_token},${r.exchange_token},${field(r.tradingsymbol)},"${r.name.replace(/"/g, '""')}",${r.last_price},${r.expiry},${r.strike},${r.tick_size},${r.lot_size},${r.instrument_type},${field(r.segment)},${field(r.exchange)}\n`;
    if (i % 5000 === 4999) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
