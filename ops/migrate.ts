import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { MIGRATIONS_TABLE } from '../contracts/database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * Applies every pending migration under migrations/ in one transaction, under
 * node-pg-migrate's advisory lock so two starts never migrate at once.
 * Returns the names it applied (empty when the schema was current).
 */
export async function applyMigrations(databaseUrl: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'up',
    singleTransaction: true,
    checkOrder: true,
    log: () => {},
    logger: { debug: () => {}, info: () => {}, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}
