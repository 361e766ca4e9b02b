import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { LINK_CLOSE_FENCED, LINK_SUBPROTOCOL } from '../../contracts/origin-link.ts';
import { EdgeSocket } from './edge-socket.ts';

/**
 * The router writes every frame's batches over the last (feed/tick-router.ts):
 * that is safe only because a send has copied the bytes by the time it
 * returns (a client frame is masked into a copy). This holds ws to it.
 */
let server: WebSocketServer;
let url = '';
const received: { data: Buffer; protocol: string; authorization: string | undefined; fencing: string | undefined }[] = [];
let connections = 0;
/** What the server does with a new connection after counting it (default: keep it). */
let onConnection: (ws: WebSocket) => void = () => {};

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (ws, request) => {
    connections++;
    ws.on('message', (data: Buffer) =>
      received.push({
        data,
        protocol: ws.protocol,
        authorization: request.headers.authorization,
        fencing: request.headers['x-origin-fencing-token'] as string,
      }),
    );
    onConnection(ws);
  });
  await new Promise((resolve) => server.once('listening', resolve));
  url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/origin/groups/x`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('EdgeSocket', () => {
  it('has copied what it sends by the time send returns', async () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const auth = { secret: 'a-link-secret-of-some-length', fencingToken: 3, permit: () => true, onFenced: () => {} };
    const socket = new EdgeSocket({ url, auth, name: 'test', onOpen: () => open(), onText: () => {}, log: () => {} });
    await opened;
    const scratch = new Uint8Array(10_000);
    for (const fill of [1, 2, 3]) {
      scratch.fill(fill);
      expect(socket.send(scratch.subarray(0, 5_000 + fill))).toBe(true);
    }
    scratch.fill(9);
    const started = Date.now();
    while (received.length < 3 && Date.now() - started < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.close();
    expect(received.map((r) => [r.data.length, new Set(r.data).size, r.data[0]])).toEqual([
      [5_001, 1, 1],
      [5_002, 1, 2],
      [5_003, 1, 3],
    ]);
    expect(received[0]?.protocol).toBe(LINK_SUBPROTOCOL);
    expect(received[0]?.authorization).toBe('Bearer a-link-secret-of-some-length');
    expect(received[0]?.fencing).toBe('3');
  });

  it('sends nothing once the lease may have lapsed, and does not redial a link the edge fenced (4002)', async () => {
    let permitted = true;
    let fenced: (reason: string) => void = () => {};
    const fencedWith = new Promise<string>((resolve) => (fenced = resolve));
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const auth = { secret: 'a-link-secret-of-some-length', fencingToken: 3, permit: () => permitted, onFenced: (reason: string) => fenced(reason) };
    const socket = new EdgeSocket({ url, auth, name: 'test', onOpen: () => open(), onText: () => {}, log: () => {}, backoffBaseMs: 1, backoffMaxMs: 1 });
    await opened;
    permitted = false;
    expect(socket.send('after the lapse')).toBe(false);
    const before = connections;
    onConnection = (ws) => ws.close(LINK_CLOSE_FENCED, 'fencing token 3 refused');
    for (const ws of server.clients) ws.close(LINK_CLOSE_FENCED, 'fencing token 3 refused');
    expect(await fencedWith).toBe('test link closed (4002 fencing token 3 refused)');
    expect(socket.stats().connected).toBe(false);
    // Its backoff is 1 ms: a redial would have happened by the time another socket has connected and closed.
    const probe = new EdgeSocket({ url, auth: { ...auth, onFenced: () => {} }, name: 'probe', onOpen: () => {}, onText: () => {}, log: () => {} });
    const started = Date.now();
    while (connections < before + 1 && Date.now() - started < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
    probe.close();
    expect(connections).toBe(before + 1);
    onConnection = () => {};
  });
});
