import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { LINK_SUBPROTOCOL } from '../../contracts/origin-link.ts';
import { EdgeSocket } from './edge-socket.ts';

/**
 * The router writes every frame's batches over the last (feed/tick-router.ts):
 * that is safe only because a send has copied the bytes by the time it
 * returns (a client frame is masked into a copy). This holds ws to it.
 */
let server: WebSocketServer;
let url = '';
const received: { data: Buffer; protocol: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (ws, request) =>
    ws.on('message', (data: Buffer) => received.push({ data, protocol: ws.protocol, authorization: request.headers.authorization })),
  );
  await new Promise((resolve) => server.once('listening', resolve));
  url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/origin/groups/x`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('EdgeSocket', () => {
  it('has copied what it sends by the time send returns', async () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const socket = new EdgeSocket({ url, secret: 'a-link-secret-of-some-length', name: 'test', onOpen: () => open(), onText: () => {}, log: () => {} });
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
  });
});
