import { fileURLToPath } from 'node:url';
import { startNodeService } from './node-service.ts';
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
 * The child reports `{"ready": url}` or `{"failed": reason}` on one line.
 */
export async function startPostgresService(options: PostgresServiceOptions): Promise<Service & { url: string }> {
  let url = '';
  const service = await startNodeService({
    name: 'postgres',
    main: MAIN,
    args: [options.dir, String(options.port), options.database],
    onLine: (line) => {
      if (!line.startsWith('{"')) options.onLine?.(line);
    },
    readiness: (line) => {
      if (!line.startsWith('{"ready"') && !line.startsWith('{"failed"')) return undefined;
      const report = JSON.parse(line) as { ready?: string; failed?: string };
      if (report.ready) url = report.ready;
      return report.ready ? 'ready' : `failed: ${report.failed ?? 'unknown'}`;
    },
    startTimeoutMs: options.startTimeoutMs,
    // Only the leader: it stops postgres with a fast shutdown, then exits.
    stopSignalTarget: 'leader',
    stopGraceMs: 10_000,
  });
  return { ...service, url };
}
