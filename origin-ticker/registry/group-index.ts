import pg from 'pg';
import { type GroupedInstrument, type GroupKey, instrumentGroup } from '../../contracts/instrument-group.ts';
import { type TokenGroups, TokenGroupsBuilder } from './token-groups.ts';

/**
 * Which group each active instrument belongs to, read from the registry:
 * the origin splits every Kite frame by group with it and checks demand
 * against it. Reloaded after each sync. Tokens by `EXCHANGE:TRADINGSYMBOL`
 * are kept only for the symbols the caller names (the pinned set): a map of
 * every symbol would cost more than the rest of the origin's heap.
 *
 * The registry answers one row per distinct (exchange, segment, type,
 * name), its tokens in one string (~7,000 rows for ~100,000 instruments):
 * a row object per instrument was a 20 MB heap peak at each load, whose
 * pages V8 then keeps for the life of the process.
 */
export type GroupIndex = {
  groupOf(token: number): GroupKey | undefined;
  /** The token of one of the symbols given to loadGroupIndex. */
  tokenOf(exchangeSymbol: string): number | undefined;
  size: number;
  version: number;
};

type Row = Omit<GroupedInstrument, 'instrument_token'> & { tokens: string };

export async function loadGroupIndex(databaseUrl: string, symbols: readonly string[] = []): Promise<GroupIndex> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // The registry's CHECK constraints hold these columns to Kite's values.
    const { rows } = await client.query<Row>(
      `SELECT exchange, segment, instrument_type, name, string_agg(instrument_token::text, ',') AS tokens
         FROM instruments WHERE is_active GROUP BY exchange, segment, instrument_type, name`,
    );
    const named = await client.query<{ t: number; key: string }>(
      `SELECT instrument_token::float8 AS t, exchange || ':' || tradingsymbol AS key FROM instruments WHERE is_active AND exchange || ':' || tradingsymbol = ANY($1::text[])`,
      [symbols],
    );
    const version = Number((await client.query<{ v: string }>('SELECT COALESCE(max(id), 0) AS v FROM dataset_versions')).rows[0]?.v ?? 0);
    const index = tokenGroups(rows);
    const bySymbol = new Map(named.rows.map((row) => [row.key, row.t]));
    return { groupOf: (token) => index.groupOf(token), tokenOf: (s) => bySymbol.get(s), size: index.size, version };
  } finally {
    await client.end();
  }
}

/** Built apart from the closures loadGroupIndex returns, which would otherwise keep the builder (and its 1 MB of scratch) alive. */
function tokenGroups(rows: readonly Row[]): TokenGroups {
  const groups = new TokenGroupsBuilder();
  for (const { tokens, ...instrument } of rows) {
    forEachToken(tokens, (token) => groups.add(token, instrumentGroup({ ...instrument, instrument_token: token })));
  }
  return groups.build();
}

/** The numbers of a comma-separated list of decimal tokens, read in place (no string per token). */
function forEachToken(list: string, visit: (token: number) => void): void {
  let token = 0;
  for (let i = 0; i <= list.length; i++) {
    const code = i < list.length ? list.charCodeAt(i) : 44;
    if (code === 44) {
      visit(token);
      token = 0;
    } else if (code >= 48 && code <= 57) {
      token = token * 10 + (code - 48);
    } else {
      throw new Error(`the registry's token list has a ${JSON.stringify(list[i])}`);
    }
  }
}
