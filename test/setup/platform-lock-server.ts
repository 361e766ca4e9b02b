import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A readers-writer lock over HTTP for the end-to-end files, which share one
 * platform from different vitest workers: a test that injects a fault (an
 * origin killed, a hub restarted, Postgres stopped) or needs the platform
 * to itself takes it to write, every other test to read
 * (test/e2e/platform-lock.ts).
 *
 * `GET /read` or `GET /write` answers its headers once granted and keeps
 * the answer open: the hold is the connection, so a worker that dies
 * releases what it held. Waiters are served in order of arrival (readers
 * that arrive together share), so a writer is not starved by a stream of
 * readers.
 */
type Mode = 'read' | 'write';
type Waiter = { mode: Mode; response: ServerResponse };

export type PlatformLockServer = { url: string; close(): Promise<void> };

export async function startPlatformLockServer(): Promise<PlatformLockServer> {
  const queue: Waiter[] = [];
  const readers = new Set<ServerResponse>();
  let writer: ServerResponse | null = null;

  const grant = () => {
    while (queue.length > 0) {
      const next = queue[0] as Waiter;
      const free = next.mode === 'write' ? writer === null && readers.size === 0 : writer === null;
      if (!free) return;
      queue.shift();
      if (next.mode === 'write') writer = next.response;
      else readers.add(next.response);
      next.response.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
      next.response.write(`${next.mode}\n`);
    }
  };

  const server = createServer((request, response) => {
    const mode = request.url === '/read' ? 'read' : request.url === '/write' ? 'write' : null;
    if (request.method !== 'GET' || mode === null) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('GET /read or GET /write\n');
      return;
    }
    const waiter: Waiter = { mode, response };
    response.on('close', () => {
      const waiting = queue.indexOf(waiter);
      if (waiting !== -1) queue.splice(waiting, 1);
      readers.delete(response);
      if (writer === response) writer = null;
      grant();
    });
    queue.push(waiter);
    grant();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
