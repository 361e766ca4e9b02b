/**
 * A value an InstrumentGroup keeps in its SQLite as a few numbered rows
 * (`chunk`, `data`): the latest packets' snapshot (group-store.ts), the
 * candles' state and outbox (candles/group-candles.ts). Each is rewritten
 * whole in a handful of statements, not a row per token, and cut in rows
 * because a value of a Durable Object's SQLite holds at most 2 MB.
 */
export function createChunkRows(sql: SqlStorage, table: string, data: 'BLOB' | 'TEXT'): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (chunk INTEGER PRIMARY KEY, data ${data} NOT NULL)`);
}

/** The value's rows, in order; the rows of a longer value written before are deleted. */
export function writeChunkRows(sql: SqlStorage, table: string, chunks: readonly (ArrayBuffer | string)[]): void {
  for (const [i, data] of chunks.entries()) sql.exec(`INSERT OR REPLACE INTO ${table} (chunk, data) VALUES (?, ?)`, i, data);
  sql.exec(`DELETE FROM ${table} WHERE chunk >= ?`, chunks.length);
}

export function readChunkRows<T extends ArrayBuffer | string>(sql: SqlStorage, table: string): T[] {
  return sql
    .exec<{ data: T }>(`SELECT data FROM ${table} ORDER BY chunk`)
    .toArray()
    .map((row) => row.data);
}
