import { describe, expect, it } from 'vitest';
import { EDGE_METRICS } from '../../contracts/edge-metrics.ts';
import { METRICS_TOKEN, parseExposition, scrape, seriesValue } from '../../test/workers/metrics-text.ts';
import { call, callWith, errorOf } from '../../test/workers/test-users.ts';

/**
 * GET /metrics in workerd: the isolate's HTTP and cache counters move with
 * the requests this file makes (the tests run in the worker's isolate), and
 * the route answers the metrics token only.
 */
let unique = 0;
/** A reference-data request nobody made before (a new limit is a new cache key). */
const freshListPath = () => `/instruments/list?exchange=MCX&limit=${++unique + 40}`;

describe('GET /metrics', () => {
  it('counts a request under its route pattern, method and status, and times it in the route’s histogram', async () => {
    const path = freshListPath();
    const requests = 'kite_edge_http_requests_total{route="/instruments/list",method="GET",status="200"}';
    const count = 'kite_edge_http_request_duration_seconds_count{route="/instruments/list"}';
    const slowest = 'kite_edge_http_request_duration_seconds_bucket{route="/instruments/list",le="+Inf"}';
    const before = await scrape();
    expect((await call(path)).status).toBe(200);
    const after = await scrape();
    expect(seriesValue(after, requests) - seriesValue(before, requests)).toBe(1);
    expect(seriesValue(after, count) - seriesValue(before, count)).toBe(1);
    expect(seriesValue(after, slowest) - seriesValue(before, slowest)).toBe(1);
    expect(seriesValue(after, 'kite_edge_http_request_duration_seconds_sum{route="/instruments/list"}')).toBeGreaterThan(
      seriesValue(before, 'kite_edge_http_request_duration_seconds_sum{route="/instruments/list"}'),
    );
    // The path's parameters never become a label: the series is the pattern's.
    expect([...after.keys()].some((series) => series.includes('limit='))).toBe(false);
  });

  it('names a route by its pattern, and a path no route takes `unmatched`', async () => {
    const before = await scrape();
    expect((await call('/instruments/by-symbol/NSE/NO-SUCH-SYMBOL')).status).toBe(404);
    expect((await call('/no/such/route')).status).toBe(404);
    const after = await scrape();
    const pattern = 'kite_edge_http_requests_total{route="/instruments/by-symbol/:exchange/:tradingsymbol",method="GET",status="404"}';
    const unmatched = 'kite_edge_http_requests_total{route="unmatched",method="GET",status="404"}';
    expect(seriesValue(after, pattern) - seriesValue(before, pattern)).toBe(1);
    expect(seriesValue(after, unmatched) - seriesValue(before, unmatched)).toBe(1);
  });

  it('counts a cache hit in the tier that answered: the same request twice is a miss, then a hit of the isolate tier', async () => {
    const path = freshListPath();
    const hits = 'kite_edge_cache_requests_total{tier="isolate",result="hit"}';
    const misses = 'kite_edge_cache_requests_total{tier="isolate",result="miss"}';
    const before = await scrape();
    expect((await call(path)).headers.get('x-cache')).toBe('miss');
    const between = await scrape();
    expect(seriesValue(between, misses) - seriesValue(before, misses)).toBe(1);
    expect(seriesValue(between, hits) - seriesValue(before, hits)).toBe(0);
    expect((await call(path)).headers.get('x-cache')).toBe('hit-memory');
    const after = await scrape();
    expect(seriesValue(after, hits) - seriesValue(between, hits)).toBe(1);
    expect(seriesValue(after, misses) - seriesValue(between, misses)).toBe(0);
  });

  it('writes every line as a series and its value, or a HELP or TYPE line, with every edge metric declared', async () => {
    const response = await call('/metrics', { bearer: METRICS_TOKEN });
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    // parseExposition throws on a line of any other shape.
    const series = parseExposition(text);
    for (const [name, metric] of Object.entries(EDGE_METRICS)) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} ${metric.type}\n`);
    }
    // Counters without labels are there from the start.
    expect(series.has('kite_edge_alert_triggers_total')).toBe(true);
    // Every hub answers for its sessions, by protocol.
    expect(series.has('kite_edge_ws_sessions{protocol="v2"}')).toBe(true);
    expect(series.has('kite_edge_ws_sessions{protocol="kite"}')).toBe(true);
  });

  it('answers 401 in the platform’s error shape without the token, and with a wrong one', async () => {
    const none = await call('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('WWW-Authenticate')).toBe('Bearer realm="kite-edge metrics"');
    expect(await errorOf(none)).toEqual({ code: 'unauthorized', message: 'send Authorization: Bearer <METRICS_TOKEN>' });
    const wrong = await call('/metrics', { bearer: `${METRICS_TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toEqual({ code: 'unauthorized', message: 'the bearer token is not the metrics token' });
  });

  it('answers 503 naming METRICS_TOKEN when none is configured', async () => {
    const response = await callWith({ METRICS_TOKEN: undefined }, '/metrics', { bearer: METRICS_TOKEN });
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toEqual({
      code: 'config_invalid',
      message: 'the metrics endpoint is not configured: METRICS_TOKEN is not set',
      problems: [{ variable: 'METRICS_TOKEN', problem: 'is not set: GET /metrics is off' }],
    });
  });
});
