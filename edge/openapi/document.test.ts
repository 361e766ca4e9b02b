import type { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkAgainstDocument, fetchEdge } from '../../test/workers/documented.ts';
import { createApp } from '../app.ts';
import { requires, routePolicies } from '../auth/policy.ts';
import { USER } from '../auth/principal.ts';
import { honoPath } from './describe.ts';
import { describedOperations, isUndocumented, UNDOCUMENTED } from './document.ts';
import { SCALAR_SCRIPT } from './routes.ts';

/** Registered routes (method and Hono path) the document does not describe, less the ones left out on purpose. */
function undescribed(app: OpenAPIHono): string[] {
  const described = new Set(describedOperations(app).map((op) => `${op.method.toUpperCase()} ${honoPath(op.path)}`));
  return routePolicies(app)
    .filter(({ path }) => !isUndocumented(path))
    .map(({ method, path }) => `${method} ${path}`)
    .filter((route) => !described.has(route));
}

describe('the OpenAPI document', () => {
  it('describes every registered route but the ones UNDOCUMENTED leaves out', () => {
    expect(undescribed(createApp() as unknown as OpenAPIHono)).toEqual([]);
  });

  it('misses a route registered without a description, and says which', () => {
    const app = createApp();
    app.get('/bookmarks', requires(USER), (c) => c.json({ bookmarks: [] }));
    expect(undescribed(app as unknown as OpenAPIHono)).toEqual(['GET /bookmarks']);
  });

  it('leaves out only prefixes that hold registered routes', () => {
    const paths = routePolicies(createApp()).map((route) => route.path);
    for (const { prefix } of UNDOCUMENTED)
      expect(
        paths.some((path) => path.startsWith(prefix)),
        prefix,
      ).toBe(true);
  });

  it('gives every operation its security and the answers of its policy', () => {
    const operations = describedOperations(createApp());
    const quote = operations.find((op) => op.path === '/quote/ltp');
    expect(quote?.security).toEqual([{ accessToken: [] }, { apiKey: ['read'] }]);
    expect(Object.keys(quote?.responses ?? {}).sort()).toEqual(['200', '400', '401', '403', '429', '500', '503']);
    const kite = operations.find((op) => op.path === '/kite/ws');
    expect(Object.keys(kite?.responses ?? {})).not.toContain('401');
    expect(operations.find((op) => op.path === '/auth/login')?.security).toBeUndefined();
  });

  it('has examples that parse with their own schemas', () => {
    let checked = 0;
    for (const op of describedOperations(createApp())) {
      const media = [
        ...Object.values(op.responses).map((answer) => ('content' in answer ? answer.content?.['application/json'] : undefined)),
        op.request?.body?.content['application/json'],
      ];
      for (const entry of media) {
        if (!entry || !('schema' in entry) || entry.example === undefined || !(entry.schema instanceof z.ZodType)) continue;
        const result = entry.schema.safeParse(entry.example);
        expect(result.success, `${op.method} ${op.path}: ${result.error ? z.prettifyError(result.error) : ''}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('the check of answers against the document (test/workers/documented.ts)', () => {
  const row = { instrument_token: 408065, exchange_token: 1594, tradingsymbol: 'INFY', name: 'INFOSYS', last_price: 0, expiry: null, strike: 0 };
  const full = { ...row, tick_size: 0.05, lot_size: 1, instrument_type: 'EQ', segment: 'NSE', exchange: 'NSE', is_active: true };

  it('takes an answer its operation describes', async () => {
    await expect(checkAgainstDocument('GET', '/instruments/408065', Response.json(full))).resolves.toBeUndefined();
  });

  it('fails an answer whose body drifted from its schema', async () => {
    await expect(checkAgainstDocument('GET', '/instruments/408065', Response.json(row))).rejects.toThrow(
      /GET \/instruments\/408065 answered 200 with a body its schema refuses/,
    );
    await expect(checkAgainstDocument('GET', '/instruments/408065', Response.json({ ...full, strike: '0' }))).rejects.toThrow(/strike/);
  });

  it('fails a status the operation does not list, and routes a literal path before a parameter', async () => {
    const conflict = Response.json({ error: { code: 'limit_exceeded', message: 'no' } }, { status: 409 });
    await expect(checkAgainstDocument('GET', '/instruments/408065', conflict)).rejects.toThrow(
      /a status its operation \(GET \/instruments\/\{token\}\) does not list/,
    );
    await expect(checkAgainstDocument('GET', '/alerts/triggers', Response.json({ triggers: [], next_cursor: null }))).resolves.toBeUndefined();
  });
});

describe('the documents the edge serves', () => {
  it('serves /openapi.json as OpenAPI 3.1 with every described path', async () => {
    const response = await fetchEdge('http://edge.test/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown>; components: { securitySchemes: object } };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/quote', '/fno/chain', '/alerts/{id}', '/watchlists/{id}/instruments', '/v2/ws', '/kite/ws']),
    );
    expect(Object.keys(document.components.securitySchemes)).toEqual(['accessToken', 'apiKey']);
  });

  it('serves /asyncapi.json as AsyncAPI 3.0 with both WebSockets', async () => {
    const response = await fetchEdge('http://edge.test/asyncapi.json');
    const document = (await response.json()) as { asyncapi: string; channels: Record<string, { address: string; messages: object }> };
    expect(document.asyncapi).toBe('3.0.0');
    expect(Object.values(document.channels).map((channel) => channel.address)).toEqual(['/v2/ws', '/kite/ws']);
    expect(Object.keys(document.channels.v2?.messages ?? {})).toEqual(expect.arrayContaining(['subscribe', 'welcome', 'ticks', 'alert']));
  });

  it('serves /docs, a page that loads the document with the pinned Scalar script', async () => {
    const response = await fetchEdge('http://edge.test/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain(SCALAR_SCRIPT);
    expect(page).toContain('/openapi.json');
  });
});
