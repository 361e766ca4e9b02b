import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../contracts/config-error.ts';
import { applyMigrations, revertMigrations } from './migrate.ts';

/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL (Neon in production).
 * `npm run migrate -- down [--count N]`: reverts the newest N applied migrations (1 unless given),
 * running their `-- Down Migration` sections (docs/rollback.md).
 */
const Env = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be set to a postgres:// URL (the database to migrate)' }),
});
const USAGE = 'usage: npm run migrate [-- up] | npm run migrate -- down [--count N]';

class UsageError extends Error {}

function parseCommand(argv: string[]): { direction: 'up' } | { direction: 'down'; count: number } {
  let parsed: ReturnType<typeof parseArgs<{ options: { count: { type: 'string' } }; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: { count: { type: 'string' } }, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const [command = 'up', ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${USAGE}`);
  if (command !== 'up' && command !== 'down') throw new UsageError(`unknown command "${command}": up or down\n${USAGE}`);
  if (command === 'up') {
    if (parsed.values.count !== undefined) throw new UsageError(`--count goes with down only: up applies every pending migration\n${USAGE}`);
    return { direction: 'up' };
  }
  const count = Number(parsed.values.count ?? '1');
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--count must be a whole number of migrations, at least 1 (got "${parsed.values.count}")\n${USAGE}`);
  return { direction: 'down', count };
}

try {
  const command = parseCommand(process.argv.slice(2));
  const { DATABASE_URL } = parseEnv(Env, process.env);
  const log = (line: string) => console.error(line);
  if (command.direction === 'up') {
    const applied = await applyMigrations(DATABASE_URL, log);
    console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'schema is up to date');
  } else {
    const reverted = await revertMigrations(DATABASE_URL, command.count, log);
    console.log(reverted.length ? `reverted ${reverted.length} migration(s): ${reverted.join(', ')}` : 'no migration is applied: nothing to revert');
  }
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof UsageError ? error.message : `migration failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
