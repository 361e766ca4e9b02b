import type { Context, Next } from 'hono';
import { FENCING_TOKEN_HEADER, FencingToken } from '../../contracts/origin-lease.ts';
import { LINK_SUBPROTOCOL } from '../../contracts/origin-link.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { requireBearerSecret } from '../auth/bearer-secret.ts';
import { errorResponse } from '../errors.ts';

/** Who may use the origin link: whoever presents `Authorization: Bearer <ORIGIN_LINK_SECRET>` (auth/bearer-secret.ts). */
export function requireOriginSecret<E extends { Bindings: Cloudflare.Env }>(c: Context<E>, next: Next): Promise<Response | undefined> {
  return requireBearerSecret(c, next, {
    secret: edgeConfig(c.env).originLinkSecret,
    variable: 'ORIGIN_LINK_SECRET',
    name: 'origin link secret',
    opens: 'the origin link',
    off: 'the /origin routes are',
    realm: 'kite-edge origin link',
  });
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
