import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { exchangeSession } from '../../contracts/trading-calendar.ts';
import type { OriginHealth } from './origin-health.ts';

/**
 * `GET /metrics` in Prometheus text format: the process's own figures
 * (CPU, memory, event-loop lag, from prom-client) and the feed's, read from
 * the same snapshot /health serves at scrape time, so the two never
 * disagree. The `kite_market_*` gauges put NSE's calendar beside them, so
 * alert rules can say "during market hours" without one of their own
 * (ops/prometheus/feed.rules.yml).
 */
export function originMetrics(snapshot: () => OriginHealth, now: () => number = Date.now): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'origin_' });

  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });

  const states = ['idle', 'connecting', 'live', 'backoff', 'token_expired', 'stopped'];
  gauge('origin_kite_connection_state', 'Kite connection state (1 for the current one)', ['connection', 'state'], (g) => {
    for (const c of snapshot().accounts.flatMap((a) => a.connections)) for (const s of states) g.set({ connection: c.id, state: s }, c.state === s ? 1 : 0);
  });
  gauge('origin_kite_connection_instruments', 'Instruments carried per Kite connection', ['connection'], (g) => {
    for (const c of snapshot().accounts.flatMap((a) => a.connections)) g.set({ connection: c.id }, c.instruments);
  });
  gauge('origin_kite_ticks', 'Ticks received per Kite connection since start', ['connection'], (g) => {
    for (const c of snapshot().accounts.flatMap((a) => a.connections)) g.set({ connection: c.id }, c.ticks);
  });
  gauge('origin_kite_ticks_per_second', 'Ticks in the last second per Kite connection', ['connection'], (g) => {
    for (const c of snapshot().accounts.flatMap((a) => a.connections)) g.set({ connection: c.id }, c.ticks_per_second);
  });
  gauge('origin_kite_reconnects', 'Reconnects per Kite connection since start', ['connection'], (g) => {
    for (const c of snapshot().accounts.flatMap((a) => a.connections)) g.set({ connection: c.id }, c.reconnects);
  });
  gauge('origin_kite_last_tick_age_seconds', 'Seconds since the last tick from Kite (-1 before the first)', [], (g) => {
    const age = snapshot().kite.last_tick_age_ms;
    g.set(age === null ? -1 : age / 1000);
  });
  gauge('origin_kite_token_expiry_seconds', "Seconds until each account's access token expires (-1 without one)", ['api_key'], (g) => {
    for (const a of snapshot().accounts) g.set({ api_key: a.api_key }, a.token_expires_at ? (Date.parse(a.token_expires_at) - now()) / 1000 : -1);
  });
  gauge('origin_instruments_wanted', 'Instruments the edge and the pinned set want', [], (g) => g.set(snapshot().demand.wanted));
  gauge('origin_instruments_rejected', 'Wanted instruments Kite capacity could not take', [], (g) => g.set(snapshot().demand.rejected));
  gauge('origin_kite_malformed_frames', 'Malformed frames from Kite dropped since start', [], (g) => g.set(snapshot().kite.malformed_frames));
  gauge('origin_edge_links', 'Links to the edge by state', ['state'], (g) => {
    const { groups } = snapshot().edge;
    g.set({ state: 'up' }, groups.filter((l) => l.connected).length);
    g.set({ state: 'down' }, groups.filter((l) => !l.connected).length);
  });
  gauge('origin_edge_feed_link_up', 'Whether the feed link to the edge is up', [], (g) => g.set(snapshot().edge.feed_link.connected ? 1 : 0));
  gauge('origin_edge_pending_ticks', 'Latest ticks held for group links that are down or backed up', [], (g) => {
    g.set(snapshot().edge.groups.reduce((n, l) => n + l.pending, 0));
  });
  gauge('origin_edge_batches', 'Tick batches sent to the edge since start', [], (g) => g.set(snapshot().edge.groups.reduce((n, l) => n + l.batches, 0)));
  gauge('kite_market_open', "1 while NSE's regular session (09:15-15:30 IST, trading days) is open, else 0", [], (g) =>
    g.set(exchangeSession(now()).open ? 1 : 0),
  );
  gauge('kite_market_open_seconds', "Seconds since today's NSE open while the session runs, 0 when closed", [], (g) =>
    g.set(exchangeSession(now()).secondsSinceOpen),
  );
  gauge('kite_market_next_open_seconds', 'Seconds until the next NSE open, 0 while the session runs', [], (g) =>
    g.set(exchangeSession(now()).secondsToNextOpen),
  );
  gauge('kite_origin_role', "This origin's role (1 for the current one): active holds the lease and Kite, standby waits", ['role'], (g) => {
    const { role } = snapshot();
    for (const r of ['active', 'standby'] as const) g.set({ role: r }, role === r ? 1 : 0);
  });
  gauge('kite_origin_lease_age_seconds', 'Seconds since the active origin last renewed its lease (-1 on a standby)', [], (g) => {
    const age = snapshot().lease.age_ms;
    g.set(age === null ? -1 : age / 1000);
  });
  new Counter({
    name: 'kite_origin_failovers_total',
    help: 'Times this origin took the lease over from another holder',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(snapshot().lease.failovers);
    },
  });
  gauge('origin_registry_instruments', 'Active instruments in the registry index', [], (g) => g.set(snapshot().registry.instruments));
  return registry;
}
