import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { OriginHealth } from './origin-health.ts';

/**
 * The origin's HTTP surface (ORIGIN_PORT, 8080 by default): `/health`,
 * `/metrics`, and whatever `extra` handlers mount (the Kite login). Errors
 * are JSON with a code and a message like the edge's.
 */
export type ExtraHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export async function startOriginServer(options: {
  port: number;
  health: () => OriginHealth;
  metrics: Registry;
  extra: ExtraHandler[];
  draining: () => boolean;
  log: (line: string) => void;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      options.log(`error on ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) json(res, 500, { error: { code: 'internal_error', message: 'the origin failed to answer; see its log' } });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://origin').pathname;
    if (req.method === 'GET' && path === '/health') {
      // Draining (SIGTERM): still answers, with 503, so a balancer stops sending work here.
      return json(res, options.draining() ? 503 : 200, { ...options.health(), ...(options.draining() ? { status: 'down', reason: 'shutting down' } : {}) });
    }
    if (req.method === 'GET' && path === '/metrics') {
      const text = await options.metrics.metrics();
      res.writeHead(200, { 'Content-Type': options.metrics.contentType });
      res.end(text);
      return;
    }
    for (const handle of options.extra) if (await handle(req, res)) return;
    json(res, 404, { error: { code: 'not_found', message: `no route ${req.method} ${path} on the origin; try GET /health, /metrics or /login` } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${options.port} is already in use; set ORIGIN_PORT to another`) : error),
    );
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
