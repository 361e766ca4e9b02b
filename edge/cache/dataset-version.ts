import type { EdgeConfig } from '../../contracts/worker-config.ts';
import { DatabaseUnavailable, openDatabase } from '../../storage/database.ts';
import { sharedGet, sharedSet } from './shared-cache.ts';

/**
 * The registry's dataset version, which every cache key carries: a sync
 * bumps it, so everything cached before is simply never looked up again.
 * Read from Postgres at most every CACHE_VERSION_TTL_MS per isolate. When Postgres
 * is down the last version known (here, or in Redis) still finds cached
 * answers, which are then marked stale.
 */
const VERSION_KEY = 'instruments:dataset-version';
const known = new Map<string, { version: number; at: number }>();

export type DatasetVersion = { version: number; stale: boolean };

export async function datasetVersion(config: EdgeConfig, waitUntil: (p: Promise<unknown>) => void): Promise<DatasetVersion> {
  const memo = known.get(config.database.url);
  if (memo && Date.now() - memo.at < config.cacheVersionTtlMs) return { version: memo.version, stale: false };
  try {
    const db = openDatabase(config.database, config.queryTimeoutMs);
    const { rows } = await db.query<{ id: number }>('SELECT COALESCE(max(id), 0)::float8 AS id FROM dataset_versions');
    const version = rows[0]?.id ?? 0;
    known.set(config.database.url, { version, at: Date.now() });
    if (memo?.version !== version) waitUntil(sharedSet(config, VERSION_KEY, String(version), 7 * 86_400));
    return { version, stale: false };
  } catch (error) {
    if (!(error instanceof DatabaseUnavailable)) throw error;
    const last = memo?.version ?? Number(await sharedGet(config, VERSION_KEY));
    if (!Number.isFinite(last) || last <= 0) throw error;
    return { version: last, stale: true };
  }
}
