import { Client, neon, neonConfig } from '@neondatabase/serverless';
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

describe("Neon's HTTP query endpoint on the relay (POST /sql)", () => {
  const sql = () => {
    neonConfig.fetchEndpoint = `http://${inject('neonWsProxy').split('/')[0]}/sql`;
    return neon(inject('databaseUrl'));
  };

  it('answers neon() queries with typed values, one HTTP round trip each', async () => {
    expect(await sql().query('SELECT $1::int + $2::int AS sum, $3::text AS word, now() AS at, NULL::int AS nothing', [40, 2, 'नमस्ते'])).toEqual([
      { sum: 42, word: 'नमस्ते', at: expect.any(Date), nothing: null },
    ]);
    const rows = await sql().query("SELECT tradingsymbol, strike FROM instruments WHERE tradingsymbol = 'NIFTY 50'");
    expect(rows).toEqual([{ tradingsymbol: 'NIFTY 50', strike: '0.0000' }]);
  });

  it('runs a batch as one transaction, and rolls it back whole on an error', async () => {
    const db = sql();
    const [a, b] = await db.transaction([db.query('SELECT 1 AS one'), db.query('SELECT 2 AS two')]);
    expect([a, b]).toEqual([[{ one: 1 }], [{ two: 2 }]]);
    await db.query('CREATE TABLE IF NOT EXISTS relay_batch_test (n int)');
    await expect(db.transaction([db.query('INSERT INTO relay_batch_test VALUES (1)'), db.query('SELECT * FROM no_such_table')])).rejects.toMatchObject({
      code: '42P01',
    });
    expect(await db.query('SELECT count(*)::int AS n FROM relay_batch_test')).toEqual([{ n: 0 }]);
    await db.query('DROP TABLE relay_batch_test');
  });

  it('passes Postgres errors through with their code, and refuses other databases', async () => {
    await expect(sql().query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01', message: expect.stringContaining('no_such_table') });
    const other = new URL(inject('databaseUrl'));
    other.port = '1';
    neonConfig.fetchEndpoint = `http://${inject('neonWsProxy').split('/')[0]}/sql`;
    await expect(neon(other.toString()).query('SELECT 1')).rejects.toThrow(/HTTP status 403/);
  });
});
