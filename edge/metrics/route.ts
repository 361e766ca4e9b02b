import { Hono } from 'hono';
import { hubConfig } from '../../contracts/hub-config.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { requires } from '../auth/policy.ts';
import { METRICS } from '../auth/principal.ts';
import { errorResponse } from '../errors.ts';
import { EXPOSITION_CONTENT_TYPE, exposition } from './exposition.ts';
import { gatherObjects, MetricsUnavailable } from './gather.ts';
import { isolateMetrics } from './isolate-metrics.ts';

/**
 * The edge's metrics in Prometheus text (docs/edge-metrics.md): this
 * isolate's HTTP and cache counters, and every object's counters. To the
 * metrics token only; an object that does not answer fails the scrape (503).
 */
export const metrics = new Hono<{ Bindings: Cloudflare.Env }>();

metrics.get('/', requires(METRICS), async (c) => {
  const config = edgeConfig(c.env);
  let objects: Awaited<ReturnType<typeof gatherObjects>>;
  try {
    objects = await gatherObjects(c.env, hubConfig(c.env).shards, config.healthCheckTimeoutMs);
  } catch (error) {
    if (!(error instanceof MetricsUnavailable)) throw error;
    c.header('Retry-After', '5');
    return errorResponse(c, 503, 'metrics_unavailable', `${error.message}: no metrics are served without every object's counters`);
  }
  const isolate = isolateMetrics();
  c.header('Cache-Control', 'no-store');
  return c.body(exposition([...isolate.samples, ...objects], isolate.durations), 200, { 'Content-Type': EXPOSITION_CONTENT_TYPE });
});
