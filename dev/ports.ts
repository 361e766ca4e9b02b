import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processIsAlive } from './process-alive.ts';

/** Resolves true when nothing listens on 127.0.0.1:port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * Checks every port the platform is about to bind, up front, and names each
 * one that is taken with the variable that moves it. A port clash once took
 * the old alert service down silently; ours refuses to start and says why.
 */
export async function assertPortsFree(ports: { port: number; variable: string; what: string }[]): Promise<void> {
  const taken = [];
  for (const entry of ports) if (!(await portIsFree(entry.port))) taken.push(entry);
  if (taken.length === 0) return;
  throw new Error(
    `ports already in use:\n${taken
      .map((t) => `  ${t.port} (${t.what}): stop whatever listens there (ss -ltnp 'sport = :${t.port}') or set ${t.variable}`)
      .join('\n')}`,
  );
}

/**
 * Ports for tests' and benches' own servers are drawn below the kernel's
 * ephemeral range (32768-60999 here): a port the OS hands out for `listen(0)`
 * may be taken a moment later as the local end of an outgoing connection, and
 * a redis-server started on it then exits with "Address already in use" (it
 * took a CI run's soak down).
 *
 * A port is also reserved, for as long as the process that drew it lives, by
 * a file in the temporary directory: a part that is stopped on purpose (the
 * fault matrix stops the shared platform's Postgres) leaves its port free for
 * a while, and another test process drawing ports at that moment took it, so
 * the part could not start again and the whole platform stopped. A process
 * removes its claims when it exits; a killed one's are taken over.
 */
const LOW = 20_000;
const HIGH = 32_000;
const RESERVATIONS = join(tmpdir(), 'kite-edge-ports');

/** The ports this process has claimed, whose files it removes when it exits. */
const claimed = new Set<number>();

/** A free port, outside the ephemeral range, reserved for this process's life. */
export async function freePort(): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true });
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (!reserve(port)) continue;
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH} after 200 tries`);
}

/** Claims the port for this process, unless a live process holds it (a dead one's claim is taken over). */
function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(file, 'utf8'));
    if (holder === process.pid || processIsAlive(holder)) return false;
    writeFileSync(file, String(process.pid));
  }
  if (claimed.size === 0) process.once('exit', releaseClaims);
  claimed.add(port);
  return true;
}

/** Removes this process's claims (exit handlers run synchronously), leaving any a later process took over. */
function releaseClaims(): void {
  for (const port of claimed) {
    const file = join(RESERVATIONS, String(port));
    try {
      if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file);
    } catch {
      // Already gone: nothing to release.
    }
  }
  claimed.clear();
}
