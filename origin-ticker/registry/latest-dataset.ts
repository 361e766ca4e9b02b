import pg from 'pg';

/** The registry's newest dataset version and when it was synced; null before the first sync. */
export async function latestDataset(databaseUrl: string): Promise<{ version: number; syncedAt: number } | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; synced_at: Date }>('SELECT id, synced_at FROM dataset_versions ORDER BY id DESC LIMIT 1');
    const row = rows[0];
    return row ? { version: Number(row.id), syncedAt: row.synced_at.getTime() } : null;
  } finally {
    await client.end();
  }
}
