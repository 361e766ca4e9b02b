import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { knownNames, metricNamesIn } from '../prometheus/rule-files.ts';

type Panel = { title?: string; type: string; targets?: { expr?: string }[]; panels?: Panel[] };

const dashboard = JSON.parse(readFileSync(new URL('kite-edge.json', import.meta.url), 'utf8')) as { uid: string; panels: Panel[] };
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).filter((panel) => panel.type !== 'row');

describe('the Grafana dashboard (ops/grafana/kite-edge.json)', () => {
  it('queries only metrics docs/monitoring.md lists or the rules record', () => {
    const known = knownNames();
    const unknown = panels.flatMap((panel) =>
      (panel.targets ?? []).flatMap((target) =>
        metricNamesIn(target.expr ?? '')
          .filter((name) => !known.has(name))
          .map((name) => `${panel.title}: ${name}`),
      ),
    );
    expect(unknown, 'a misspelt metric, or one missing from the Metrics tables of docs/monitoring.md').toEqual([]);
  });

  it('shows the golden signals, the cache, the feed and the origins', () => {
    const queried = new Set(panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricNamesIn(target.expr ?? ''))));
    for (const name of [
      'kite_edge_http_requests_total',
      'kite_edge_http_request_duration_seconds_bucket',
      'kite_edge_ws_sessions',
      'kite_edge:cache_hits:ratio_rate30m',
      'kite_edge_feed_age_seconds',
      'kite_edge_ticks_delivered_total',
      'kite_origin_role',
      'kite_origin_lease_age_seconds',
    ]) {
      expect(queried, name).toContain(name);
    }
    expect(panels.every((panel) => (panel.targets ?? []).length > 0)).toBe(true);
  });
});
