import { Client } from '@neondatabase/serverless';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import { startNeonRelay } from './neon-relay.ts';
import { freePort } from './ports.ts';

/** The Neon driver configured exactly as the worker configures it for a local relay. */
function neonClient(databaseUrl: string, wsProxy: string): Client {
  const client = new Client({ connectionString: databaseUrl });
  client.neonConfig.webSocketConstructor = WebSocket;
  client.neonConfig.wsProxy = (host, port) => `${wsProxy}?address=${host}:${port}`;
  client.neonConfig.useSecureWebSocket = false;
  client.neonConfig.pipelineTLS = false;
  client.neonConfig.pipelineConnect = false;
  client.on('error', () => {});
  return client;
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describe('Neon relay', () => {
  it('carries the Neon driver to Postgres: SCRAM login, parameters, several queries on one connection', async () => {
    const client = neonClient(inject('databaseUrl'), inject('neonWsProxy'));
    await client.connect();
    const sum = await client.query<{ sum: number }>('SELECT $1::int + $2::int AS sum', [40, 2]);
    expect(sum.rows).toEqual([{ sum: 42 }]);
    const ext = await client.query<{ extname: string }>("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'");
    expect(ext.rows).toEqual([{ extname: 'pg_trgm' }]);
    await client.end();
  });

  it('refuses to relay anywhere but its own Postgres', async () => {
    const status = await new Promise<number | string>((resolve) => {
      const ws = new WebSocket(`ws://${inject('neonWsProxy')}?address=127.0.0.1:22`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve('opened'));
      ws.on('error', (error) => resolve(error.message));
    });
    expect(status).toBe(403);
  });

  it('closes the client socket with a reason when Postgres is down, and keeps serving', async () => {
    const deadPostgres = await freePort();
    const relay = await startNeonRelay({ port: 0, postgres: { host: '127.0.0.1', port: deadPostgres } });
    closers.push(relay.close);
    const url = new URL(inject('databaseUrl'));
    url.port = String(deadPostgres);
    const client = neonClient(url.toString(), `127.0.0.1:${relay.port}/v2`);
    await expect(client.connect()).rejects.toThrow();

    // The relay itself is still up: a plain HTTP request gets its explanatory 426.
    const response = await fetch(`http://127.0.0.1:${relay.port}/`);
    expect(response.status).toBe(426);
  });
});
