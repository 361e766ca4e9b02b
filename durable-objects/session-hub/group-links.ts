import type { CandleStreamKey, ChainStreamKey, GroupStatus, GroupToHub } from '../../contracts/hub-link.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import type { TickBatch } from '../../contracts/origin-link.ts';
import { type GroupFetcher, GroupUplink } from './group-uplink.ts';
import type { SubscriptionIndex } from './subscription-index.ts';

/**
 * A hub's links to its InstrumentGroups: one GroupUplink per group its
 * sessions hold instruments of, opened at the first and closed with the
 * last; the snapshot requests waiting to go out on each; and the feed
 * status each group last sent. What a link carries is the index's want of
 * the group (subscription-index.ts).
 */
export type GroupFeedStatus = { state: GroupStatus['state']; reason?: string };

export type GroupLinkEvents = {
  /** Live ticks (kind 1) or the answer to a snapshot request (kind 2, with the tokens that were asked). */
  batch(batch: TickBatch, asked: readonly number[] | undefined): void;
  /** A group's feed state or its reason moved (a first `live` is no move: sessions assume it). */
  statusMoved(group: GroupKey, status: GroupFeedStatus): void;
  /** A link dropped (it reconnects by itself): ask again (`askFor`) what its sessions still wait for. */
  lost(group: GroupKey): void;
  /** The chain streams the hub holds on a group (hub-chains.ts): a group with some keeps its link. */
  chainsOf(group: GroupKey): ChainStreamKey[];
  chain(group: GroupKey, frame: Extract<GroupToHub, { type: 'chain' | 'chain_update' }>): void;
  /** The candle streams the hub holds on a group (hub-candles.ts): a group with some keeps its link. */
  candlesOf(group: GroupKey): CandleStreamKey[];
  candle(group: GroupKey, frame: Extract<GroupToHub, { type: 'candle' }>): void;
};

export class GroupLinks {
  readonly #hub: string;
  readonly #index: SubscriptionIndex;
  readonly #stub: (group: GroupKey) => GroupFetcher;
  readonly #events: GroupLinkEvents;
  readonly #uplinks = new Map<GroupKey, GroupUplink>();
  readonly #status = new Map<GroupKey, GroupFeedStatus>();
  /** Tokens to ask each group's snapshot of, with the next `want` or `change`. */
  readonly #ask = new Map<GroupKey, Set<number>>();

  constructor(hub: string, index: SubscriptionIndex, stub: (group: GroupKey) => GroupFetcher, events: GroupLinkEvents) {
    this.#hub = hub;
    this.#index = index;
    this.#stub = stub;
    this.#events = events;
  }

  /** Opens the group's link unless it is open. */
  ensure(group: GroupKey): void {
    if (this.#uplinks.has(group)) return;
    const uplink = new GroupUplink(group, this.#hub, () => this.#stub(group), {
      want: () => ({ tokens: this.#index.takeWant(group), snapshot: this.#takeAsks(group) }),
      change: () => ({ ...this.#index.takeChanges(group), snapshot: this.#takeAsks(group) }),
      batch: (batch, asked) => this.#events.batch(batch, asked),
      chains: () => this.#events.chainsOf(group),
      chain: (frame) => this.#events.chain(group, frame),
      candles: () => this.#events.candlesOf(group),
      candle: (frame) => this.#events.candle(group, frame),
      status: (status) => this.#setStatus(group, { state: status.state, ...(status.reason === undefined ? {} : { reason: status.reason }) }),
      lost: (reason) => {
        // Whatever was asked on the lost link is asked again on the next.
        this.#events.lost(group);
        this.#setStatus(group, { state: 'stale', reason });
      },
    });
    this.#uplinks.set(group, uplink);
  }

  /** Tells the group what changed in the hub's want; closes its link when no session holds any of its instruments. */
  sync(group: GroupKey): void {
    const uplink = this.#uplinks.get(group);
    if (!uplink) return;
    if (!this.#index.wants(group) && this.#events.chainsOf(group).length === 0 && this.#events.candlesOf(group).length === 0) {
      uplink.close();
      this.#uplinks.delete(group);
      this.#status.delete(group);
      this.#ask.delete(group);
      return;
    }
    uplink.sync();
  }

  /** The hub's chain streams on a group changed: its link opens (if need be) and names them, or closes with the last. */
  syncChains(group: GroupKey): void {
    this.ensure(group);
    this.#uplinks.get(group)?.syncChains();
    this.sync(group);
  }

  /** The hub's candle streams on a group changed: its link opens (if need be) and names them, or closes with the last. */
  syncCandles(group: GroupKey): void {
    this.ensure(group);
    this.#uplinks.get(group)?.syncCandles();
    this.sync(group);
  }

  /** Asks the group for the token's latest packet with the next message on its link. */
  askFor(group: GroupKey, token: number): void {
    let ask = this.#ask.get(group);
    if (!ask) {
      ask = new Set();
      this.#ask.set(group, ask);
    }
    ask.add(token);
  }

  statusOf(group: GroupKey): GroupFeedStatus | undefined {
    return this.#status.get(group);
  }

  list(): { group: string; connected: boolean; state: string | undefined }[] {
    return [...this.#uplinks.values()].map((u) => ({ group: u.group, connected: u.connected, state: this.#status.get(u.group)?.state }));
  }

  #takeAsks(group: GroupKey): number[] {
    const asks = [...(this.#ask.get(group) ?? [])];
    this.#ask.delete(group);
    return asks;
  }

  /** A new reason is news too: a feed that stays down but for another reason (Kite's token expired, say) is told so. */
  #setStatus(group: GroupKey, status: GroupFeedStatus): void {
    const before = this.#status.get(group);
    this.#status.set(group, status);
    if (before === undefined ? status.state === 'live' : before.state === status.state && before.reason === status.reason) return;
    this.#events.statusMoved(group, status);
  }
}
