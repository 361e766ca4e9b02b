import { createServer, type Server } from 'node:http';

/** A local server that has bound its port and can be closed, with every connection, on demand. */
export type Listening = { port: number; close(): Promise<void> };

/**
 * Binds an HTTP server on 127.0.0.1 and resolves once it listens. A port
 * already taken rejects with an error naming the port, never a bare EADDRINUSE.
 */
export function listen(port: number, setup: (server: Server) => void): Promise<Listening> {
  const server = createServer();
  setup(server);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is already in use by another process`) : error);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({
        port: bound,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
