import { describe, expect, it } from 'vitest';
import type { OriginHealth } from './origin-health.ts';
import { originMetrics } from './origin-metrics.ts';

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
