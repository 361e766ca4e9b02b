import type { FeedState } from '../../contracts/client-protocol.ts';
import type { GroupStatus } from '../../contracts/hub-link.ts';
import { packetToken } from '../../contracts/kite-ticks/packet-layout.ts';
import { encodeTickBatch, SNAPSHOT_BATCH_KIND } from '../../contracts/origin-link.ts';
import type { ConsumerDemand } from './demand-index.ts';
import type { HeldPacket } from './held-packets.ts';
import { type HubLinks, sendToHub } from './hub-socket.ts';

/**
 * What a group sends its SessionHubs (contracts/hub-link.ts): each origin
 * batch cut to what each hub wants, the latest packets a hub asks a
 * snapshot of, and the group's feed status when it moved. A hub that links
 * while the group has nothing to say of its feed yet (feed-status.ts) hears
 * the first status there is.
 */
export class HubFanOut {
  readonly #hubs: HubLinks;
  /** The feed state hubs were last told (undefined until the first is told after a start). */
  #told: { state: FeedState; reason?: string } | undefined;
  /** Hubs linked since, not told the status yet. */
  readonly #untold = new Set<WebSocket>();

  constructor(hubs: HubLinks) {
    this.#hubs = hubs;
  }

  /**
   * One batch per hub with the packets it wants (`wantsOf`), in the richest
   * mode the group holds them: the origin's own batch when the hub wants all
   * of it (the common case once a hub has many sessions), else a new one.
   */
  forward(wantsOf: (hub: string) => ConsumerDemand, original: ArrayBuffer, receivedAt: number, packets: readonly Uint8Array[]): void {
    for (const { socket, hub } of this.#hubs.open()) {
      const wants = wantsOf(hub);
      if (wants.size === 0) continue;
      const wanted = packets.filter((packet) => wants.has(packetToken(packet)));
      if (wanted.length === packets.length) sendToHub(socket, new Uint8Array(original));
      else if (wanted.length > 0) sendToHub(socket, encodeTickBatch(receivedAt, wanted));
    }
  }

  /** Answers a hub's snapshot request: the latest packet of each token the group holds, as one batch. */
  snapshot(socket: WebSocket, tokens: readonly number[], latest: (token: number) => HeldPacket | undefined): void {
    const held: Uint8Array[] = [];
    let newest = 0;
    for (const token of tokens) {
      const entry = latest(token);
      if (!entry) continue;
      held.push(entry.packet);
      newest = Math.max(newest, entry.receivedAt);
    }
    sendToHub(socket, encodeTickBatch(newest || Date.now(), held, SNAPSHOT_BATCH_KIND));
  }

  /** A hub just linked: it is told the status now, or with the first there is. */
  welcome(socket: WebSocket, status: GroupStatus | undefined): void {
    if (status) sendToHub(socket, status);
    else this.#untold.add(socket);
  }

  /** Tells every hub the status when it changed since they were last told, and the hubs not told yet in any case. */
  tell(status: GroupStatus | undefined): void {
    if (!status) return;
    const untold = [...this.#untold];
    this.#untold.clear();
    if (this.#told?.state === status.state && this.#told.reason === status.reason) {
      for (const socket of untold) sendToHub(socket, status);
      return;
    }
    this.#told = { state: status.state, ...(status.reason === undefined ? {} : { reason: status.reason }) };
    for (const { socket } of this.#hubs.open()) sendToHub(socket, status);
  }
}
