import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { z } from 'zod';
import { type AuthEnv, requires } from '../auth/policy.ts';
import { PUBLIC } from '../auth/principal.ts';
import { asyncApiDocument } from './asyncapi.ts';
import { json, route } from './describe.ts';
import { openApiDocument } from './document.ts';

/**
 * The API's own descriptions (docs/api.md):
 *
 *   GET /openapi.json    the REST API (OpenAPI 3.1), made from the routes' declarations
 *   GET /asyncapi.json   the WebSockets' messages (AsyncAPI 3.0), made from contracts/client-protocol.ts
 *   GET /docs            a browsable page of /openapi.json (Scalar)
 */

/**
 * Scalar's single-file bundle, pinned to the version the repository locks
 * (package.json devDependencies), so the page is the same wherever it is
 * served and the browser test can answer this URL from node_modules.
 */
export const SCALAR_SCRIPT = 'https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.4/dist/browser/standalone.js';

const Document = z.record(z.string(), z.unknown());

export function documentation(app: OpenAPIHono<AuthEnv>): OpenAPIHono<AuthEnv> {
  const area = new OpenAPIHono<AuthEnv>();
  route(
    area,
    createRoute({
      method: 'get',
      path: '/openapi.json',
      tags: ['platform'],
      summary: 'This document: the REST API in OpenAPI 3.1',
      responses: { 200: json(Document, 'the OpenAPI document') },
    }),
    requires(PUBLIC),
    (c) => c.json(openApiDocument(app)),
  );
  route(
    area,
    createRoute({
      method: 'get',
      path: '/asyncapi.json',
      tags: ['platform'],
      summary: 'The WebSockets /v2/ws and /kite/ws in AsyncAPI 3.0',
      responses: { 200: json(Document, 'the AsyncAPI document') },
    }),
    requires(PUBLIC),
    (c) => c.json(asyncApiDocument()),
  );
  route(
    area,
    createRoute({
      method: 'get',
      path: '/docs',
      tags: ['platform'],
      summary: 'A browsable page of this document',
      responses: { 200: { description: 'an HTML page (its script from jsDelivr)', content: { 'text/html': { schema: z.string() } } } },
    }),
    requires(PUBLIC),
    // Scalar's AI chat and its Hono deploy button are not this API's (its developer toolbar shows on localhost only).
    Scalar({ url: '/openapi.json', pageTitle: 'kite-edge API', cdn: SCALAR_SCRIPT, _integration: null, agent: { disabled: true } }),
  );
  return area;
}
