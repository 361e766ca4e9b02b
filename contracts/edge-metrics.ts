import { z } from 'zod';

/**
 * The edge's metrics, defined once (docs/edge-metrics.md): their names,
 * kinds and labels, the samples the Durable Objects hand the worker over
 * RPC, and the one shape of an Analytics Engine data point.
 */
export const EDGE_METRICS = {
  kite_edge_http_requests_total: { type: 'counter', labels: ['route', 'method', 'status'], help: 'HTTP requests answered, by Hono route pattern' },
  kite_edge_http_request_duration_seconds: { type: 'histogram', labels: ['route'], help: 'Time to answer an HTTP request, by Hono route pattern' },
  kite_edge_cache_requests_total: { type: 'counter', labels: ['tier', 'result'], help: 'Lookups in each cache tier of the reference-data routes' },
  kite_edge_ws_sessions: { type: 'gauge', labels: ['protocol'], help: 'Open WebSocket sessions, by client protocol' },
  kite_edge_ticks_delivered_total: { type: 'counter', labels: [], help: 'Ticks written to client sessions (snapshots included)' },
  kite_edge_frames_conflated_total: { type: 'counter', labels: [], help: 'Ticks replaced by a newer tick of the same instrument before they were written' },
  kite_edge_sessions_closed_total: { type: 'counter', labels: ['code'], help: 'Client sessions ended, by WebSocket close code' },
  kite_edge_alert_triggers_total: { type: 'counter', labels: [], help: 'Alert triggers recorded' },
  kite_edge_webhook_deliveries_total: { type: 'counter', labels: ['result'], help: 'Webhook delivery attempts, by outcome' },
  kite_edge_feed_age_seconds: { type: 'gauge', labels: ['group'], help: 'Seconds since the last tick of each instrument group with demand' },
  kite_edge_object_errors_total: { type: 'counter', labels: ['object'], help: 'Uncaught errors in a Durable Object’s handlers' },
} as const satisfies Record<string, { type: 'counter' | 'gauge' | 'histogram'; labels: readonly string[]; help: string }>;

export type MetricName = keyof typeof EDGE_METRICS;

/** The upper bounds of the request-duration histogram: dense around the 150 ms p95 objective. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5] as const;

/** The cache tiers in front of a reference-data route (edge/cache/cached-json.ts), in the order they are asked. */
export type CacheTier = 'isolate' | 'edge' | 'redis';
export type WebhookResult = 'delivered' | 'retried' | 'dead_letter';
/** The Durable Object classes whose handler errors are counted. */
export type ObjectKind = 'SessionHub' | 'InstrumentGroup' | 'FeedControl' | 'WebhookDispatcher';

/** One value of one series: a counter's total or a gauge's reading. Labels in any order; missing ones are empty. */
export type Sample = { name: Exclude<MetricName, 'kite_edge_http_request_duration_seconds'>; labels: Record<string, string>; value: number };

/**
 * Counts an object hands FeedControl to keep for the whole edge (the
 * groups' alert triggers, the dispatchers' deliveries, their handler
 * errors): objects that come and go, whose totals would vanish with them.
 */
export const EdgeTally = z.discriminatedUnion('name', [
  z.object({ name: z.literal('kite_edge_alert_triggers_total'), labels: z.object({}).strict(), value: z.number().int().positive() }),
  z.object({
    name: z.literal('kite_edge_webhook_deliveries_total'),
    labels: z.object({ result: z.enum(['delivered', 'retried', 'dead_letter']) }).strict(),
    value: z.number().int().positive(),
  }),
  z.object({
    name: z.literal('kite_edge_object_errors_total'),
    labels: z.object({ object: z.enum(['InstrumentGroup', 'FeedControl', 'WebhookDispatcher']) }).strict(),
    value: z.number().int().positive(),
  }),
]);
export type EdgeTally = z.infer<typeof EdgeTally>;
export const EdgeTallies = z.array(EdgeTally).max(64);

/**
 * One Analytics Engine data point (docs/edge-metrics.md, "Analytics
 * Engine"): index1 and blob1 the metric name, blob2… the label values in
 * the metric's label order, double1 the amount (a counter's increase, a
 * gauge's reading, 1 for a request), double2 a request's duration in seconds.
 */
export type DataPoint = { indexes: string[]; blobs: string[]; doubles: number[] };

export function dataPoint(name: MetricName, labels: Record<string, string>, value: number, seconds?: number): DataPoint {
  const blobs = [name, ...EDGE_METRICS[name].labels.map((label) => labels[label] ?? '')];
  return { indexes: [name], blobs, doubles: seconds === undefined ? [value] : [value, seconds] };
}

/** The key a series is known by: its name and labels as Prometheus writes them, labels in the metric's order. */
export function seriesKey(name: MetricName, labels: Record<string, string>): string {
  const names = EDGE_METRICS[name].labels as readonly string[];
  if (names.length === 0) return name;
  return `${name}{${names.map((label) => `${label}="${escapeLabel(labels[label] ?? '')}"`).join(',')}}`;
}

/** A label value as the text format quotes it: backslash, double quote and line feed escaped. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
