import { createConnection, type Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Listening, listen } from './listening.ts';
import { neonSqlEndpoint } from './neon-sql-endpoint.ts';

/**
 * The WebSocket-to-TCP relay that lets `@neondatabase/serverless` inside
 * workerd reach a plain Postgres exactly as it reaches Neon through Neon's
 * proxy: each WebSocket becomes one TCP connection, bytes pass unchanged.
 * The same port answers Neon's HTTP queries (`POST /sql`, neon-sql-endpoint.ts).
 *
 * It relays to one Postgres only. The driver names its target in
 * `?address=host:port`; a different target is refused so the relay can never
 * be used as an open proxy into the machine.
 */
export type NeonRelayOptions = {
  /** Port to listen on (127.0.0.1); 0 picks a free one. */
  port: number;
  postgres: { host: string; port: number };
  log?: (line: string) => void;
};

export async function startNeonRelay(options: NeonRelayOptions): Promise<Listening> {
  const log = options.log ?? (() => {});
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<Socket>();
  const sql = neonSqlEndpoint(options.postgres);

  const listening = await listen(options.port, (server) => {
    server.on('upgrade', (request, socket, head) => {
      const url = new URL(request.url ?? '/', 'http://relay');
      const address = url.searchParams.get('address');
      if (address && !sameTarget(address, options.postgres)) {
        log(`refused relay to ${address}: only ${options.postgres.host}:${options.postgres.port} is allowed`);
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => relay(ws));
    });
    server.on('request', (req, res) => {
      if (req.method === 'POST' && req.url?.split('?')[0] === '/sql') {
        sql.handle(req, res).catch((error: unknown) => {
          log(`/sql failed: ${(error as Error).message}`);
          if (!res.headersSent) res.writeHead(500).end();
        });
        return;
      }
      res.writeHead(426, { 'content-type': 'text/plain' }).end('this is a WebSocket relay for Postgres (and POST /sql)\n');
    });
  });

  function relay(ws: WebSocket): void {
    const tcp = createConnection(options.postgres);
    sockets.add(tcp);
    // Bytes that arrive before the TCP connect completes are queued by net.Socket.
    ws.on('message', (data: Buffer) => tcp.write(data));
    ws.on('close', () => tcp.end());
    ws.on('error', () => tcp.destroy());
    tcp.on('data', (data) => ws.send(data));
    tcp.on('close', () => {
      sockets.delete(tcp);
      ws.close();
    });
    tcp.on('error', (error) => {
      log(`relay to Postgres failed: ${error.message}`);
      ws.close(1011, 'Postgres unreachable');
    });
  }

  return {
    port: listening.port,
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      await listening.close();
      await sql.close();
    },
  };
}

function sameTarget(address: string, target: { host: string; port: number }): boolean {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const local = (h: string) => (h === 'localhost' || h === '::1' || h === '[::1]' ? '127.0.0.1' : h);
  return local(host) === local(target.host) && port === target.port;
}
