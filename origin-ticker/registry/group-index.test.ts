import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type GroupedInstrument, instrumentGroup } from '../../contracts/instrument-group.ts';
import { registryDatabase } from '../../test/setup/migrated-database.ts';
import { loadGroupIndex } from './group-index.ts';

/** The origin's index over a whole simulated registry: every active instrument in the group the shared contract gives it. */
let databaseUrl: string;
let rows: (GroupedInstrument & { tradingsymbol: string })[];

beforeAll(async () => {
  databaseUrl = await registryDatabase(inject('databaseUrl'), 'registry_group_index_test');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    ({ rows } = await client.query(
      'SELECT instrument_token::float8 AS instrument_token, exchange, tradingsymbol, segment, name, instrument_type FROM instruments WHERE is_active',
    ));
  } finally {
    await client.end();
  }
  expect(rows.length).toBeGreaterThan(90_000);
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
