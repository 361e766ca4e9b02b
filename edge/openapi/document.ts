import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Env, Hono } from 'hono';
import packageJson from '../../package.json' with { type: 'json' };
import { type Policy, routePolicies } from '../auth/policy.ts';
import { honoPath, problem } from './describe.ts';

/**
 * The OpenAPI 3.1 document of the public HTTP API (GET /openapi.json):
 * every operation the areas declared (describe.ts), each with the answers
 * its `requires(…)` policy implies: its security, 401, 403, 429, and the
 * answers every route can give. A test (edge/openapi/document.test.ts)
 * fails when a registered route is neither here nor in UNDOCUMENTED.
 */

/** Registered routes left out of the public document, on purpose. */
export const UNDOCUMENTED: readonly { prefix: string; why: string }[] = [
  { prefix: '/origin/', why: 'the origin’s links: WebSockets for the platform’s own origin, behind ORIGIN_LINK_SECRET (docs/origin-link.md)' },
  { prefix: '/internal/', why: 'operator routes for admins (docs/origin-link.md), not a stable API' },
  { prefix: '/metrics', why: 'Prometheus text for the operator’s scraper, behind METRICS_TOKEN (docs/edge-metrics.md), not JSON for users' },
];

export const isUndocumented = (path: string) => UNDOCUMENTED.some(({ prefix }) => path.startsWith(prefix));

export const SECURITY_SCHEMES = {
  accessToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A user’s access token from POST /auth/login (valid 15 minutes; POST /auth/refresh gives the next one).',
  },
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'An API key, as Kite takes it: `Authorization: token <api_key>:<secret>` (POST /api-keys creates one). Its scopes are listed per operation.',
  },
} as const;

type Answers = RouteConfig['responses'];

const UNAUTHORIZED = problem(
  'the credential is missing, malformed or unknown (`unauthorized`), expired (`token_expired`) or revoked (`token_revoked`); `WWW-Authenticate` names the schemes',
  'unauthorized',
  'this route needs a credential: Authorization: Bearer <access token>, or token <api_key>:<secret>',
);

/** Who may call, as OpenAPI security requirements (any one of them), and the refusals that come with it. */
function accessOf({ access, limit }: Policy, refusedAs: number): { security: RouteConfig['security']; answers: Answers } {
  const answers: Answers = {};
  const refuse = (status: number) => String(status === 401 ? refusedAs : status);
  let security: RouteConfig['security'];
  switch (access.kind) {
    case 'public':
      // A public route under the `api` budget charges a credential when one is sent, so a bad one is refused.
      if (limit === 'api') {
        security = [{}, { accessToken: [] }, { apiKey: [] }];
        answers[refuse(401)] = UNAUTHORIZED;
      }
      break;
    case 'user':
      security = [{ accessToken: [] }, { apiKey: [] }];
      answers[refuse(401)] = UNAUTHORIZED;
      break;
    case 'session':
      security = [{ accessToken: [] }];
      answers[refuse(401)] = UNAUTHORIZED;
      answers['403'] ??= problem(
        'an API key cannot use this route: only the user’s own access token',
        'forbidden',
        'this route needs a user’s access token (log in); an API key cannot use it',
      );
      break;
    case 'scope':
      security = [{ accessToken: [] }, { apiKey: [access.scope] }];
      answers[refuse(401)] = UNAUTHORIZED;
      answers['403'] ??= problem(`the API key lacks scope \`${access.scope}\``, 'forbidden', `this route needs scope ${access.scope}; the key has read`);
      break;
    default:
      throw new Error(`a documented route admits ${access.kind} only: list its path in UNDOCUMENTED`);
  }
  if (limit) {
    answers['429'] = problem(
      'too many requests from this key, user or address in the window (`rate_limited`); retry after `Retry-After`',
      'rate_limited',
      'too many requests from this API key or user: at most 600 per 60 s; retry in 12 s',
    );
  }
  return { security, answers };
}

const EVERY_ROUTE: Answers = {
  500: problem('an unexpected fault; the platform logged the details', 'internal_error', 'internal error; the platform logged the details'),
  503: problem(
    'the platform is misconfigured (`config_invalid`) or its database unavailable (`database_unavailable`, retry after `Retry-After`)',
    'database_unavailable',
    'the database is unavailable: connection timed out',
  ),
};

const WITH_BODY: Answers = {
  413: problem('the body is larger than the route reads', 'payload_too_large', 'the request body is larger than 65536 bytes'),
};

/**
 * Every documented operation of `app` with its policy's security and
 * answers added (a route's own answers win). The document is made from
 * these, and the workers tests validate every answer they get against them.
 */
export function describedOperations<E extends Env>(app: OpenAPIHono<E> | Hono<E>): RouteConfig[] {
  if (!(app instanceof OpenAPIHono)) throw new Error('the app is not an OpenAPIHono: its routes carry no description');
  const policies = routePolicies(app);
  return app.openAPIRegistry.definitions.flatMap((definition) => {
    if (definition.type !== 'route') return [];
    const operation = definition.route;
    const method = operation.method.toUpperCase();
    const path = honoPath(operation.path);
    const covering = policies.find((p) => p.method === method && p.path === path)?.policies;
    if (covering?.length !== 1 || !covering[0]) throw new Error(`${method} ${path} has ${covering?.length ?? 0} policies: it needs exactly one`);
    const refusedAs = (operation as { 'x-refused-credentials-status'?: number })['x-refused-credentials-status'] ?? 401;
    const { security, answers } = accessOf(covering[0], refusedAs);
    return [
      {
        ...operation,
        ...(security ? { security } : {}),
        responses: { ...EVERY_ROUTE, ...(operation.request?.body ? WITH_BODY : {}), ...answers, ...operation.responses },
      },
    ];
  });
}

const documents = new WeakMap<object, unknown>();

/** The OpenAPI 3.1 document of `app`, made once per app (the routes do not change while it serves). */
export function openApiDocument<E extends Env>(app: OpenAPIHono<E>): unknown {
  const made = documents.get(app);
  if (made) return made;
  const described = new OpenAPIHono();
  for (const operation of describedOperations(app)) described.openAPIRegistry.registerPath(operation);
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) described.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  const document = described.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'kite-edge',
      version: packageJson.version,
      description:
        'Market data for Zerodha Kite users: instruments, Kite-shaped quotes and historical candles, live option chains, price alerts and WebSocket streams (their messages: /asyncapi.json). Every error has one body: `{"error": {"code", "message", …}}` (docs/errors.md), but the Kite-shaped historical API answers in Kite’s own error envelope.',
    },
    tags: [
      { name: 'accounts', description: 'registration, sessions (docs/auth.md)' },
      { name: 'API keys', description: 'keys for programs (docs/auth.md)' },
      { name: 'instruments', description: 'the instrument registry (docs/instruments-api.md)' },
      { name: 'quote (Kite)', description: 'Kite Connect’s quote routes from the platform’s feed (docs/quote.md)' },
      { name: 'fno', description: 'live option chains (docs/fno.md)' },
      { name: 'alerts', description: 'price alerts, their history and webhooks (docs/alerts.md)' },
      { name: 'watchlists', description: 'a user’s named lists of instruments (docs/watchlists.md)' },
      { name: 'streaming', description: 'the WebSockets (docs/websocket.md)' },
      { name: 'platform', description: 'health and these documents' },
    ],
  });
  documents.set(app, document);
  return document;
}
