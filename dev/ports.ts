import { createServer } from 'node:net';

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
 * took a CI run's soak down). Never the same port twice in one process, so
 * two parts of one stack cannot be given the same number.
 */
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

/** A free port, outside the ephemeral range, not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port) || !(await portIsFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH} after 200 tries`);
}
