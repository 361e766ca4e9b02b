import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { type CacheTier, dataPoint, HTTP_DURATION_BUCKETS, type Sample, seriesKey } from '../../contracts/edge-metrics.ts';

/**
 * This isolate's share of the edge's metrics (docs/edge-metrics.md): the
 * HTTP requests it answered and the cache tiers it asked. In memory, so
 * per isolate: a scrape of /metrics sees the isolate that answered it.
 * Each event is also one Analytics Engine data point (the METRICS
 * binding, when there is one), the complete store across isolates.
 */
export type Histogram = { labels: Record<string, string>; buckets: number[]; sum: number; count: number };

const requests = new Map<string, Sample>();
const durations = new Map<string, Histogram>();
const cacheLookups = new Map<string, Sample>();

/** Counts every request under its route pattern (`unmatched` when no route took it), with its time to answer. */
export const measureRequests: MiddlewareHandler<{ Bindings: Cloudflare.Env }> = async (c, next) => {
  const started = performance.now();
  try {
    await next();
  } finally {
    const seconds = (performance.now() - started) / 1000;
    const labels = { route: routeOf(c), method: c.req.method, status: String(c.res.status) };
    add(requests, { name: 'kite_edge_http_requests_total', labels, value: 1 });
    observe(labels.route, seconds);
    c.env.METRICS?.writeDataPoint(dataPoint('kite_edge_http_requests_total', labels, 1, seconds));
  }
};

/** One lookup in one cache tier (edge/cache/cached-json.ts). */
export function countCacheLookup(env: Cloudflare.Env, tier: CacheTier, hit: boolean): void {
  const labels = { tier, result: hit ? 'hit' : 'miss' };
  add(cacheLookups, { name: 'kite_edge_cache_requests_total', labels, value: 1 });
  env.METRICS?.writeDataPoint(dataPoint('kite_edge_cache_requests_total', labels, 1));
}

/** This isolate's counters and histograms, as they stand. */
export function isolateMetrics(): { samples: Sample[]; durations: Histogram[] } {
  return { samples: [...requests.values(), ...cacheLookups.values()], durations: [...durations.values()] };
}

/**
 * The pattern of the route that answered (`/instruments/by-symbol/:exchange/:tradingsymbol`),
 * never the path, so the series stay as few as the routes. Hono's
 * routeIndex is the last handler that ran: a route's own handler or its
 * `requires(…)`; when an area's middleware (`use`, registered for ALL)
 * answered, the route it stood in front of; none: `unmatched`.
 */
function routeOf(c: Parameters<MiddlewareHandler>[0]): string {
  const route = matchedRoutes(c)
    .slice(c.req.routeIndex)
    .find((r) => r.method !== 'ALL');
  return route?.path ?? 'unmatched';
}

function add(series: Map<string, Sample>, sample: Sample): void {
  const key = seriesKey(sample.name, sample.labels);
  const found = series.get(key);
  if (found) found.value += sample.value;
  else series.set(key, { ...sample, labels: { ...sample.labels } });
}

function observe(route: string, seconds: number): void {
  let histogram = durations.get(route);
  if (!histogram) {
    histogram = { labels: { route }, buckets: HTTP_DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
    durations.set(route, histogram);
  }
  const bucket = HTTP_DURATION_BUCKETS.findIndex((bound) => seconds <= bound);
  if (bucket >= 0) histogram.buckets[bucket] = (histogram.buckets[bucket] ?? 0) + 1;
  histogram.sum += seconds;
  histogram.count++;
}
