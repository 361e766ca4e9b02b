import type { GroupKey } from '../../contracts/instrument-group.ts';
import type { Demand, TickMode } from '../../contracts/origin-link.ts';
import { type AccountToken, ConnectionPool, type PoolAccount } from '../kite/connection-pool.ts';
import type { GroupIndex } from '../registry/group-index.ts';
import { DemandBook } from './demand-book.ts';
import type { EdgeLinkAuth } from './edge-socket.ts';
import { FeedLink, type FeedLinkOptions } from './feed-link.ts';
import { type FeedState, feedStateOf, STARTING } from './feed-state.ts';
import { GroupLink } from './group-link.ts';
import { TickRouter } from './tick-router.ts';

/**
 * The origin's tick path, top to bottom: Kite frames from the connection
 * pool are split by instrument group and go down each group's link as one
 * batch per Kite frame; demand comes up the group links, is merged with the
 * pinned set and handed to the pool; what the pool cannot place goes back
 * to the group as a `capacity` frame. The feed link says which groups to
 * link at all. One OriginFeed lives for one active term of this origin
 * (lease/origin-role.ts): it is made when the origin takes the lease and
 * stopped when it loses it; nothing reaches Kite or the edge unless
 * `link.permit()` says the lease still holds.
 */
export type OriginFeedOptions = {
  accounts: readonly PoolAccount[];
  tickerRoot: string;
  edgeRoot: string;
  link: EdgeLinkAuth;
  pinned: () => ReadonlyMap<number, TickMode>;
  index: () => GroupIndex;
  /** The edge's backfill requests (origin-ticker/history/); answered on the feed link. */
  onBackfill: FeedLinkOptions['onBackfill'];
  log: (line: string) => void;
  connectionsPerKey?: number;
  instrumentsPerConnection?: number;
  silenceMs?: number;
};

export class OriginFeed {
  readonly pool: ConnectionPool;
  readonly #book: DemandBook;
  readonly #links = new Map<GroupKey, GroupLink>();
  readonly #feed: FeedLink;
  readonly #options: OriginFeedOptions;
  /** Groups the edge last said have demand. */
  #edgeGroups = new Set<GroupKey>();
  #rejected = new Map<number, string>();
  /** What the pool was last given: the book hands back the same map until demand changes. */
  #placed: ReadonlyMap<number, TickMode> | undefined;
  #feedState: FeedState = STARTING;
  readonly #router: TickRouter;
  /** Refusals by group for the next resubscribe, which is due when `#resubscribing` is set. */
  #refusals = new Map<GroupKey, Map<number, string>>();
  #resubscribing: NodeJS.Immediate | undefined;
  /**
   * Groups last sent an empty `capacity` frame over a link that was up:
   * they need another only once something is refused again. Each frame is a
   * write in the group object, and demand changes far more often than what
   * is refused.
   */
  readonly #toldNoneRefused = new Set<GroupKey>();

