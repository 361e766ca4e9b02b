import { Backoff, type BackoffPolicy } from '../../contracts/backoff.ts';
import {
  type CandleStreamKey,
  type ChainStreamKey,
  type GroupStatus,
  GroupToHub,
  HUB_LINK_PATH,
  HUB_NAME_HEADER,
  type HubToGroup,
} from '../../contracts/hub-link.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import { type Demand, decodeTickBatch, readLinkFrame, type TickBatch } from '../../contracts/origin-link.ts';

/**
 * A hub's link to one InstrumentGroup (contracts/hub-link.ts), kept open
 * while any of the hub's sessions holds an instrument of the group:
 * reconnects with capped, jittered backoff, and after each (re)connect says
 * the hub's whole want again, so a group restart costs the sessions nothing
 * but the ticks of the gap. Between connects it sends only what changed,
 * coalesced: however many subscriptions change in one turn, the group gets
 * one `change`.
 */
export type UplinkEvents = {
  /** Live ticks (kind 1) or the answer to a snapshot request (kind 2, with the tokens that were asked). */
  batch(batch: TickBatch, asked: readonly number[] | undefined): void;
  status(status: GroupStatus): void;
  /** The link dropped (it reconnects by itself); `reason` for the sessions' status. */
  lost(reason: string): void;
  /** What the hub wants of this group now, and which tokens still wait for a snapshot. */
  want(): { tokens: Demand; snapshot: number[] };
  /** What moved in the hub's want since the group last heard, and which tokens wait for a snapshot. */
  change(): { set: Demand; drop: number[]; snapshot: number[] };
  /** The chain streams the hub holds on this group, named whole after each connect and on `syncChains`. */
  chains(): ChainStreamKey[];
  /** A chain frame of one of those streams. */
  chain(frame: Extract<GroupToHub, { type: 'chain' | 'chain_update' }>): void;
  /** The candle streams the hub holds on this group, named whole after each connect and on `syncCandles`. */
  candles(): CandleStreamKey[];
  /** A candle of one of those streams. */
  candle(frame: Extract<GroupToHub, { type: 'candle' }>): void;
};

/** What the hub needs of the group's stub: its fetch, which carries the WebSocket upgrade. */
export type GroupFetcher = { fetch(input: string, init?: RequestInit): Promise<Response> };

/** Reconnects to a group: 0.1 s doubling to 5 s, equal jitter (never sooner than half of that). */
export const GROUP_RECONNECT: BackoffPolicy = { baseMs: 100, maxMs: 5_000, jitter: 'equal' };

export class GroupUplink {
  readonly group: GroupKey;
  /** A fresh stub per connect: a stub of an object that reset keeps failing. */
  readonly #stub: () => GroupFetcher;
  readonly #hub: string;
  readonly #events: UplinkEvents;
  #socket: WebSocket | undefined;
  #connecting = false;
  #closed = false;
  readonly #backoff = new Backoff(GROUP_RECONNECT);
  #retry: ReturnType<typeof setTimeout> | undefined;
  #wantQueued = false;
  /** Snapshot requests sent and not yet answered, oldest first (the group answers in order). */
  readonly #asked: number[][] = [];

  constructor(group: GroupKey, hub: string, stub: () => GroupFetcher, events: UplinkEvents) {
    this.group = group;
    this.#hub = hub;
    this.#stub = stub;
    this.#events = events;
    void this.#connect();
  }

  get connected(): boolean {
    return this.#socket !== undefined;
  }

