import { neon, neonConfig } from '@neondatabase/serverless';
import type { EdgeConfig } from '../contracts/worker-config.ts';
import { withDeadline } from './deadline.ts';

/**
 * The edge's access to Postgres: Neon's HTTP query endpoint, one round trip
 * per query with no connection or login to set up, which is what one-shot
 * API reads want (measured against a WebSocket Client per request: see the
 * README's benchmarks). In production the driver derives the endpoint from
 * the Neon host; locally `NEON_HTTP_ENDPOINT` points at the relay's `/sql`.
 */
/** Postgres could not be reached or did not answer in time: answered 503 with the reason. */
export class DatabaseUnavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'DatabaseUnavailable';
  }
}

export type Database = {
  query<T extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: T[] }>;
};

export function openDatabase(database: EdgeConfig['database'], timeoutMs: number): Database {
  const endpoint = database.httpEndpoint;
  // The endpoint is one per deployment, so the driver's global setting is the right place.
  if (endpoint) neonConfig.fetchEndpoint = () => endpoint;
  const sql = neon(database.url, { fullResults: true });
  return {
    async query<T extends Record<string, unknown>>(text: string, values: unknown[] = []) {
      try {
        const result = await withDeadline(
          // The abort only frees the connection; the deadline, a moment earlier, gives the clear message.
          sql.query(text, values, { fetchOptions: { signal: AbortSignal.timeout(timeoutMs + 100) } }),
          timeoutMs,
          'Postgres',
        );
        return { rows: result.rows as T[] };
      } catch (error) {
        // A Postgres error carries its SQLSTATE: that is a bug to surface, not an outage.
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) throw error;
        throw new DatabaseUnavailable(describe(error));
      }
    },
  };
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    // Network errors from fetch often carry the useful part in `cause`.
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
