import { readFile } from 'node:fs/promises';
import pg from 'pg';
import type { SyncConfig } from '../config.ts';
import { downloadDump } from './download-dump.ts';
import { decodeDump, parseInstrumentDump } from './instrument-dump.ts';
import { type SyncReport, syncInstruments } from './sync.ts';

/**
 * One whole sync, with progress: fetch the dump (or read a file), parse and
 * validate every row, then load it. The same path serves `npm run sync`,
 * `npm run dev`, and (with its issue) the origin's daily schedule.
 */
export async function runSync(config: SyncConfig, options: { file?: string; log?: (line: string) => void } = {}): Promise<SyncReport> {
  const log = options.log ?? (() => {});
  const source = options.file ?? `${config.kite.root}/instruments`;
  log(options.file ? `reading the instrument dump from ${source}` : `downloading the instrument dump from ${source}`);
  const bytes = options.file ? await readFile(options.file) : await downloadDump(config.kite);
  const rows = parseInstrumentDump(decodeDump(bytes));
  log(`parsed ${rows.length} instruments (${(bytes.length / 1e6).toFixed(1)} MB); loading`);
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const report = await syncInstruments(client, rows, { source });
    log(
      `dataset version ${report.version}: ${report.rows} instruments, ${report.inserted} new, ${report.updated} changed, ` +
        `${report.reactivated} back, ${report.deactivated} retired, in ${report.durationMs} ms`,
    );
    return report;
  } finally {
    await client.end();
  }
}
