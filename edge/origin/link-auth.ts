import type { Context, Next } from 'hono';
import { FENCING_TOKEN_HEADER, FencingToken } from '../../contracts/origin-lease.ts';
import { LINK_SUBPROTOCOL } from '../../contracts/origin-link.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { errorResponse } from '../errors.ts';

/**
 * Who may use the origin link: whoever presents
 * `Authorization: Bearer <ORIGIN_LINK_SECRET>`, and nobody else (a user's
 * access token or API key is just a wrong secret here). The comparison hashes both
 * sides first and compares the digests with the runtime's timingSafeEqual,
 * so neither the content nor the length of the secret leaks through timing.
 * With no secret configured every route behind this answers 503.
 */
export async function requireOriginSecret<E extends { Bindings: Cloudflare.Env }>(c: Context<E>, next: Next): Promise<Response | undefined> {
  const secret = edgeConfig(c.env).originLinkSecret;
  if (secret === undefined) {
    return errorResponse(c, 503, 'config_invalid', 'the origin link is not configured: ORIGIN_LINK_SECRET is not set', {
      problems: [{ variable: 'ORIGIN_LINK_SECRET', problem: 'is not set: the /origin routes are off' }],
    });
  }
  const presented = bearerToken(c.req.header('Authorization'));
  if (presented === undefined || !(await sameSecret(presented, secret))) {
    c.header('WWW-Authenticate', 'Bearer realm="kite-edge origin link"');
    const message = presented === undefined ? 'send Authorization: Bearer <ORIGIN_LINK_SECRET>' : 'the bearer token is not the origin link secret';
    return errorResponse(c, 401, 'unauthorized', message);
  }
  await next();
  return undefined;
}

/**
 * A link request must be a WebSocket upgrade offering this edge's link
 * subprotocol (a mismatched version is refused here, before any frame) and
 * carrying a fencing token (whether it is the current lease's is the
 * object's to say). Returns the refusal, or undefined when the request may go on.
 */
export function refuseNonLinkUpgrade(c: Context): Response | undefined {
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    c.header('Upgrade', 'websocket');
    return errorResponse(c, 426, 'upgrade_required', `this route is a WebSocket: connect with Upgrade: websocket and subprotocol ${LINK_SUBPROTOCOL}`);
  }
  const offered = (c.req.header('Sec-WebSocket-Protocol') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (!offered.includes(LINK_SUBPROTOCOL)) {
    const got = offered.length ? `offered ${offered.join(', ')}` : 'offered none';
    return errorResponse(c, 400, 'invalid_parameter', `Sec-WebSocket-Protocol: this edge speaks ${LINK_SUBPROTOCOL}; the request ${got}`, {
      param: 'Sec-WebSocket-Protocol',
    });
  }
  if (!FencingToken.safeParse(c.req.header(FENCING_TOKEN_HEADER) ?? '').success) {
    return errorResponse(c, 400, 'invalid_parameter', `${FENCING_TOKEN_HEADER}: a link carries the fencing token of the origin's lease (POST /origin/lease)`, {
      param: FENCING_TOKEN_HEADER,
    });
  }
  return undefined;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer +(\S+) *$/i);
  return match?.[1];
}

const encoder = new TextEncoder();

async function sameSecret(presented: string, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([crypto.subtle.digest('SHA-256', encoder.encode(presented)), crypto.subtle.digest('SHA-256', encoder.encode(secret))]);
  return crypto.subtle.timingSafeEqual(a, b);
}
