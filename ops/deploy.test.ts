import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS_TABLE } from '../contracts/database.ts';
import { fileStamps } from '../test/file-stamps.ts';
import { dropDatabase } from '../test/setup/migrated-database.ts';
import { WEB_DIST } from '../web/build.ts';

/**
 * `npm run deploy`, run as an operator runs it. The dry runs bundle each
 * environment of wrangler.toml as `wrangler deploy` would (CI's deploy check);
 * a real deploy is run without Cloudflare credentials, so wrangler stops
 * before uploading, after the migrations it must follow.
 */
const CLI = fileURLToPath(new URL('./deploy.ts', import.meta.url));
const DATABASE = 'deploy_test';
let url: string;
/** wrangler's home: empty, so no `wrangler login` of this machine's user can make the real deploy below reach an account. */
let home: string;

function deploy(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; out: string; err: string }> {
  // Only what the deploy needs: no Cloudflare credentials this machine may hold, nothing that reaches out.
  const base = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'deploy-test-home-'));
  await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${DATABASE}`);
  const target = new URL(inject('databaseUrl'));
  target.pathname = `/${DATABASE}`;
  url = target.toString();
});

afterAll(async () => {
  await dropDatabase(inject('databaseUrl'), DATABASE);
  rmSync(home, { recursive: true, force: true });
});

describe.concurrent('npm run deploy', () => {
  it('--dry-run bundles the staging and the production worker without migrating or uploading', async () => {
    const environments = ['staging', 'production'];
    const runs = await Promise.all(environments.map(async (env) => ({ env, ...(await deploy(['--env', env, '--dry-run'])) })));
    for (const { env, code, out, err } of runs) {
      expect(code, `${env}: ${out}\n${err}`).toBe(0);
      // wrangler lists the environment's bindings: its objects and its Analytics Engine dataset.
      expect(out).toContain('env.SESSION_HUB (SessionHub)');
      expect(out).toContain('env.METRICS');
      const outdir = out.match(/the worker bundles \((.+?)\)/)?.[1] ?? '';
      expect(outdir).not.toBe('');
      expect(statSync(join(outdir, 'index.js')).size).toBeGreaterThan(100_000);
      rmSync(outdir, { recursive: true, force: true });
      expect(out).not.toContain('migrations applied');
    }
    // Two bundles at once take 10 to 15 s on a busy 2-core machine.
  }, 90_000);

  it('refuses an unknown or missing environment and unknown options, with the usage', async () => {
    expect(await deploy(['--env', 'prod'])).toMatchObject({ code: 1, err: expect.stringContaining('unknown environment "prod": one of staging, production') });
    expect(await deploy([])).toMatchObject({ code: 1, err: expect.stringContaining('--env is required') });
    expect(await deploy(['--env', 'staging', '--force'])).toMatchObject({
      code: 1,
      err: expect.stringContaining('usage: npm run deploy -- --env <staging|production>'),
    });
  });

  it("refuses without Neon's direct connection string, before anything runs", async () => {
    const missing = await deploy(['--env', 'production']);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining("DATABASE_URL: must be set to Neon's direct connection string") });
    expect(missing.out).not.toContain('wrangler');
    const pooled = await deploy(['--env', 'production'], {
      DATABASE_URL: 'postgres://u:p@ep-cool-name-123-pooler.eu-central-1.aws.neon.tech/kite?sslmode=require',
    });
    expect(pooled).toMatchObject({ code: 1, err: expect.stringContaining('not the pooled one') });
  });

  it('applies the migrations first, then runs wrangler deploy for the environment with the web app it built', async () => {
    const served = fileStamps(WEB_DIST);
    const run = await deploy(['--env', 'staging'], { DATABASE_URL: url });
    expect(run.out).toContain(`migrations applied: ${inject('migrations').join(', ')}`);
    const built = /web app built: first-load JavaScript .* gzipped \((.+)\)/.exec(run.out)?.[1] as string;
    expect(readdirSync(built)).toContain('index.html');
    expect(run.out).toContain(`> wrangler deploy --env staging --assets ${built}`);
    rmSync(built, { recursive: true, force: true });
    // web/dist, which a running `npm run dev` serves (and would reload on), is left as it was.
    expect(fileStamps(WEB_DIST)).toEqual(served);
    // No Cloudflare credentials here: wrangler refuses, after the migrations, and the deploy fails with its code.
    expect(run.code).not.toBe(0);
    expect(run.err).toContain('CLOUDFLARE_API_TOKEN');
    expect(run.err).toContain('wrangler deploy --env staging failed');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = await client.query(`SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`).finally(() => client.end());
    expect(rows.rows[0].n).toBe(inject('migrations').length);
  });
});
