import { z } from 'zod';

/**
 * `GET /health`: the one body operators, load balancers and the web page read.
 * A dependency that fails is reported here with its reason; the endpoint itself
 * answers non-200 only when the service cannot serve at all (see edge/health).
 */
export const DependencyStatus = z.enum(['healthy', 'unhealthy', 'disabled']);

export const DependencyHealth = z.object({
  status: DependencyStatus,
  /** Round trip of the check itself, absent when the check could not run. */
  latency_ms: z.number().nonnegative().optional(),
  /** Why the dependency is not healthy, in words an operator can act on. */
  reason: z.string().optional(),
});

export const DatabaseHealth = DependencyHealth.extend({
  /** Name of the newest applied migration, when the migrations table exists. */
  schema: z.string().nullable().optional(),
});

export const FeedStatus = z.enum(['live', 'stale', 'down']);

export const FeedHealth = z.object({
  status: FeedStatus,
  /** Milliseconds since the newest tick reached the edge; null before the first. */
  last_tick_age_ms: z.number().nonnegative().nullable(),
  reason: z.string().optional(),
});

export const HealthStatus = z.enum(['ok', 'degraded', 'unhealthy']);

export const HealthResponse = z.object({
  status: HealthStatus,
  version: z.string(),
  time: z.iso.datetime(),
  database: DatabaseHealth,
  redis: DependencyHealth,
  feed: FeedHealth,
});

export type DependencyHealth = z.infer<typeof DependencyHealth>;
export type DatabaseHealth = z.infer<typeof DatabaseHealth>;
export type FeedHealth = z.infer<typeof FeedHealth>;
export type HealthResponse = z.infer<typeof HealthResponse>;
