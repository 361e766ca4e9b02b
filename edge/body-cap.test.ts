import { describe, expect, it } from 'vitest';
import { fetchEdge } from '../test/workers/documented.ts';
import { DEFAULT_BODY_BYTES } from './body-cap.ts';

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetchEdge(new Request(`https://edge.test${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } }));

describe('request bodies', () => {
  it('are refused with 413 past the route’s cap, declared or streamed, before any of it is parsed (issue 21, defect 11)', async () => {
    const big = JSON.stringify({ email: 'big@example.test', password: 'x'.repeat(DEFAULT_BODY_BYTES) });
    const declared = await post('/auth/register', big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: { code: 'payload_too_large', message: expect.stringContaining(`${DEFAULT_BODY_BYTES} bytes`) } });

    // No Content-Length: the cap counts what arrives and stops reading there.
    const chunks = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode(' '.repeat(16 * 1024)));
      },
    });
    const streamed = await post('/auth/register', chunks);
    expect(streamed.status).toBe(413);
  });

  it('under the cap reach the route as before', async () => {
    const small = await post('/auth/register', JSON.stringify({ email: `small-${crypto.randomUUID()}@example.test`, password: 'a fine long password' }));
    expect(small.status).toBe(202);
  });
});
