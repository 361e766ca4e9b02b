import { type FeedToOrigin, type GroupToOrigin, LINK_CLOSE_REPLACED, LINK_SUBPROTOCOL } from '../contracts/origin-link.ts';

/**
 * The origin's end of a link inside a Durable Object, shared by FeedControl
 * and InstrumentGroup: accepted through the Hibernation API with the tag
 * `origin`, one at a time (a newer link closes the older with 4001), and the
 * moment it connected kept in the socket's attachment so it survives
 * hibernation. The worker has already checked the secret and the
 * subprotocol (edge/origin/link-auth.ts) before handing the request here.
 */
export const ORIGIN_TAG = 'origin';

type LinkAttachment = { connectedAt: number };

export type AcceptedLink = { socket: WebSocket; response: Response };

/** Accepts the upgrade in `request` as the object's origin link, or answers 426 when it is not one. */
export function acceptOriginLink(ctx: DurableObjectState, request: Request): AcceptedLink | Response {
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
    return new Response('expected a WebSocket upgrade', { status: 426, headers: { Upgrade: 'websocket' } });
  }
  for (const older of ctx.getWebSockets(ORIGIN_TAG)) {
    try {
      older.close(LINK_CLOSE_REPLACED, 'replaced by a newer link');
    } catch {
      // Already closing or closed.
    }
  }
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server, [ORIGIN_TAG]);
  server.serializeAttachment({ connectedAt: Date.now() } satisfies LinkAttachment);
  const response = new Response(null, { status: 101, webSocket: client, headers: { 'Sec-WebSocket-Protocol': LINK_SUBPROTOCOL } });
  return { socket: server, response };
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
