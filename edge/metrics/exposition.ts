import { EDGE_METRICS, escapeLabel, HTTP_DURATION_BUCKETS, type MetricName, type Sample, seriesKey } from '../../contracts/edge-metrics.ts';
import type { Histogram } from './isolate-metrics.ts';

/**
 * The Prometheus text format (version 0.0.4) of the edge's metrics: a
 * HELP and a TYPE line per metric, then its series. Samples of one series
 * from several objects (each hub's ticks delivered) are added up. A
 * counter without labels is written even at 0, so an alert on its rate
 * has a series from the first scrape.
 */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function exposition(samples: readonly Sample[], durations: readonly Histogram[]): string {
  const summed = new Map<string, Sample>();
  for (const sample of samples) {
    const key = seriesKey(sample.name, sample.labels);
    const found = summed.get(key);
    if (found) found.value += sample.value;
    else summed.set(key, { ...sample });
  }
  const lines: string[] = [];
  for (const [name, metric] of Object.entries(EDGE_METRICS) as [MetricName, (typeof EDGE_METRICS)[MetricName]][]) {
    lines.push(`# HELP ${name} ${metric.help}`, `# TYPE ${name} ${metric.type}`);
    if (name === 'kite_edge_http_request_duration_seconds') {
      for (const histogram of durations) lines.push(...histogramLines(name, histogram));
      continue;
    }
    const series = [...summed.entries()].filter(([, sample]) => sample.name === name).sort(([a], [b]) => a.localeCompare(b));
    if (series.length === 0 && metric.type === 'counter' && metric.labels.length === 0) lines.push(`${name} 0`);
    for (const [key, sample] of series) lines.push(`${key} ${number(sample.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function histogramLines(name: string, { labels, buckets, sum, count }: Histogram): string[] {
  const route = `route="${escapeLabel(labels.route ?? '')}"`;
  let cumulative = 0;
  const lines = HTTP_DURATION_BUCKETS.map((bound, i) => {
    cumulative += buckets[i] ?? 0;
    return `${name}_bucket{${route},le="${bound}"} ${cumulative}`;
  });
  lines.push(`${name}_bucket{${route},le="+Inf"} ${count}`, `${name}_sum{${route}} ${number(sum)}`, `${name}_count{${route}} ${count}`);
  return lines;
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}
