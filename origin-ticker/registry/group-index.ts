import pg from 'pg';
import { type GroupKey, type GroupedInstrument, instrumentGroup } from '../../contracts/instrument-group.ts';

/**
 * Which group each active instrument belongs to, read from the registry:
 * the origin splits every Kite frame by group with it and checks demand
 * against it. About 100,000 entries whose group keys are shared strings
 * (a few MB); reloaded after each sync. Tokens by `EXCHANGE:TRADINGSYMBOL`
 * are kept only for the symbols the caller names (the pinned set): a map of
 * every symbol would cost more than the rest of the origin's heap.
 */
export type GroupIndex = {
  groupOf(token: number): GroupKey | undefined;
  /** The token of one of the symbols given to loadGroupIndex. */
  tokenOf(exchangeSymbol: string): number | undefined;
  size: number;
  version: number;
};

export async function loadGroupIndex(databaseUrl: string, symbols: readonly string[] = []): Promise<GroupIndex> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // The registry's CHECK constraints hold these columns to Kite's values.
    const { rows } = await client.query<{ t: number; exchange: GroupedInstrument['exchange']; segment: GroupedInstrument['segment']; instrument_type: GroupedInstrument['instrument_type']; name: string }>(
      `SELECT instrument_token::float8 AS t, exchange, segment, instrument_type, name FROM instruments WHERE is_active`,
    );
    const named = await client.query<{ t: number; key: string }>(
      `SELECT instrument_token::float8 AS t, exchange || ':' || tradingsymbol AS key FROM instruments WHERE is_active AND exchange || ':' || tradingsymbol = ANY($1::text[])`,
      [symbols],
    );
    const version = Number((await client.query<{ v: string }>('SELECT COALESCE(max(id), 0) AS v FROM dataset_versions')).rows[0]?.v ?? 0);
    const groups = new Map<number, GroupKey>();
    const keys = new Map<GroupKey, GroupKey>(); // one string per group, shared by its instruments
    for (const row of rows) {
      const key = instrumentGroup({ instrument_token: row.t, exchange: row.exchange, segment: row.segment, instrument_type: row.instrument_type, name: row.name });
      groups.set(row.t, keys.get(key) ?? (keys.set(key, key), key));
    }
    const bySymbol = new Map(named.rows.map((row) => [row.key, row.t]));
    return { groupOf: (token) => groups.get(token), tokenOf: (s) => bySymbol.get(s), size: groups.size, version };
  } finally {
    await client.end();
  }
}