  constructor(options: OriginFeedOptions) {
    this.#options = options;
    this.#book = new DemandBook(options.pinned, options.index);
    this.#router = new TickRouter(
      (token) => options.index().groupOf(token),
      (group) => this.#links.get(group),
      options.log,
    );
    this.pool = new ConnectionPool({
      accounts: options.accounts,
      tickerRoot: options.tickerRoot,
      connectionsPerKey: options.connectionsPerKey,
      instrumentsPerConnection: options.instrumentsPerConnection,
      groupOf: (token) => options.index().groupOf(token),
      silenceMs: options.silenceMs,
      onFrame: (frame, receivedAt) => this.#router.route(frame, receivedAt),
      onStateChange: () => this.#updateFeedState(),
      log: options.log,
    });
    this.#feed = new FeedLink({
      edgeRoot: options.edgeRoot,
      auth: options.link,
      status: () => this.#status(),
      onGroups: (groups) => {
        this.#edgeGroups = new Set(groups);
        this.#syncLinks();
      },
      onBackfill: options.onBackfill,
      log: options.log,
    });
    this.#syncLinks();
  }

  setAccessToken(apiKey: string, token: AccountToken): void {
    this.pool.setAccessToken(apiKey, token);
    this.#updateFeedState();
  }

  /** After a registry sync: demand is re-checked against the new index, pinned groups re-linked, groups brought together on the Kite connections. */
  registryChanged(): void {
    const moved = this.pool.regroup();
    if (moved > 0) this.#options.log(`registry changed: ${moved} instruments moved to their group's Kite connection`);
    this.#resubscribeSoon(this.#book.revalidate());
    this.#syncLinks();
  }

  stats() {
    return {
      feed: this.#feedState,
      last_tick_at: this.#router.lastTickAt,
      wanted: this.#book.wanted().size,
      rejected: this.#rejected.size,
      malformed_frames: this.#router.malformedFrames,
      unrouted_packets: this.#router.unroutedPackets,
      accounts: this.pool.stats(),
      edge: { feed_link: this.#feed.stats(), groups: [...this.#links.values()].map((l) => l.stats()) },
    };
  }

  stop(): void {
    clearImmediate(this.#resubscribing);
    this.#feed.close();
    for (const link of this.#links.values()) link.close();
    this.pool.stop();
  }

  #onDemand(group: GroupKey, demand: Demand): void {
    this.#resubscribeSoon(new Map([[group, this.#book.setGroup(group, demand)]]));
  }

  /**
   * Demand comes in bursts: every group object sends its own as its link
   * opens, hundreds at a start. One resubscribe at the end of the event
   * loop's turn takes the whole burst, instead of one merge of the wanted
   * set (thousands of instruments) per message.
   */
  #resubscribeSoon(refused = new Map<GroupKey, Map<number, string>>()): void {
    for (const [group, tokens] of refused) this.#refusals.set(group, tokens);
    this.#resubscribing ??= setImmediate(() => {
      this.#resubscribing = undefined;
      const refusals = this.#refusals;
      this.#refusals = new Map();
      this.#resubscribe(refusals);
    });
  }

  /** Hands the merged demand to the pool and tells each group what it could not have. */
  #resubscribe(refusedByGroup: Map<GroupKey, Map<number, string>>): void {
    if (!this.#options.link.permit()) return;
    const wanted = this.#book.wanted();
    const rejected = wanted === this.#placed ? this.#rejected : this.pool.setWanted(wanted);
    this.#placed = wanted;
    const before = this.#rejected;
    this.#rejected = rejected;
    if (rejected.size && rejected.size !== before.size) {
      this.#options.log(`Kite capacity exceeded: ${rejected.size} wanted instruments not subscribed (capacity ${this.pool.capacity})`);
    }
    const index = this.#options.index();
    for (const [group, link] of this.#links) {
      const list = [...(refusedByGroup.get(group) ?? new Map<number, string>())].map(([token, reason]) => ({ token, reason }));
      for (const token of this.#book.groupDemand(group).keys()) {
        const reason = rejected.get(token);
        if (reason && index.groupOf(token) === group) list.push({ token, reason });
      }
      const hadRejections = [...before.keys()].some((t) => index.groupOf(t) === group);
      // New demand with nothing refused is answered only when the object may still hold a report of refusals (from this origin or an earlier one).
      const stale = refusedByGroup.has(group) && !this.#toldNoneRefused.has(group);
      if (!list.length && !hadRejections && !stale) continue;
      link.sendCapacity(list);
      if (!list.length && link.stats().connected) this.#toldNoneRefused.add(group);
      else this.#toldNoneRefused.delete(group);
    }
  }

  #syncLinks(): void {
    this.#router.forget();
    const wanted = new Set([...this.#edgeGroups, ...this.#book.pinnedGroups()]);
    for (const [group, link] of this.#links) {
      if (wanted.has(group)) continue;
      link.close();
      this.#links.delete(group);
      this.#toldNoneRefused.delete(group);
      this.#book.dropGroup(group);
    }
    for (const group of wanted) {
      if (this.#links.has(group)) continue;
      this.#links.set(
        group,
        new GroupLink({
          edgeRoot: this.#options.edgeRoot,
          group,
          auth: this.#options.link,
          onDemand: (g, demand) => this.#onDemand(g, demand),
          feedState: () => this.#feedState,
          log: this.#options.log,
        }),
      );
    }
    this.#resubscribeSoon();
  }

  /** One state for the whole feed (feed-state.ts), sent on every change. */
  #updateFeedState(): void {
    const next = feedStateOf(
      this.pool.stats().flatMap((a) => a.connections),
      this.#feedState,
    );
    if (next.state === this.#feedState.state && next.reason === this.#feedState.reason) return;
    this.#feedState = next;
    this.#options.log(`Kite feed ${next.state}${next.reason ? `: ${next.reason}` : ''}`);
    for (const link of this.#links.values()) link.sendFeedState();
    this.#feed.sendStatus();
  }

  #status() {
    const accounts = this.pool.stats();
    const expiries = accounts
      .map((a) => a.token_expires_at)
      .filter((t): t is string => t !== null)
      .sort();
    return {
      state: this.#feedState.state,
      reason: this.#feedState.reason,
      last_tick_at: this.#router.lastTickAt,
      instruments: this.#book.wanted().size - this.#rejected.size,
      token_expires_at: expiries[0] ?? null,
    };
  }
}
