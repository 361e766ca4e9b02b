import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { HealthResponse } from '../contracts/health.ts';
import { freeStackPorts, type StackPorts } from '../dev/dev-stack.ts';
import { portIsFree } from '../dev/ports.ts';

/**
 * `npm run dev` as a developer uses it, for the tests of the command itself:
 * a real process started with the repository's own command, watched through
 * its output and its /health, stopped with signals, and its ports checked
 * afterwards. Everything a test starts is stopped after it (`cleanups`).
 */
export type Dev = { child: ChildProcess; output: () => string; exited: Promise<number | null>; ports: StackPorts };

export const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dev-platform-'));
  chmodSync(dir, 0o755); // embedded Postgres runs as the postgres user when we are root
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startDev(env: Record<string, string>): Promise<Dev> {
  const { ports, env: portEnv } = await freeStackPorts();
  const child = spawn(process.execPath, ['dev/dev.ts'], {
    env: { ...process.env, ...portEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  return { child, output: () => output, exited, ports };
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function health(dev: Dev): Promise<{ status: number; body: HealthResponse }> {
  const response = await fetch(`http://127.0.0.1:${dev.ports.EDGE_PORT}/health`);
  return { status: response.status, body: HealthResponse.parse(await response.json()) };
}

export async function assertAllPortsFree(dev: Dev, which: (keyof StackPorts)[]): Promise<void> {
  for (const name of which) expect({ [name]: await portIsFree(dev.ports[name]) }).toEqual({ [name]: true });
}
