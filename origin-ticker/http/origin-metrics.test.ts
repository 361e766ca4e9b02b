import { describe, expect, it } from 'vitest';
import type { RoleView } from '../lease/origin-role.ts';
import type { GroupIndex } from '../registry/group-index.ts';
import { originHealth } from './origin-health.ts';
import { originMetrics } from './origin-metrics.ts';

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
    const health = originHealth(undefined, standby, index, Date.now());
    expect(health).toMatchObject({
      status: 'ok',
      role: 'standby',
      lease: { origin_id: 'host-b:42', holder: 'host-a:41', token: 7, age_ms: null, failovers: 2 },
      kite: { state: 'down', reason: 'standby: this origin connects to Kite once it holds the lease' },
      accounts: [],
      edge: { feed_link: { connected: false }, groups: [] },
      registry: { instruments: 103_614, dataset_version: 3 },
    });
    expect(originHealth(undefined, { ...standby, last_error: 'connect ECONNREFUSED' }, index, Date.now()).status).toBe('degraded');
  });

  it('exports kite_origin_role, kite_origin_lease_age_seconds and kite_origin_failovers_total', async () => {
    let view = standby;
    const text = () => originMetrics(() => originHealth(undefined, view, index, Date.now())).metrics();
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
