import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import { z } from 'zod';

/**
 * The local stand-in for Neon's HTTP query endpoint (`POST /sql`), which
 * `@neondatabase/serverless`'s `neon()` speaks: one HTTP round trip per
 * query (or per batch, as one transaction), no WebSocket or login per
 * request. Like the relay it serves one Postgres only.
 *
 * Request: headers `Neon-Connection-String`, `Neon-Raw-Text-Output: true`,
 * `Neon-Array-Mode: true`; body `{query, params}` or `{queries: [...]}`.
 * Answer: `{fields: [{name, dataTypeID}], rows: [[text…]], rowCount, command}`
 * (or `{results: [...]}`); a Postgres error is a 400 with its fields.
 */
const Query = z.object({ query: z.string().min(1), params: z.array(z.string().nullable()).default([]) });
const Body = z.union([Query, z.object({ queries: z.array(Query).min(1).max(100) })]);
const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;
const ISOLATION = new Set(['ReadUncommitted', 'ReadCommitted', 'RepeatableRead', 'Serializable']);
// Values go back as Postgres wrote them; the driver parses them by type.
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

export function neonSqlEndpoint(target: { host: string; port: number }) {
  const pools = new Map<string, pg.Pool>();

  function poolFor(connectionString: string): pg.Pool {
    let pool = pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({ connectionString, max: 8, idleTimeoutMillis: 30_000 });
      pool.on('error', () => {}); // an idle client dropped by Postgres is simply replaced
      pools.set(connectionString, pool);
    }
    return pool;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const connectionString = String(req.headers['neon-connection-string'] ?? '');
    let url: URL;
    try {
      url = new URL(connectionString);
    } catch {
      return send(res, 400, { message: 'Neon-Connection-String must be a postgres:// URL' });
    }
    const local = (h: string) => (h === 'localhost' ? '127.0.0.1' : h);
    if (local(url.hostname) !== local(target.host) || Number(url.port || 5432) !== target.port) {
      return send(res, 403, { message: `this endpoint serves ${target.host}:${target.port} only` });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    let body: z.infer<typeof Body>;
    try {
      body = Body.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch (error) {
      return send(res, 400, { message: `bad request body: ${(error as Error).message}` });
    }

    let client: pg.PoolClient;
    try {
      client = await poolFor(connectionString).connect();
    } catch (error) {
      return send(res, 502, { message: `could not connect to Postgres: ${(error as Error).message}` });
    }
    const run = async (q: z.infer<typeof Query>) => {
      const result = await client.query({ text: q.query, values: q.params, rowMode: 'array', types: RAW_TEXT });
      return {
        command: result.command,
        rowCount: result.rowCount,
        fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
        rows: result.rows,
      };
    };
    try {
      if ('queries' in body) {
        const isolation = String(req.headers['neon-batch-isolation-level'] ?? '');
        const mode = [
          ISOLATION.has(isolation) ? `ISOLATION LEVEL ${isolation.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()}` : '',
          req.headers['neon-batch-read-only'] === 'true' ? 'READ ONLY' : '',
        ].join(' ');
        await client.query(`BEGIN ${mode}`);
        try {
          const results = [];
          for (const q of body.queries) results.push(await run(q));
          await client.query('COMMIT');
          send(res, 200, { results });
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      } else {
        send(res, 200, await run(body));
      }
    } catch (error) {
      const fields = Object.fromEntries(ERROR_FIELDS.map((f) => [f, (error as Record<string, unknown>)[f]]));
      send(res, 400, { message: (error as Error).message, ...fields });
    } finally {
      client.release();
    }
  }

  return {
    handle,
    async close() {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => {})));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}
