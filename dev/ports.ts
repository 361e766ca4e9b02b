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

/** A port the OS says is free right now (for tests that start their own servers). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
