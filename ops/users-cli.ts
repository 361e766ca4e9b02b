import pg from 'pg';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../contracts/config-error.ts';
import { zodMessage } from '../contracts/zod-problem.ts';

/**
 * `npm run users -- promote <email>` and `npm run users -- demote <email>`:
 * the one way to make an admin. Nobody can register as one, and no route
 * grants the role, so it takes access to the database (DATABASE_URL, Neon's
 * direct connection string in production). Sessions and API keys in use see
 * the new role within AUTH_CACHE_TTL_MS (docs/auth.md).
 */
const USAGE = 'usage: npm run users -- promote <email> | demote <email>';

const Env = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be set to a postgres:// URL (the database holding the users)' }),
});
const Args = z.object({
  command: z.enum(['promote', 'demote'], { error: `the command must be promote or demote; ${USAGE}` }),
  // As the edge stores addresses: trimmed and lower-cased.
  email: z
    .string({ error: `an e-mail address is needed; ${USAGE}` })
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'is not an e-mail address' })),
  extra: z.undefined({ error: `one e-mail address at a time; ${USAGE}` }),
});

try {
  const { DATABASE_URL } = parseEnv(Env, process.env);
  const [command, email, extra] = process.argv.slice(2);
  const args = Args.safeParse({ command, email, extra });
  if (!args.success) {
    console.error(zodMessage(args.error, USAGE));
    process.exit(2);
  }
  const role = args.data.command === 'promote' ? 'admin' : 'user';
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { command: done, email: address } = args.data;
    const {
      rows: [before],
    } = await client.query<{ role: string }>('SELECT role FROM users WHERE email = $1', [address]);
    if (!before) {
      console.error(`no user has the e-mail ${address} (they register first: POST /auth/register)`);
      process.exitCode = 1;
    } else if (before.role === role) {
      console.log(`${address} is already ${role === 'admin' ? 'an admin' : 'not an admin'}`);
    } else {
      await client.query('UPDATE users SET role = $2 WHERE email = $1', [address, role]);
      console.log(`${done}d ${address} to ${role}; sessions and API keys in use see it within AUTH_CACHE_TTL_MS (10 s by default)`);
    }
  } finally {
    await client.end();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `users: ${(error as Error).message}`);
  process.exitCode = 1;
}
