import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ControlledPart, PART_ACTIONS, type PartAction, PartConflict } from './controlled-part.ts';

/**
 * The local platform's part control, on 127.0.0.1 only:
 *
 *   GET  /parts                    every controllable part, its state and pid
 *   POST /parts/:part/:action      stop | start | pause | resume one part; the others run on
 *
 * A POST must carry `X-Dev-Control: 1`: a web page cannot add that header
 * to a request to another origin without the browser asking first (and this
 * server never says yes), so no page open in the developer's browser can
 * stop their database. Errors answer `{ error: { code, message } }` as the
 * platform's other servers do.
 */
export const CONTROL_HEADER = 'x-dev-control';

export type ControlServer = { url: string; close(): Promise<void> };

export async function startControlServer(port: number, parts: readonly ControlledPart[], log: (line: string) => void): Promise<ControlServer> {
  const byName = new Map(parts.map((part) => [part.name, part]));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://control').pathname.replace(/\/+$/, '');
    if (path === '/parts' && req.method === 'GET') return send(res, 200, { parts: parts.map((part) => part.status) });
    const match = /^\/parts\/([^/]+)\/([^/]+)$/.exec(path);
    if (!match) return fail(res, 404, 'not_found', `no ${req.method} ${path} here: GET /parts, POST /parts/<part>/<${PART_ACTIONS.join('|')}>`);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return fail(res, 405, 'method_not_allowed', `${path} answers POST only`);
    }
    if (req.headers[CONTROL_HEADER] !== '1') return fail(res, 403, 'forbidden', `a part is controlled only with the header X-Dev-Control: 1`);
    const [, name = '', action = ''] = match;
    const part = byName.get(name);
    if (!part) return fail(res, 404, 'not_found', `no part ${name}; controllable here: ${[...byName.keys()].join(', ') || 'none'}`);
    if (!(PART_ACTIONS as readonly string[]).includes(action)) {
      return fail(res, 400, 'invalid_parameter', `no action ${action}; one of ${PART_ACTIONS.join(', ')}`);
    }
    log(`${action} ${name} (asked on the control port)`);
    part.apply(action as PartAction).then(
      (status) => {
        log(`${name} is ${status.state}`);
        send(res, 200, status);
      },
      (error: unknown) => {
        if (error instanceof PartConflict) return fail(res, 409, 'conflict', error.message);
        log(`${action} ${name} failed: ${(error as Error).message}`);
        fail(res, 500, 'internal_error', `${action} ${name} failed: ${(error as Error).message}`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message } });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}
