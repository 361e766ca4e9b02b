import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeLeaseClient } from './lease-client.ts';

/** The lease request as the edge sees it, and its answers read back, on a stand-in for the edge. */
let server: Server;
let root = '';
let answer: { status: number; body: string } = { status: 200, body: '' };
const seen: { authorization?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      seen.push({ authorization: req.headers.authorization, body });
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('edgeLeaseClient', () => {
  it('posts the request with the link secret and reads the answer', async () => {
    answer = { status: 200, body: JSON.stringify({ granted: true, holder: 'a', token: 4, expires_in_ms: 5000, previous_holder: 'b' }) };
    const lease = edgeLeaseClient(root, 'a-link-secret-of-some-length');
    expect(await lease({ origin_id: 'a', ttl_ms: 5000 }, 1000)).toEqual({ granted: true, holder: 'a', token: 4, expires_in_ms: 5000, previous_holder: 'b' });
    expect(seen.at(-1)).toEqual({ authorization: 'Bearer a-link-secret-of-some-length', body: '{"origin_id":"a","ttl_ms":5000}' });
  });

  it('fails with the edge’s status and message on a refusal, and on an answer that is not a lease', async () => {
    const lease = edgeLeaseClient(root, 'wrong-secret-of-some-length');
    answer = { status: 401, body: '{"error":{"code":"unauthorized"}}' };
    await expect(lease({ origin_id: 'a', ttl_ms: 5000 }, 1000)).rejects.toThrow(
      'the edge answered the lease request with HTTP 401: {"error":{"code":"unauthorized"}}',
    );
    answer = { status: 200, body: '{"granted":"yes"}' };
    await expect(lease({ origin_id: 'a', ttl_ms: 5000 }, 1000)).rejects.toThrow(/is not a lease/);
  });
});
