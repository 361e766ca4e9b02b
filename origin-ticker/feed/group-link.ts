import type { GroupKey } from '../../contracts/instrument-group.ts';
import { type Demand, GROUP_HEARTBEAT_MS, GroupToOrigin, type KiteFeedState, type OriginToGroup, readLinkFrame } from '../../contracts/origin-link.ts';
import { type EdgeLinkAuth, EdgeSocket } from './edge-socket.ts';
import { LatestPackets } from './latest-packets.ts';

/**
 * The link to one instrument group's Durable Object: tick batches down,
 * the group's demand up. While the link is down only the latest packet of
 * each instrument is kept (memory bounded by the group's instruments), and
 * those go down as one batch when it is back. A link backed up past
 * `MAX_BUFFERED_BYTES` is treated the same way: newer ticks replace older
 * ones instead of queueing. The feed state goes down on connect, on every
 * change and every GROUP_HEARTBEAT_MS: the group takes a linked origin that
 * says nothing for long for a stuck one.
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export type GroupLinkOptions = {
  edgeRoot: string;
  group: GroupKey;
  auth: EdgeLinkAuth;
  onDemand: (group: GroupKey, demand: Demand) => void;
  feedState: () => { state: KiteFeedState; reason?: string };
  log: (line: string) => void;
};

export class GroupLink {
  readonly group: GroupKey;
  readonly #socket: EdgeSocket;
  readonly #pending = new LatestPackets();
  #batches = 0;
  #packets = 0;
  #coalesced = 0;
  readonly #options: GroupLinkOptions;
  readonly #heartbeat: ReturnType<typeof setInterval>;

  constructor(options: GroupLinkOptions) {
    this.group = options.group;
    this.#options = options;
    const url = new URL(`/origin/groups/${options.group}`, options.edgeRoot.replace(/^http/, 'ws'));
    this.#socket = new EdgeSocket({
      url: url.toString(),
      auth: options.auth,
      name: `group ${options.group}`,
      onOpen: () => {
        this.sendFeedState();
        this.#flush();
      },
      onText: (text) => this.#onText(text),
      log: options.log,
    });
    this.#heartbeat = setInterval(() => this.#socket.open && this.sendFeedState(), GROUP_HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** A tick batch from the router (feed/tick-router.ts), sent as it is while the link keeps up. */
  sendBatch(batch: Uint8Array, packets: number): void {
    if (this.#socket.open && this.#pending.size === 0 && this.#socket.bufferedAmount < MAX_BUFFERED_BYTES) {
      if (this.#socket.send(batch)) {
        this.#batches++;
        this.#packets += packets;
      }
      return;
    }
    this.#coalesced += this.#pending.keep(batch);
    if (this.#socket.open && this.#socket.bufferedAmount < MAX_BUFFERED_BYTES) this.#flush();
  }

  sendFeedState(): void {
    const { state, reason } = this.#options.feedState();
    this.#sendJson({ type: 'feed', state, reason, at: Date.now() });
  }

  sendCapacity(rejected: { token: number; reason: string }[]): void {
    this.#sendJson({ type: 'capacity', rejected });
  }

  stats() {
    return {
      group: this.group,
      ...this.#socket.stats(),
      batches: this.#batches,
      packets: this.#packets,
      pending: this.#pending.size,
      coalesced: this.#coalesced,
    };
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.#socket.close();
  }

  #flush(): void {
    for (const { batch, packets } of this.#pending.drain()) {
      if (!this.#socket.send(batch)) return;
      this.#batches++;
      this.#packets += packets;
    }
  }

  #onText(text: string): void {
    const read = readLinkFrame(GroupToOrigin, text);
    if ('problem' in read) {
      this.#options.log(`group ${this.group}: ignored a frame from the edge that is not a link message: ${read.problem.slice(0, 200)}`);
      return;
    }
    const message = read.frame;
    if (message.type === 'demand') this.#options.onDemand(this.group, message.tokens);
    else this.#options.log(`group ${this.group}: edge reports ${message.code}: ${message.message}`);
  }

  #sendJson(message: OriginToGroup): void {
    this.#socket.send(JSON.stringify(message));
  }
}
