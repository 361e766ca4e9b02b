import { Client } from '@neondatabase/serverless';
import type { EdgeConfig } from '../config.ts';

/**
 * Opens a Postgres client for one request. A Client holds a WebSocket, and
 * Workers forbid I/O objects shared across requests, so never keep one in
 * module scope: open it in the handler and `end()` it in `waitUntil`.
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
