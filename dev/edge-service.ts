import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnService } from './child-service.ts';
import type { Service } from './service.ts';

export type EdgeServiceOptions = {
  port: number;
  /** workerd's DevTools inspector, on 127.0.0.1. */
  inspectorPort: number;
  /** Worker variables, passed as `--var NAME:value` (beside those taken from the environment: edgeVars()). */
  vars: Record<string, string>;
  /** Where wrangler keeps local Durable Object and cache state, and the worker its AUTH_JWT_SECRET. */
  stateDir: string;
  onLine?: (line: string) => void;
};

/** The environment that keeps wrangler offline: no telemetry, no request.cf lookup. */
export const OFFLINE_WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
} as const;

/** Runs `wrangler dev` (the worker and its Durable Objects in workerd). */
export function startEdgeService(options: EdgeServiceOptions): Service & { url: string } {
  const wrangler = join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js');
  const vars = Object.entries(edgeVars(options, process.env)).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
  const service = spawnService(
    'edge',
    process.execPath,
    [
      wrangler,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--inspector-port',
      String(options.inspectorPort),
      '--persist-to',
      options.stateDir,
      '--show-interactive-dev-session=false',
      ...vars,
    ],
    { env: { ...process.env, ...OFFLINE_WRANGLER_ENV, FORCE_COLOR: '0' }, onLine: options.onLine, stopGraceMs: 5000 },
  );
  return { ...service, url: `http://127.0.0.1:${options.port}` };
}

/**
 * The worker's variables for a local run: the ones `npm run dev` computed,
 * the worker's auth and limit settings from the environment as they are
 * (AUTH_*, RATE_LIMIT_*, LOGIN_*, WS_*, HUB_*, ALERT_*, ALERTS_*: the worker validates them, and a bad
 * one fails /health naming it), and an AUTH_JWT_SECRET and an ALERT_SECRET_KEY made once and kept
 * with the worker's state, so sessions and webhook secrets survive a restart of the platform.
 * Webhooks may go to loopback and private addresses unless ALERT_WEBHOOKS_ALLOW_PRIVATE
 * says otherwise: a local receiver listens on 127.0.0.1.
 */
export function edgeVars(options: Pick<EdgeServiceOptions, 'vars' | 'stateDir'>, env: NodeJS.ProcessEnv): Record<string, string> {
  const fromEnv = Object.entries(env).filter((entry): entry is [string, string] => PASSED_THROUGH.test(entry[0]) && Boolean(entry[1]));
  const vars: Record<string, string> = { ...Object.fromEntries(fromEnv), ...options.vars };
  vars.AUTH_JWT_SECRET ??= keptSecret(join(options.stateDir, 'auth-jwt-secret'));
  vars.ALERT_SECRET_KEY ??= keptSecret(join(options.stateDir, 'alert-secret-key'));
  vars.ALERT_WEBHOOKS_ALLOW_PRIVATE ??= 'true';
  return vars;
}

const PASSED_THROUGH = /^(AUTH|RATE_LIMIT|LOGIN|WS|HUB|ALERTS?)_[A-Z_]+$/;

function keptSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Polls `GET /health` until it answers 200, the service crashes, or `ms` pass. */
export async function waitForHealth(url: string, crashed: Promise<string>, ms: number): Promise<unknown> {
  let dead: string | undefined;
  void crashed.then((reason) => (dead = reason));
  const until = Date.now() + ms;
  let last = 'no answer yet';
  while (Date.now() < until) {
    if (dead) throw new Error(dead);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
      const body: unknown = await response.json();
      if (response.ok) return body;
      last = `HTTP ${response.status}: ${JSON.stringify(body)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url}/health did not answer 200 within ${ms / 1000} s (last: ${last})`);
}
