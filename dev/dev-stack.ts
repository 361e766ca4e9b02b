import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';

/**
 * The whole local platform (`npm run dev`) for an end-to-end test or a
 * benchmark: a temporary state directory, free ports for every part,
 * resolved once it says it is up; `output()` is what it printed (for a
 * failing test's message), `stop()` ends it and removes the directory.
 */
const DEV = fileURLToPath(new URL('./dev.ts', import.meta.url));
/** How much of the platform's output is kept for output(). */
const OUTPUT_KEPT = 64 * 1024;

/** The port of every part of the platform, as `npm run dev` reads them from its environment. */
export type StackPorts = Record<
  'EDGE_PORT' | 'EDGE_INSPECTOR_PORT' | 'ORIGIN_PORT' | 'PG_PORT' | 'NEON_RELAY_PORT' | 'REDIS_PORT' | 'REDIS_BRIDGE_PORT' | 'SIM_PORT',
  number
>;

/** A free port for every part, and the same as environment variables. */
export async function freeStackPorts(): Promise<{ ports: StackPorts; env: Record<string, string> }> {
  const ports: StackPorts = {
    EDGE_PORT: await freePort(),
    EDGE_INSPECTOR_PORT: await freePort(),
    ORIGIN_PORT: await freePort(),
    PG_PORT: await freePort(),
    NEON_RELAY_PORT: await freePort(),
    REDIS_PORT: await freePort(),
    REDIS_BRIDGE_PORT: await freePort(),
    SIM_PORT: await freePort(),
  };
  return { ports, env: Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
}

export type DevStack = {
  ports: StackPorts;
  edgeUrl: string;
  originUrl: string;
  databaseUrl: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
};

export async function startDevStack(env: Record<string, string> = {}): Promise<DevStack> {
  const dir = mkdtempSync(join(tmpdir(), 'dev-stack-'));
  chmodSync(dir, 0o755); // embedded Postgres runs as the postgres user when root
  const { ports, env: portEnv } = await freeStackPorts();
  const dev = spawn(process.execPath, [DEV], {
    env: { ...process.env, ...env, LOCAL_STATE_DIR: join(dir, 'state'), ...portEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  dev.stdout?.on('data', keep);
  dev.stderr?.on('data', keep);
  const stop = async () => {
    if (dev.exitCode === null) {
      dev.kill('SIGTERM');
      await new Promise((r) => dev.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForLine(dev, 'platform is up', 180_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ports,
    edgeUrl: `http://127.0.0.1:${ports.EDGE_PORT}`,
    originUrl: `http://127.0.0.1:${ports.ORIGIN_PORT}`,
    databaseUrl: `postgres://postgres:postgres@127.0.0.1:${ports.PG_PORT}/kite_edge`,
    pid: dev.pid ?? 0,
    output: () => output,
    stop,
  };
}

function waitForLine(child: ChildProcess, text: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${ms / 1000} s:\n${out.slice(-2000)}`)), ms);
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm run dev exited with ${code}:\n${out.slice(-2000)}`)));
  });
}
