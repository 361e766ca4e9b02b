import { Client } from '@neondatabase/serverless';
import type { EdgeConfig } from '../config.ts';
import { withDeadline } from '../deadline.ts';
import { DatabaseUnavailable } from '../errors.ts';

/**
 * Opens a Postgres client for one request. A Client holds a WebSocket, and
 * Workers forbid I/O objects shared across requests, so never keep one in
 * module scope: `withPostgres` opens it for the handler and closes it after
 * the answer (in `waitUntil`).
 *
 * In production the driver reaches Neon through Neon's own proxy. Locally
 * `NEON_WS_PROXY` points it at our relay in front of a plain Postgres, which
 * speaks no TLS, so the relay hop is plain `ws:` and nothing is pipelined.
 */
export function openPostgres(database: EdgeConfig['database']): Client {
  const client = new Client({ connectionString: database.url });
  // Connection failures also reject the pending connect/query; without a
  // listener the driver's 'error' event would surface as an uncaught exception.
  client.on('error', () => {});
  const proxy = database.wsProxy;
  if (proxy) {
    client.neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
    client.neonConfig.useSecureWebSocket = false;
    client.neonConfig.pipelineTLS = false;
    client.neonConfig.pipelineConnect = false;
  }
  return client;
}

/**
 * Runs `work` on a fresh connection within `timeoutMs` (connect included).
 * A database that cannot be reached, refuses us, or does not answer in time
 * becomes DatabaseUnavailable (503 with the reason); an SQL error stays an
 * error (a bug, 500).
 */
export async function withPostgres<T>(
  database: EdgeConfig['database'],
  timeoutMs: number,
  waitUntil: (p: Promise<unknown>) => void,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = openPostgres(database);
  const started = Date.now();
  const connecting = client.connect();
  // Close after the answer, bounded, and only a client that did connect:
  // ending one whose socket never opened can hang or throw.
  const close = () =>
    waitUntil(withDeadline(connecting.then(() => client.end()), timeoutMs, 'closing Postgres').catch(() => undefined));
  try {
    await withDeadline(connecting, timeoutMs, 'Postgres');
  } catch (error) {
    close();
    throw new DatabaseUnavailable(describe(error));
  }
  try {
    // One budget for the whole request: what connecting used is gone.
    return await withDeadline(work(client), Math.max(1, timeoutMs - (Date.now() - started)), 'Postgres');
  } catch (error) {
    // Postgres errors carry a SQLSTATE code; anything else is the connection failing.
    if (typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code)) throw error;
    throw new DatabaseUnavailable(describe(error));
  } finally {
    close();
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    // Network errors from fetch/WebSocket often carry the useful part in `cause`.
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
