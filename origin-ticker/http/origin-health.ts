import type { KiteFeedState } from '../../contracts/origin-link.ts';
import type { OriginFeed } from '../feed/origin-feed.ts';
import type { BackfillStats } from '../history/history-backfill.ts';
import type { Role, RoleView } from '../lease/origin-role.ts';
import type { GroupIndex } from '../registry/group-index.ts';

/**
 * What `GET /health` on the origin answers (and `/metrics` reads): the
 * whole feed at a glance, from Kite's sockets to the links to the edge.
 * `status` is `ok` when Kite is live and the edge is linked, `down` when no
 * tick can flow (Kite down, or its token expired), `degraded` otherwise. A
 * standby holds no Kite connection and no link: it is `ok` while it can ask
 * the edge for the lease (ready to take over), `degraded` when it cannot.
 */
export type OriginHealth = {
  /** The candle backfill from Kite's historical API (origin-ticker/history/). */
  history: BackfillStats;
  status: 'ok' | 'degraded' | 'down';
  version: string;
  uptime_s: number;
  role: Role;
  lease: Omit<RoleView, 'role'>;
  kite: { state: KiteFeedState; reason: string | null; last_tick_age_ms: number | null; malformed_frames: number; unrouted_packets: number };
  accounts: {
    api_key: string;
    has_token: boolean;
    token_expires_at: string | null;
    connections: {
      id: string;
      state: string;
      reason: string | null;
      instruments: number;
      ticks: number;
      ticks_per_second: number;
      last_tick_age_ms: number | null;
      reconnects: number;
    }[];
  }[];
  demand: { wanted: number; rejected: number };
  edge: {
    feed_link: { connected: boolean; reconnects: number; last_error: string | null };
    groups: { group: string; connected: boolean; batches: number; packets: number; pending: number; coalesced: number; reconnects: number }[];
  };
  registry: { instruments: number; dataset_version: number };
};

const VERSION = process.env.npm_package_version ?? '0.0.0';

const STANDBY_KITE = { state: 'down', reason: 'standby: this origin connects to Kite once it holds the lease' } as const;

export function originHealth(feed: OriginFeed | undefined, lease: RoleView, index: GroupIndex, startedAt: number, history: BackfillStats): OriginHealth {
  const now = Date.now();
  const { role, ...held } = lease;
  if (!feed) {
    return {
      status: lease.last_error === null ? 'ok' : 'degraded',
      version: VERSION,
      uptime_s: Math.round((now - startedAt) / 1000),
      role,
      lease: held,
      kite: { ...STANDBY_KITE, last_tick_age_ms: null, malformed_frames: 0, unrouted_packets: 0 },
      accounts: [],
      demand: { wanted: 0, rejected: 0 },
      history,
      edge: { feed_link: { connected: false, reconnects: 0, last_error: null }, groups: [] },
      registry: { instruments: index.size, dataset_version: index.version },
    };
  }
  const stats = feed.stats();
  const age = (at: number | null) => (at === null ? null : now - at);
  const kiteUp = stats.feed.state === 'live';
  const status = stats.feed.state === 'down' || stats.feed.state === 'token_expired' ? 'down' : kiteUp && stats.edge.feed_link.connected ? 'ok' : 'degraded';
  return {
    status,
    version: VERSION,
    uptime_s: Math.round((now - startedAt) / 1000),
    role,
    lease: held,
    kite: {
      state: stats.feed.state,
      reason: stats.feed.reason ?? null,
      last_tick_age_ms: age(stats.last_tick_at),
      malformed_frames: stats.malformed_frames,
      unrouted_packets: stats.unrouted_packets,
    },
    accounts: stats.accounts.map((a) => ({
      api_key: a.api_key,
      has_token: a.has_token,
      token_expires_at: a.token_expires_at,
      connections: a.connections.map((c) => ({
        id: c.id,
        state: c.state,
        reason: c.reason ?? null,
        instruments: c.instruments,
        ticks: c.ticks,
        ticks_per_second: c.ticksPerSecond,
        last_tick_age_ms: age(c.lastTickAt),
        reconnects: c.reconnects,
      })),
    })),
    demand: { wanted: stats.wanted, rejected: stats.rejected },
    history,
    edge: {
      feed_link: { connected: stats.edge.feed_link.connected, reconnects: stats.edge.feed_link.reconnects, last_error: stats.edge.feed_link.last_error },
      groups: stats.edge.groups.map((g) => ({
        group: g.group,
        connected: g.connected,
        batches: g.batches,
        packets: g.packets,
        pending: g.pending,
        coalesced: g.coalesced,
        reconnects: g.reconnects,
      })),
    },
    registry: { instruments: index.size, dataset_version: index.version },
  };
}
