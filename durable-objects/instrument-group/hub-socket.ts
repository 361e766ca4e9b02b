import { type GroupToHub, HUB_NAME_HEADER } from '../../contracts/hub-link.ts';

/**
 * The hubs' ends of their links inside an InstrumentGroup (contracts/hub-link.ts):
 * accepted through the Hibernation API with the tag `hub` and the hub's name
 * in the attachment, one per hub (a newer link from the same hub closes the
 * older), so the group can tell them from its origin link after hibernating.
 *
 * Every origin batch is forwarded to every linked hub, several thousand times
 * a second across the groups, so the runtime is not asked for the sockets
 * (nor each one's attachment read) per batch: the links are listed once and
 * kept in memory until one is accepted or closes; a fresh instance (after
 * hibernation) lists them again from the runtime (README, Benchmarks).
 */
export const HUB_TAG = 'hub';
const hubTag = (name: string) => `hub:${name}`;
const HUB_NAME = /^[A-Za-z0-9:._-]{1,64}$/;

type HubAttachment = { hub: string };

export type HubLink = { socket: WebSocket; hub: string };

export class HubLinks {
  readonly #ctx: DurableObjectState;
  /** The links as last listed; undefined until listed, and after any change. */
  #links: HubLink[] | undefined;
  /** Which hub each socket of the object belongs to (null: the origin link), read from its attachment once. */
  readonly #hubOf = new WeakMap<WebSocket, string | null>();

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  /** Accepts a hub's link request, or answers 400/426 when it is not one. */
  accept(request: Request): { socket: WebSocket; hub: string; response: Response } | Response {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket')
      return new Response('expected a WebSocket upgrade', { status: 426, headers: { Upgrade: 'websocket' } });
    const hub = request.headers.get(HUB_NAME_HEADER) ?? '';
    if (!HUB_NAME.test(hub)) return new Response(`${HUB_NAME_HEADER} must name the hub (1-64 of A-Z a-z 0-9 : . _ -)`, { status: 400 });
    for (const older of this.#ctx.getWebSockets(hubTag(hub))) {
      try {
        older.close(1000, 'replaced by a newer link from the same hub');
      } catch {
        // Already closing.
      }
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.#ctx.acceptWebSocket(server, [HUB_TAG, hubTag(hub)]);
    server.serializeAttachment({ hub } satisfies HubAttachment);
    this.#hubOf.set(server, hub);
    this.#links = undefined;
    return { socket: server, hub, response: new Response(null, { status: 101, webSocket: client }) };
  }

  /** The hub a socket belongs to, or undefined for the origin link. */
  hubOf(socket: WebSocket): string | undefined {
    let hub = this.#hubOf.get(socket);
    if (hub === undefined) {
      const attachment = socket.deserializeAttachment() as Partial<HubAttachment> | null;
      hub = typeof attachment?.hub === 'string' ? attachment.hub : null;
      this.#hubOf.set(socket, hub);
    }
    return hub ?? undefined;
  }

  /** A link closed or failed: the next `open()` lists them again. */
  closed(): void {
    this.#links = undefined;
  }

  /** Whether another open link of the same hub exists (a replaced link closing must not take the hub's demand with it). */
  stillLinked(hub: string, closing: WebSocket): boolean {
    return this.#ctx.getWebSockets(hubTag(hub)).some((socket) => socket !== closing && socket.readyState === WebSocket.OPEN);
  }

  /** The open links (one closing under us is skipped; its close event comes next). */
  open(): readonly HubLink[] {
    this.#links ??= this.#ctx.getWebSockets(HUB_TAG).map((socket) => ({ socket, hub: this.hubOf(socket) ?? '' }));
    return this.#links.filter((link) => link.socket.readyState === WebSocket.OPEN);
  }
}

/** Sends one frame to a hub; a hub whose socket is gone reconnects on its own. */
export function sendToHub(socket: WebSocket, frame: GroupToHub | Uint8Array): void {
  try {
    socket.send(frame instanceof Uint8Array ? frame : JSON.stringify(frame));
  } catch {
    // Closed under us; its close event cleans up.
  }
}

/** One frame's JSON, stringified once by the caller, to each of `links` whose hub is in `hubs` (a stream's hubs). */
export function sendTextToHubs(links: readonly HubLink[], hubs: ReadonlySet<string>, text: string): void {
  for (const { socket, hub } of links) {
    if (!hubs.has(hub)) continue;
    try {
      socket.send(text);
    } catch {
      // The hub reconnects and names its streams again.
    }
  }
}
