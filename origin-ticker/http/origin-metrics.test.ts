import { describe, expect, it } from 'vitest';
import type { RoleView } from '../lease/origin-role.ts';
import type { GroupIndex } from '../registry/group-index.ts';
import { type OriginHealth, originHealth } from './origin-health.ts';
import { originMetrics } from './origin-metrics.ts';

const HISTORY = { requests: 0, kite_calls: 0, failed: 0, queued: 0, last_error: null };

const HEALTH: OriginHealth = {
  status: 'ok',
  version: '0.0.0',
  uptime_s: 1,
  kite: { state: 'live', reason: null, last_tick_age_ms: 250, malformed_frames: 0, unrouted_packets: 0 },
  accounts: [{ api_key: 'kitesim', has_token: true, token_expires_at: '2026-12-08T00:30:00.000Z', connections: [] }],
  demand: { wanted: 0, rejected: 0 },
  history: { requests: 0, kite_calls: 0, failed: 0, queued: 0, last_error: null },
  edge: { feed_link: { connected: true, reconnects: 0, last_error: null }, groups: [] },
  registry: { instruments: 0, dataset_version: 1 },
  role: 'active',
  lease: { origin_id: 'host-a:41', holder: 'host-a:41', token: 1, age_ms: 100, ttl_ms: 5_000, renew_ms: 1_000, failovers: 0, last_error: null },
};

/** The scrape's value of each sample named, as Prometheus would read it. */
async function scrape(at: string): Promise<Map<string, number>> {
  const text = await originMetrics(
    () => HEALTH,
    () => Date.parse(at),
  ).metrics();
  return new Map(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]),
  );
}

describe('originMetrics', () => {
  it("exports NSE's session: open, seconds since the open, seconds to the next", async () => {
    const during = await scrape('2026-12-07T09:15:30+05:30');
    expect([during.get('kite_market_open'), during.get('kite_market_open_seconds'), during.get('kite_market_next_open_seconds')]).toEqual([1, 30, 0]);
    const before = await scrape('2026-12-07T08:15:00+05:30');
    expect([before.get('kite_market_open'), before.get('kite_market_open_seconds'), before.get('kite_market_next_open_seconds')]).toEqual([0, 0, 3600]);
  });

  it("reads the token's remaining life and the last tick's age at scrape time", async () => {
    const metrics = await scrape('2026-12-08T05:00:00+05:30');
    expect(metrics.get('origin_kite_token_expiry_seconds{api_key="kitesim"}')).toBe(3600);
    expect(metrics.get('origin_kite_last_tick_age_seconds')).toBe(0.25);
  });
});

/** The role and the lease as /health and /metrics show them, on a standby (an active's figures come with its feed, end to end). */
const index = { size: 103_614, version: 3 } as GroupIndex;
const standby: RoleView = {
  role: 'standby',
  origin_id: 'host-b:42',
  token: 7,
  holder: 'host-a:41',
  age_ms: null,
  ttl_ms: 5_000,
  renew_ms: 1_000,
  failovers: 2,
  last_error: null,
};

describe('the origin’s role and lease in /health and /metrics', () => {
  it('shows a standby ready to take over: no Kite, no links, the lease as last heard', () => {
    const health = originHealth(undefined, standby, index, Date.now(), HISTORY);
    expect(health).toMatchObject({
      status: 'ok',
      role: 'standby',
      lease: { origin_id: 'host-b:42', holder: 'host-a:41', token: 7, age_ms: null, failovers: 2 },
      kite: { state: 'down', reason: 'standby: this origin connects to Kite once it holds the lease' },
      accounts: [],
      edge: { feed_link: { connected: false }, groups: [] },
      registry: { instruments: 103_614, dataset_version: 3 },
    });
    expect(originHealth(undefined, { ...standby, last_error: 'connect ECONNREFUSED' }, index, Date.now(), HISTORY).status).toBe('degraded');
  });

  it('exports kite_origin_role, kite_origin_lease_age_seconds and kite_origin_failovers_total', async () => {
    let view = standby;
    const text = () => originMetrics(() => originHealth(undefined, view, index, Date.now(), HISTORY)).metrics();
    const standbyText = await text();
    expect(standbyText).toContain('kite_origin_role{role="active"} 0');
    expect(standbyText).toContain('kite_origin_role{role="standby"} 1');
    expect(standbyText).toContain('kite_origin_lease_age_seconds -1');
    expect(standbyText).toMatch(/# TYPE kite_origin_failovers_total counter\nkite_origin_failovers_total 2/);
    view = { ...standby, role: 'active', age_ms: 420, failovers: 3 };
    const activeText = await text();
    expect(activeText).toContain('kite_origin_role{role="active"} 1');
    expect(activeText).toContain('kite_origin_lease_age_seconds 0.42');
    expect(activeText).toContain('kite_origin_failovers_total 3');
  });
});
