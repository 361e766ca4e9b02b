import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { MIGRATIONS_TABLE } from '../contracts/database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

function run(databaseUrl: string, direction: 'up' | 'down', count: number, log: (line: string) => void) {
  return runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction,
    count,
    singleTransaction: true,
    checkOrder: true,
    log: () => {},
    logger: { debug: () => {}, info: () => {}, warn: log, error: log },
  });
}

/**
 * Applies every pending migration under migrations/ in one transaction, under
 * node-pg-migrate's advisory lock so two starts never migrate at once.
 * Returns the names it applied (empty when the schema was current).
 */
export async function applyMigrations(databaseUrl: string, log: (line: string) => void = () => {}): Promise<string[]> {
  return (await run(databaseUrl, 'up', Number.POSITIVE_INFINITY, log)).map((m) => m.name);
}

/**
 * Runs the `-- Down Migration` sections of the newest `count` applied
 * migrations, newest first, in one transaction (all or none are reverted).
 * Returns the names it reverted (empty when none was applied).
 */
export async function revertMigrations(databaseUrl: string, count: number, log: (line: string) => void = () => {}): Promise<string[]> {
  return (await run(databaseUrl, 'down', count, log)).map((m) => m.name);
}
