import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { instrumentGroup } from '../../contracts/instrument-group.ts';
import { instrumentsCsv } from '../../kite-sim/instruments-csv.ts';
import { buildUniverse } from '../../kite-sim/universe.ts';
import { migratedDatabase } from '../../test/setup/migrated-database.ts';
import { loadGroupIndex } from './group-index.ts';
import { parseInstrumentDump } from './instrument-dump.ts';
import { syncInstruments } from './sync.ts';

/** The origin's index over a whole simulated registry: every active instrument in the group the shared contract gives it. */
const DATABASE = 'registry_group_index_test';
let databaseUrl: string;
const rows = parseInstrumentDump(instrumentsCsv(buildUniverse({ seed: 5, today: new Date() }).instruments));

beforeAll(async () => {
  databaseUrl = await migratedDatabase(inject('databaseUrl'), DATABASE);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await syncInstruments(client, rows, { source: 'test' });
  } finally {
    await client.end();
  }
});

describe('loadGroupIndex', () => {
  it('puts every active instrument in its contract group, and names only the symbols asked for', async () => {
    const nifty = rows.find((r) => r.exchange === 'NSE' && r.tradingsymbol === 'NIFTY 50');
    const index = await loadGroupIndex(databaseUrl, ['NSE:NIFTY 50', 'NSE:NO SUCH THING']);
    expect(index.size).toBe(rows.length);
    expect(index.version).toBe(1);
    for (const row of rows) expect(index.groupOf(row.instrument_token)).toBe(instrumentGroup(row));
    expect(index.groupOf(Math.max(...rows.map((r) => r.instrument_token)) + 1)).toBeUndefined();
    expect(index.tokenOf('NSE:NIFTY 50')).toBe(nifty?.instrument_token);
    expect(index.tokenOf('NSE:NO SUCH THING')).toBeUndefined();
    expect(index.tokenOf('NSE:RELIANCE')).toBeUndefined();
  });

  it('leaves out retired instruments', async () => {
    const retired = rows.filter((r) => r.instrument_type === 'CE').slice(0, 10);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query('UPDATE instruments SET is_active = false WHERE instrument_token = ANY($1::bigint[])', [retired.map((r) => r.instrument_token)]);
    } finally {
      await client.end();
    }
    const index = await loadGroupIndex(databaseUrl);
    expect(index.size).toBe(rows.length - retired.length);
    for (const row of retired) expect(index.groupOf(row.instrument_token)).toBeUndefined();
  });
});
