import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { freeStackPorts } from '../dev/dev-stack.ts';

/**
 * `npm run dev` as a developer uses it, for the tests of the command itself:
 * a real process started with the repository's own command, watched through
 * its output and its exit code. Everything a test starts is stopped after
 * it (`cleanups`).
 */
export type Dev = { output: () => string; exited: Promise<number | null> };

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
  const { env: portEnv } = await freeStackPorts();
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
  return { output: () => output, exited };
}
