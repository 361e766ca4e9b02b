import { FENCING_TOKEN_HEADER } from '../contracts/origin-lease.ts';
import { type FeedToOrigin, type GroupToOrigin, LINK_CLOSE_FENCED, LINK_CLOSE_REPLACED, LINK_SUBPROTOCOL } from '../contracts/origin-link.ts';

/**
 * The origin's end of a link inside a Durable Object, shared by FeedControl
 * and InstrumentGroup: accepted through the Hibernation API with the tag
 * `origin`, one at a time (a newer link closes the older: with 4001 when it
 * carries the same fencing token, 4002 when a newer one), and the moment it
 * connected and its fencing token kept in the socket's attachment so they
 * survive hibernation. The worker has already checked the secret, the
 * subprotocol and that the fencing token is a number
 * (edge/origin/link-auth.ts) before handing the request here; whether it is
 * the current lease's is the object's to decide.
 */
export const ORIGIN_TAG = 'origin';

type LinkAttachment = { connectedAt: number; token: number };

/** `fenced`: the link carried a stale token and is already closing; nothing is to be sent on it. */
export type AcceptedLink = { socket: WebSocket; response: Response; fenced: boolean };

/** The fencing token the link's upgrade carries (the worker refused a request without a well-formed one). */
function requestFencingToken(request: Request): number {
  return Number(request.headers.get(FENCING_TOKEN_HEADER));
}

/**
 * Accepts the upgrade in `request` as the object's origin link, or answers
 * 426 when it is not one. `current` is the current lease's token (null when
 * no lease is held): a link with another token is accepted only to be
 * closed at once with 4002, so the origin reads why, and the link already
 * open stays.
 */
export function acceptOriginLink(ctx: DurableObjectState, request: Request, current: number | null): AcceptedLink | Response {
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
    return new Response('expected a WebSocket upgrade', { status: 426, headers: { Upgrade: 'websocket' } });
  }
  const token = requestFencingToken(request);
  const { 0: client, 1: server } = new WebSocketPair();
  const response = new Response(null, { status: 101, webSocket: client, headers: { 'Sec-WebSocket-Protocol': LINK_SUBPROTOCOL } });
  if (token !== current) {
    server.accept();
    fenceLink(server, token, current);
    return { socket: server, response, fenced: true };
  }
  for (const older of ctx.getWebSockets(ORIGIN_TAG)) {
    const olderToken = linkToken(older);
    if (olderToken !== null && olderToken < token) fenceLink(older, olderToken, token);
    else closeQuietly(older, LINK_CLOSE_REPLACED, 'replaced by a newer link');
  }
  ctx.acceptWebSocket(server, [ORIGIN_TAG]);
  server.serializeAttachment({ connectedAt: Date.now(), token } satisfies LinkAttachment);
  return { socket: server, response, fenced: false };
}

/** Closes an origin link whose fencing token is not the current lease's (4002). */
export function fenceLink(socket: WebSocket, token: number, current: number | null): void {
  const why = current === null ? 'no origin holds the lease' : `the current lease's token is ${current}`;
  closeQuietly(socket, LINK_CLOSE_FENCED, `fencing token ${token} refused: ${why}`);
}

/** The fencing token a link was accepted with (null for a socket accepted before tokens existed, or not an origin link). */
export function linkToken(socket: WebSocket): number | null {
  const attachment = socket.deserializeAttachment() as Partial<LinkAttachment> | null;
  return attachment?.token ?? null;
}

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closing or closed.
  }
}

/** The open origin link, if any (a replaced one that is still closing does not count). */
export function openOriginLink(ctx: DurableObjectState): WebSocket | undefined {
  return ctx.getWebSockets(ORIGIN_TAG).find((socket) => socket.readyState === WebSocket.OPEN);
}

export function linkConnectedAt(socket: WebSocket | undefined): number | null {
  const attachment = socket?.deserializeAttachment() as LinkAttachment | null | undefined;
  return attachment?.connectedAt ?? null;
}

/** Sends one JSON frame; false when the socket can no longer send. */
export function sendFrame(socket: WebSocket | undefined, frame: GroupToOrigin | FeedToOrigin): boolean {
  if (!socket) return false;
  try {
    socket.send(JSON.stringify(frame));
    return true;
  } catch {
    return false;
  }
}

/** Completes the close handshake the origin started, echoing its code (a no-op where the runtime already did). */
export function finishClose(socket: WebSocket, code: number, reason: string): void {
  // 1005 (no code), 1006 (dropped) and 1015 (TLS) are never sent on the wire.
  const echo = code === 1005 || code === 1006 || code === 1015 ? undefined : code;
  try {
    socket.close(echo, echo === undefined ? undefined : reason);
  } catch {
    // Already closed.
  }
}
