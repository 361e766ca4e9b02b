import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PartStatus } from './controlled-part.ts';
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
  | 'EDGE_PORT'
  | 'EDGE_INSPECTOR_PORT'
  | 'ORIGIN_PORT'
  | 'ORIGIN_STANDBY_PORT'
  | 'PG_PORT'
  | 'NEON_RELAY_PORT'
  | 'REDIS_PORT'
  | 'REDIS_BRIDGE_PORT'
  | 'SIM_PORT'
  | 'DEV_CONTROL_PORT',
  number
>;

/** A free port for every part, and the same as environment variables. */
export async function freeStackPorts(): Promise<{ ports: StackPorts; env: Record<string, string> }> {
  const ports: StackPorts = {
    EDGE_PORT: await freePort(),
    EDGE_INSPECTOR_PORT: await freePort(),
    ORIGIN_PORT: await freePort(),
    ORIGIN_STANDBY_PORT: await freePort(),
    PG_PORT: await freePort(),
    NEON_RELAY_PORT: await freePort(),
    REDIS_PORT: await freePort(),
    REDIS_BRIDGE_PORT: await freePort(),
    SIM_PORT: await freePort(),
    DEV_CONTROL_PORT: await freePort(),
  };
  return { ports, env: Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
}

/** What a running stack offers a test or a bench; `output()` is the tail of what it printed. */
/**
 * The last line of the summary `npm run dev` prints once it is up: a reader
 * that waits for it has the whole summary (the lines arrive one by one, and
 * waiting for the first, "platform is up", raced the rest).
 */
export const PLATFORM_UP_LAST_LINE = 'Ctrl-C stops everything.';

export type StackAddresses = {
  ports: StackPorts;
  edgeUrl: string;
  /** The origin started first, active once the platform is up. */
  originUrl: string;
  /** The standby origin (none with ORIGIN_STANDBY=0: nothing listens there). */
  standbyOriginUrl: string;
  /** The part control (dev/control-server.ts): stop, start, kill, pause, resume Postgres, Redis, each origin. */
  controlUrl: string;
  databaseUrl: string;
  pid: number;
  /** Where the platform's output goes as it runs, for readers in other processes. */
  logFile: string;
};

export type DevStack = StackAddresses & {
  output(): string;
  /** Resolves once the platform says it is up; rejects if it exits or says nothing within the limit. */
  up: Promise<void>;
  /** Resolves with the platform's exit code when it exits, by itself or stopped. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
};

/** Starts the platform and returns at once; `up` tells when it can be used. */
export async function launchDevStack(env: Record<string, string> = {}): Promise<DevStack> {
  const dir = mkdtempSync(join(tmpdir(), 'dev-stack-'));
  chmodSync(dir, 0o755); // embedded Postgres runs as the postgres user when root
  const { ports, env: portEnv } = await freeStackPorts();
  const logFile = join(dir, 'platform.log');
  const log = createWriteStream(logFile);
  const dev = spawn(process.execPath, [DEV], {
    env: { ...process.env, ...env, LOCAL_STATE_DIR: join(dir, 'state'), ...portEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
    log.write(chunk);
  };
  dev.stdout?.on('data', keep);
  dev.stderr?.on('data', keep);
  const stop = async () => {
    if (dev.exitCode === null && dev.signalCode === null) {
      dev.kill('SIGTERM');
      await new Promise((r) => dev.once('exit', r));
    }
    await new Promise((r) => log.end(r));
    rmSync(dir, { recursive: true, force: true });
  };
  // 'close', not 'exit': by then everything it printed has been read.
  const exited = new Promise<number | null>((resolve) => dev.once('close', (code) => resolve(code)));
  const up = waitForLine(dev, PLATFORM_UP_LAST_LINE, 180_000);
  // A caller that stops before asking whether it came up has no use for the failure.
  up.catch(() => {});
  return {
    ports,
    edgeUrl: `http://127.0.0.1:${ports.EDGE_PORT}`,
    originUrl: `http://127.0.0.1:${ports.ORIGIN_PORT}`,
    standbyOriginUrl: `http://127.0.0.1:${ports.ORIGIN_STANDBY_PORT}`,
    controlUrl: `http://127.0.0.1:${ports.DEV_CONTROL_PORT}`,
    // The platform's own embedded Postgres, unless it runs on one of the caller's.
    databaseUrl: env.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${ports.PG_PORT}/kite_edge`,
    pid: dev.pid ?? 0,
    logFile,
    output: () => output,
    up,
    exited,
    stop,
  };
}

/** Starts the platform and resolves once it is up (stopping it if it does not come up). */
export async function startDevStack(env: Record<string, string> = {}): Promise<DevStack> {
  const stack = await launchDevStack(env);
  try {
    await stack.up;
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/** The origin that holds the lease, as its part on the control port, its URL and its pid. */
export type ActiveOrigin = { part: 'origin' | 'origin-standby'; url: string; pid: number };

/**
 * The origin that says it is active now, or undefined while none does.
 * `npm run dev` runs two, and which one is active changes with each
 * failover (the one started again after a death may take the lease back):
 * a fault meant for the active one finds it by its role, never by the
 * order of the processes (the lower pid is the standby after a failover).
 */
export async function activeOrigin(stack: Pick<StackAddresses, 'originUrl' | 'standbyOriginUrl' | 'controlUrl'>): Promise<ActiveOrigin | undefined> {
  const origins = [
    { part: 'origin', url: stack.originUrl },
    { part: 'origin-standby', url: stack.standbyOriginUrl },
  ] as const;
  for (const { part, url } of origins) {
    const health = (await fetch(`${url}/health`)
      .then((response) => response.json())
      .catch(() => undefined)) as { role?: string } | undefined;
    if (health?.role !== 'active') continue;
    const { parts } = (await (await fetch(`${stack.controlUrl}/parts`)).json()) as { parts: PartStatus[] };
    const pid = parts.find((p) => p.name === part && p.state === 'running')?.pid;
    return pid == null ? undefined : { part, url, pid };
  }
  return undefined;
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
