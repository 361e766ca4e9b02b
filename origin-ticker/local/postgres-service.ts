import { fileURLToPath } from 'node:url';
import { spawnService } from './child-service.ts';
import type { Service } from './service.ts';

const MAIN = fileURLToPath(new URL('./embedded-postgres-main.ts', import.meta.url));

export type PostgresServiceOptions = {
  dir: string;
  port: number;
  database: string;
  /** Postgres's own log lines. */
  onLine?: (line: string) => void;
  startTimeoutMs?: number;
};

/**
 * Runs the embedded Postgres in a child process of its own. The library
 * behind it hooks SIGINT/SIGTERM and exits the process; kept in a child, that
 * hook shuts down exactly one Postgres and cannot cut our own shutdown short.
 */
export async function startPostgresService(options: PostgresServiceOptions): Promise<Service & { url: string }> {
  // Postgres says why it failed in its log; keep the tail to quote it.
  const recent: string[] = [];
  let settle: (outcome: { ready: string } | { failed: string }) => void = () => {};
  const outcome = new Promise<{ ready: string } | { failed: string }>((resolve) => (settle = resolve));
  const service = spawnService('postgres', process.execPath, [MAIN, options.dir, String(options.port), options.database], {
    // Only the leader: it stops postgres with a fast shutdown, then exits.
    stopSignalTarget: 'leader',
    stopGraceMs: 10_000,
    onLine: (line) => {
      if (line.startsWith('{"ready"') || line.startsWith('{"failed"')) settle(JSON.parse(line));
      else {
        recent.push(line);
        if (recent.length > 15) recent.shift();
        options.onLine?.(line);
      }
    },
  });
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const result = await Promise.race([
    outcome,
    service.crashed.then((failed) => ({ failed })),
    new Promise<{ failed: string }>((r) =>
      setTimeout(() => r({ failed: `embedded Postgres did not start within ${timeoutMs / 1000} s` }), timeoutMs).unref(),
    ),
  ]);
  if ('failed' in result) {
    await service.stop();
    throw new Error(`${result.failed}\n  last lines from postgres:\n${recent.map((l) => `    ${l}`).join('\n')}`);
  }
  return { name: service.name, stop: service.stop, crashed: service.crashed, url: result.ready };
}
