import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../contracts/config-error.ts';
import { applyMigrations } from './migrate.ts';

/**
 * `npm run deploy -- --env <staging|production>`: applies the pending
 * database migrations to DATABASE_URL (Neon's direct connection string),
 * after building the web app (`npm run build:web`: web/dist, wrangler.toml
 * `[assets]`), then `wrangler deploy --env <env>` uploads both. Migrations
 * go before the worker and must suit the worker still running until the deploy lands
 * (docs/rollback.md). `--dry-run` migrates and builds nothing and has
 * wrangler bundle the worker into a temporary directory without uploading
 * it (what CI checks, after `npm test` built the web app).
 * `--secrets-file <path>` is handed to wrangler: the first deploy of an
 * environment needs its secrets with it (docs/deploy.md).
 */
const ENVIRONMENTS = ['staging', 'production'] as const;
const USAGE = `usage: npm run deploy -- --env <${ENVIRONMENTS.join('|')}> [--dry-run] [--secrets-file <path>]`;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRANGLER = join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js');

const Env = z.object({
  DATABASE_URL: z
    .url({
      protocol: /^postgres(ql)?$/,
      error: "must be set to Neon's direct connection string (postgres://…neon.tech/…): the migrations run against it before the worker deploys",
    })
    // Neon's pooled endpoint (PgBouncer, transaction mode) drops the session-level advisory lock the migrations hold.
    .refine(
      (url) => !URL.canParse(url) || !new URL(url).hostname.includes('-pooler.'),
      "must be Neon's direct connection string, not the pooled one (drop -pooler from the host)",
    ),
});

class UsageError extends Error {}

type Command = { env: (typeof ENVIRONMENTS)[number]; dryRun: boolean; secretsFile: string | undefined };

function parseCommand(argv: string[]): Command {
  let values: { env?: string; 'dry-run'?: boolean; 'secrets-file'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { env: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'secrets-file': { type: 'string' } },
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const env = ENVIRONMENTS.find((name) => name === values.env);
  if (!env)
    throw new UsageError(
      `${values.env === undefined ? '--env is required' : `unknown environment "${values.env}"`}: one of ${ENVIRONMENTS.join(', ')}\n${USAGE}`,
    );
  return { env, dryRun: values['dry-run'] === true, secretsFile: values['secrets-file'] };
}

function wrangler(args: string[]): Promise<number> {
  console.log(`> wrangler ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

try {
  const command = parseCommand(process.argv.slice(2));
  const secrets = command.secretsFile ? ['--secrets-file', command.secretsFile] : [];
  if (command.dryRun) {
    const outdir = mkdtempSync(join(tmpdir(), `kite-edge-${command.env}-`));
    const code = await wrangler(['deploy', '--dry-run', '--env', command.env, '--outdir', outdir, ...secrets]);
    if (code === 0) console.log(`dry run of ${command.env}: the worker bundles (${outdir}); nothing was migrated or uploaded`);
    process.exitCode = code;
  } else {
    const { DATABASE_URL } = parseEnv(Env, process.env);
    // Before the migrations: a web app that does not build stops the deploy while nothing has changed yet. It is built into
    // a directory of its own and uploaded from there, so the deploy ships exactly this build and leaves web/dist (which a
    // running `npm run dev` serves, and would reload on) alone.
    // Loaded here, not at the top: Vite takes half a second to load, which a dry run or a refused command never needs.
    const { buildWebApp, kb } = await import('../web/build.ts');
    const web = await buildWebApp(mkdtempSync(join(tmpdir(), `kite-edge-${command.env}-web-`)));
    console.log(`web app built: first-load JavaScript ${kb(web.firstLoadJsGzipBytes)} gzipped (${web.dist})`);
    const applied = await applyMigrations(DATABASE_URL, (line) => console.error(line));
    console.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'migrations: the schema is up to date');
    const code = await wrangler(['deploy', '--env', command.env, '--assets', web.dist, ...secrets]);
    if (code !== 0) console.error(`wrangler deploy --env ${command.env} failed (exit ${code}); the migrations above stay applied (docs/rollback.md)`);
    process.exitCode = code;
  }
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof UsageError ? error.message : `deploy failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
