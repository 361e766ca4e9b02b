import { z } from 'zod';
import { ConfigError, parseEnv } from '../contracts/config-error.ts';
import { applyMigrations } from './migrate.ts';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (Neon in production). */
const Env = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be set to a postgres:// URL (the database to migrate)' }),
});

try {
  const { DATABASE_URL } = parseEnv(Env, process.env);
  const applied = await applyMigrations(DATABASE_URL, (line) => console.error(line));
  console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'schema is up to date');
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `migration failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