  /** Sends what changed in the hub's want (and snapshot requests) once this turn's changes are in. */
  sync(): void {
    if (this.#wantQueued || this.#closed) return;
    this.#wantQueued = true;
    queueMicrotask(() => {
      this.#wantQueued = false;
      // Unconnected, nothing is taken: the connect sends the whole want.
      if (this.#socket) this.#send(this.#socket, { type: 'change', ...this.#events.change() });
    });
  }

  /** Names the hub's chain streams to the group again (they changed). Unconnected, the connect names them. */
  syncChains(): void {
    if (this.#socket) this.#send(this.#socket, { type: 'chains', streams: this.#events.chains() });
  }

  /** Names the hub's candle streams to the group again (they changed). Unconnected, the connect names them. */
  syncCandles(): void {
    if (this.#socket) this.#send(this.#socket, { type: 'candles', streams: this.#events.candles() });
  }

  close(): void {
    this.#closed = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    try {
      this.#socket?.close(1000, 'the hub no longer needs this group');
    } catch {
      // Already closed.
    }
    this.#socket = undefined;
  }

  #send(socket: WebSocket, frame: HubToGroup): void {
    if (frame.type === 'chains' || frame.type === 'candles') {
      try {
        socket.send(JSON.stringify(frame));
      } catch {
        // The close event reconnects and names the streams again.
      }
      return;
    }
    if (frame.type === 'change' && frame.drop.length === 0 && frame.snapshot.length === 0 && Object.keys(frame.set).length === 0) return;
    try {
      socket.send(JSON.stringify(frame));
      if (frame.snapshot.length > 0) this.#asked.push(frame.snapshot);
    } catch {
      // The close event reconnects and sends the whole want again.
    }
  }

  async #connect(): Promise<void> {
    if (this.#connecting || this.#closed) return;
    this.#connecting = true;
    try {
      const response = await this.#stub().fetch(`https://group${HUB_LINK_PATH}`, { headers: { Upgrade: 'websocket', [HUB_NAME_HEADER]: this.#hub } });
      const socket = response.webSocket;
      if (!socket) throw new Error(`the group answered ${response.status}: ${await response.text()}`);
      // The runtime's default is Blob, which would need an await per batch and could reorder them.
      socket.binaryType = 'arraybuffer';
      socket.accept();
      if (this.#closed) {
        socket.close(1000, 'the hub no longer needs this group');
        return;
      }
      this.#socket = socket;
      this.#backoff.reset();
      this.#asked.length = 0;
      socket.addEventListener('message', (event) => this.#onMessage(event.data));
      socket.addEventListener('close', () => this.#onClose(socket, 'the edge lost its link to the group; reconnecting'));
      socket.addEventListener('error', () => this.#onClose(socket, 'the edge lost its link to the group; reconnecting'));
      this.#send(socket, { type: 'want', ...this.#events.want() });
      const streams = this.#events.chains();
      if (streams.length > 0) this.#send(socket, { type: 'chains', streams });
      const candles = this.#events.candles();
      if (candles.length > 0) this.#send(socket, { type: 'candles', streams: candles });
    } catch (error) {
      console.warn(`hub ${this.#hub}: link to ${this.group} failed: ${String(error)}`);
      this.#scheduleRetry();
    } finally {
      this.#connecting = false;
    }
  }

  #onMessage(data: unknown): void {
    if (typeof data === 'string') {
      const read = readLinkFrame(GroupToHub, data);
      if (!('frame' in read)) console.error(`hub ${this.#hub}: bad frame from ${this.group}: ${read.problem}`);
      else if (read.frame.type === 'status') this.#events.status(read.frame);
      else if (read.frame.type === 'candle') this.#events.candle(read.frame);
      else this.#events.chain(read.frame);
      return;
    }
    let batch: TickBatch;
    try {
      batch = decodeTickBatch(data as ArrayBuffer);
    } catch (error) {
      console.error(`hub ${this.#hub}: bad batch from ${this.group}: ${String(error)}`);
      return;
    }
    this.#events.batch(batch, batch.kind === 2 ? this.#asked.shift() : undefined);
  }

  #onClose(socket: WebSocket, reason: string): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    if (this.#closed) return;
    this.#events.lost(reason);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    this.#retry = setTimeout(() => void this.#connect(), this.#backoff.next());
  }
}
