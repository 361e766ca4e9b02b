import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { TickFormat, V2_SUBPROTOCOL } from '../../contracts/client-protocol.ts';
import { hubConfig } from '../../contracts/hub-config.ts';
import { SESSION_HEADERS } from '../../contracts/session-handoff.ts';
import { sessionHubOf } from '../../durable-objects/stubs.ts';
import { type AuthEnv, principalOf, requires } from '../auth/policy.ts';
import { scope } from '../auth/principal.ts';
import { errorResponse, InvalidParameter } from '../errors.ts';
import { invalidParameter, problem, route } from '../openapi/describe.ts';

/**
 * The clients' WebSockets (docs/websocket.md). Both need the `read` scope:
 * a user's access token or an API key (docs/auth.md has the credential
 * forms). The worker authenticates, then hands the upgrade to the user's
 * SessionHub with the principal in headers it sets itself (a client's own
 * X-Session-* headers never reach the hub: the request is rebuilt), the
 * access token's expiry among them: the hub ends the session then.
 *
 *   GET /v2/ws     the JSON protocol (contracts/client-protocol.ts);
 *                  `?resume=<session id>` takes a lost session back;
 *                  `?format=binary` sends its ticks as binary frames
 *                  (contracts/binary-tick-frame.ts), refused with a 400
 *                  naming `format` before the upgrade when it is neither
 *                  json nor binary
 *   GET /kite/ws   Kite's own protocol, for programs written for Kite's
 *                  ticker (`?api_key=<key id>&access_token=<secret>`); bad
 *                  credentials get 403, as from Kite
 *
 * Refused credentials count against the client's address as on REST
 * (`limit: 'refused'`): past RATE_LIMIT_IP an address gets 429.
 */
/** Kite refuses a ticker connection with bad credentials with 403; programs written for it expect that. */
const answerLikeKite: MiddlewareHandler<AuthEnv> = async (c, next) => {
  await next();
  if (c.res.status === 401) c.res = new Response(c.res.body, { status: 403, headers: c.res.headers });
};

export const sessions = new OpenAPIHono<AuthEnv>();

const NOT_AN_UPGRADE = problem('the request is not a WebSocket upgrade', 'upgrade_required', '/v2/ws is a WebSocket: connect with Upgrade: websocket');

route(
  sessions,
  createRoute({
    method: 'get',
    path: '/v2/ws',
    tags: ['streaming'],
    summary: 'The JSON streaming protocol (messages: /asyncapi.json)',
    description:
      'A WebSocket. Besides the Authorization header, a browser can carry its credential as a subprotocol (`bearer.<access token>` or `apikey.<api_key>.<secret>`, with `kite-edge.v2`), or the URL as `?access_token=`. `?resume=<session id>` takes a lost session back (docs/websocket.md).',
    request: {
      query: z.object({
        resume: z.uuid().optional().meta({ description: 'the id of a session lost within the last two minutes' }),
        format: TickFormat.optional().meta({
          description: 'how ticks travel: `json` (the default) or `binary`, Kite’s packets in binary frames (docs/websocket.md); every other message is JSON',
        }),
      }),
    },
    responses: {
      101: { description: 'switching protocols: the session; its first frame is `welcome`' },
      400: invalidParameter('format', 'must be json or binary'),
      426: NOT_AN_UPGRADE,
    },
  }),
  requires(scope('read'), { limit: 'refused' }),
  (c) => toHub(c, 'v2', tickFormatOf(c)),
);

route(
  sessions,
  createRoute({
    method: 'get',
    path: '/kite/ws',
    tags: ['streaming'],
    summary: 'Kite’s own ticker protocol, for programs written for Kite (messages: /asyncapi.json)',
    description: 'Connect as to `wss://ws.kite.trade` with `?api_key=<key id>&access_token=<secret>`: refused credentials get 403, as from Kite.',
    request: {
      query: z.object({
        api_key: z.string().optional().meta({ description: 'the API key’s id (ak_…)' }),
        access_token: z.string().optional().meta({ description: 'the API key’s secret, or a user’s access token alone' }),
      }),
    },
    responses: {
      101: { description: 'switching protocols: binary tick packets and JSON text messages, as Kite sends them' },
      426: NOT_AN_UPGRADE,
    },
    'x-refused-credentials-status': 403,
  }),
  answerLikeKite,
  requires(scope('read'), { limit: 'refused' }),
  (c) => toHub(c, 'kite'),
);

/** `?format=` of a /v2/ws upgrade: json when absent; anything else but binary is refused before the upgrade. */
function tickFormatOf(c: Context<AuthEnv>): TickFormat {
  const given = c.req.queries('format') ?? [];
  if (given.length > 1) throw new InvalidParameter('format', 'must be given once');
  const parsed = TickFormat.safeParse(given[0] ?? 'json');
  if (!parsed.success) throw new InvalidParameter('format', `must be json or binary, not ${JSON.stringify(given[0]).slice(0, 40)}`);
  return parsed.data;
}

async function toHub(c: Context<AuthEnv>, protocol: 'v2' | 'kite', format: TickFormat = 'json'): Promise<Response> {
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    c.header('Upgrade', 'websocket');
    return errorResponse(c, 426, 'upgrade_required', `${c.req.path} is a WebSocket: connect with Upgrade: websocket`);
  }
  const principal = principalOf(c);
  const headers = new Headers({ Upgrade: 'websocket', [SESSION_HEADERS.user]: principal.userId, [SESSION_HEADERS.protocol]: protocol });
  if (principal.keyId) headers.set(SESSION_HEADERS.key, principal.keyId);
  if (format === 'binary') headers.set(SESSION_HEADERS.format, format);
  if (principal.epoch !== undefined) headers.set(SESSION_HEADERS.epoch, String(principal.epoch));
  if (principal.expiresAt !== undefined) headers.set(SESSION_HEADERS.expires, String(principal.expiresAt));
  const resume = c.req.query('resume');
  if (resume && /^[0-9a-f-]{36}$/.test(resume)) headers.set(SESSION_HEADERS.resume, resume);
  const offered = (c.req.header('Sec-WebSocket-Protocol') ?? '').split(',').map((p) => p.trim());
  // A browser that offered subprotocols (say, to carry its credential) fails unless the answer names one of them.
  if (protocol === 'v2' && offered.includes(V2_SUBPROTOCOL)) headers.set(SESSION_HEADERS.subprotocol, V2_SUBPROTOCOL);
  return sessionHubOf(c.env, principal.userId, hubConfig(c.env).shards).fetch(new Request(c.req.url, { headers }));
}
