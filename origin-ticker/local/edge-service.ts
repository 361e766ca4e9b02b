import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnService } from './child-service.ts';
import type { Service } from './service.ts';

export type EdgeServiceOptions = {
  port: number;
  /** Worker variables, passed as `--var NAME:value`. */
  vars: Record<string, string>;
  /** Where wrangler keeps local Durable Object and cache state. */
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
  const vars = Object.entries(options.vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
  const service = spawnService(
    'edge',
    process.execPath,
    [wrangler, 'dev', '--ip', '127.0.0.1', '--port', String(options.port), '--persist-to', options.stateDir, '--show-interactive-dev-session=false', ...vars],
    { env: { ...process.env, ...OFFLINE_WRANGLER_ENV, FORCE_COLOR: '0' }, onLine: options.onLine, stopGraceMs: 5000 },
  );
  return { ...service, url: `http://127.0.0.1:${options.port}` };
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
