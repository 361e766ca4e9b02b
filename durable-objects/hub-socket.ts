import { HUB_NAME_HEADER, type GroupToHub } from '../contracts/hub-link.ts';

/**
 * The hubs' ends of their links inside an InstrumentGroup (contracts/hub-link.ts):
 * accepted through the Hibernation API with the tag `hub` and the hub's name
 * in the attachment, one per hub (a newer link from the same hub closes the
 * older), so the group can tell them from its origin link after hibernating.
 */
export const HUB_TAG = 'hub';
const hubTag = (name: string) => `hub:${name}`;
const HUB_NAME = /^[A-Za-z0-9:._-]{1,64}$/;

type HubAttachment = { hub: string };

/** Accepts a hub's link request, or answers 400/426 when it is not one. */
export function acceptHubLink(ctx: DurableObjectState, request: Request): { socket: WebSocket; hub: string; response: Response } | Response {
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426, headers: { Upgrade: 'websocket' } });
  const hub = request.headers.get(HUB_NAME_HEADER) ?? '';
  if (!HUB_NAME.test(hub)) return new Response(`${HUB_NAME_HEADER} must name the hub (1-64 of A-Z a-z 0-9 : . _ -)`, { status: 400 });
  for (const older of ctx.getWebSockets(hubTag(hub))) {
    try {
      older.close(1000, 'replaced by a newer link from the same hub');
    } catch {
      // Already closing.
    }
  }
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server, [HUB_TAG, hubTag(hub)]);
  server.serializeAttachment({ hub } satisfies HubAttachment);
  return { socket: server, hub, response: new Response(null, { status: 101, webSocket: client }) };
}

/** The hub a socket belongs to, or undefined for the origin link. */
export function hubOf(socket: WebSocket): string | undefined {
  const attachment = socket.deserializeAttachment() as Partial<HubAttachment> | null;
  return typeof attachment?.hub === 'string' ? attachment.hub : undefined;
}

/** Whether another open link of the same hub exists (a replaced link closing must not take the hub's demand with it). */
export function hubStillLinked(ctx: DurableObjectState, hub: string, closing: WebSocket): boolean {
  return ctx.getWebSockets(hubTag(hub)).some((socket) => socket !== closing && socket.readyState === WebSocket.OPEN);
}

export function openHubLinks(ctx: DurableObjectState): WebSocket[] {
  return ctx.getWebSockets(HUB_TAG).filter((socket) => socket.readyState === WebSocket.OPEN);
}

/** Sends one frame to a hub; a hub whose socket is gone reconnects on its own. */
export function sendToHub(socket: WebSocket, frame: GroupToHub | Uint8Array): void {
  try {
    socket.send(frame instanceof Uint8Array ? frame : JSON.stringify(frame));
  } catch {
    // Closed under us; its close event cleans up.
  }
}
