import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LeaseAnswer, type LeaseRequest } from '../../contracts/origin-lease.ts';

/**
 * The origin's side of `POST /origin/lease` (contracts/origin-lease.ts): one
 * request, answered within `timeoutMs` or failed. A refusal by the edge
 * (401, 400) fails with its status and message, as a lost answer does.
 * node:http, not fetch: the origin runs without WebAssembly
 * (dev/origin-service.ts), which fetch's HTTP parser needs.
 */
export type LeaseClient = (request: LeaseRequest, timeoutMs: number) => Promise<LeaseAnswer>;

export function edgeLeaseClient(edgeRoot: string, secret: string): LeaseClient {
  const url = new URL('/origin/lease', edgeRoot);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return (lease, timeoutMs) =>
    new Promise<LeaseAnswer>((resolve, reject) => {
      const body = JSON.stringify(lease);
      const req = send(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: Math.max(1, Math.round(timeoutMs)),
      });
      req.on('timeout', () => req.destroy(new Error(`the edge did not answer the lease request within ${Math.round(timeoutMs)} ms`)));
      req.on('error', reject);
      req.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', reject);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status !== 200) return reject(new Error(`the edge answered the lease request with HTTP ${status}: ${text.slice(0, 300)}`));
          try {
            resolve(LeaseAnswer.parse(JSON.parse(text)));
          } catch (error) {
            reject(new Error(`the edge's answer to the lease request is not a lease: ${(error as Error).message.slice(0, 300)}`));
          }
        });
      });
      req.end(body);
    });
}
