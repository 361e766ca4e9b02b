import { z } from 'zod';
import { bothOrNeither, parseEnv } from '../contracts/config-error.ts';

/**
 * The worker's configuration: every variable it reads, validated once per
 * environment object. Bindings arrive from wrangler.toml `[vars]`, secrets
 * (`wrangler secret put`) or, locally, from `npm run dev` (`--var`).
 */
const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' });

const milliseconds = (min: number, max: number, fallback: number) =>
  z.coerce
    .number()
    .int('must be a whole number of milliseconds')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const EdgeEnvSchema = z
  .object({
    DATABASE_URL: postgresUrl,
    /** Neon's HTTP query endpoint; unset in production (derived from the Neon host), the relay's /sql locally. */
    NEON_HTTP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1, 'must not be empty').optional(),
    HEALTH_CHECK_TIMEOUT_MS: milliseconds(50, 10_000, 1500),
    QUERY_TIMEOUT_MS: milliseconds(100, 30_000, 5000),
    CACHE_VERSION_TTL_MS: milliseconds(0, 60_000, 2000),
    ISOLATE_CACHE_MB: z.coerce
      .number()
      .int('must be a whole number of megabytes')
      .min(0, 'must be at least 0 (0 turns the in-memory tier off)')
      .max(64, 'must be at most 64 (an isolate has 128 MB in all)')
      .default(20),
    /** Bearer secret of the origin's links and of the /internal routes; unset: both are off (503). */
    ORIGIN_LINK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  })
  .check(bothOrNeither('UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'));

export type EdgeConfig = {
  database: { url: string; httpEndpoint: string | undefined };
  redis: { url: string; token: string } | undefined;
  healthCheckTimeoutMs: number;
  /** Budget of one database query (one HTTP round trip to Neon). */
  queryTimeoutMs: number;
  /** How long an isolate trusts the dataset version it read before asking Postgres again. */
  cacheVersionTtlMs: number;
  /** Bytes of answers each isolate keeps in memory in front of the Cache API (0: none). */
  isolateCacheBytes: number;
  /** The secret the origin (and, for now, operators) present as `Authorization: Bearer …`; undefined: not configured. */
  originLinkSecret: string | undefined;
};

/** The variables the worker declares; every value is untrusted until parsed. */
export type EdgeVars = Partial<Record<keyof z.input<typeof EdgeEnvSchema>, string>>;

/** Everything in the worker's `env`: these variables and the Durable Object namespaces (edge/worker-types.d.ts). */
export type EdgeEnv = Cloudflare.Env;

const parsed = new WeakMap<object, EdgeConfig>();

/** Parses the worker's env, caching the result per env object (one per isolate). */
export function edgeConfig(env: EdgeEnv): EdgeConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const vars = parseEnv(EdgeEnvSchema, emptyToUndefined(env));
  const config: EdgeConfig = {
    database: { url: vars.DATABASE_URL, httpEndpoint: vars.NEON_HTTP_ENDPOINT },
    redis:
      vars.UPSTASH_REDIS_REST_URL && vars.UPSTASH_REDIS_REST_TOKEN
        ? { url: vars.UPSTASH_REDIS_REST_URL, token: vars.UPSTASH_REDIS_REST_TOKEN }
        : undefined,
    healthCheckTimeoutMs: vars.HEALTH_CHECK_TIMEOUT_MS,
    queryTimeoutMs: vars.QUERY_TIMEOUT_MS,
    cacheVersionTtlMs: vars.CACHE_VERSION_TTL_MS,
    isolateCacheBytes: vars.ISOLATE_CACHE_MB * 1024 * 1024,
    originLinkSecret: vars.ORIGIN_LINK_SECRET,
  };
  parsed.set(env, config);
  return config;
}

// wrangler.toml cannot unset a var, so an empty string means "not configured".
function emptyToUndefined(env: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
}
