import { z } from 'zod';
import { MIN_COOLDOWN_S, WEBHOOK_RETRY_BASE_MS } from './alerts.ts';
import { bothOrNeither, emptyToUndefined, parseEnv, wholeNumber } from './config-error.ts';
import { parseSealingKey } from './sealed-blob.ts';
import { DEFAULT_WATCHLIST_INSTRUMENTS, DEFAULT_WATCHLISTS_PER_USER } from './watchlists.ts';

/**
 * The worker's configuration: every variable it reads, validated once per
 * environment object. Bindings arrive from wrangler.toml `[vars]`, secrets
 * (`wrangler secret put`) or, locally, from `npm run dev` (`--var`).
 */
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' });

/** 32 bytes, checked as sealed-blob.ts's parseSealingKey() reads them (its message says what is wrong). */
const alertSecretKey = z
  .string()
  .trim()
  .superRefine((text, ctx) => {
    try {
      parseSealingKey(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

const EdgeEnvSchema = z
  .object({
    DATABASE_URL: postgresUrl,
    /** Neon's HTTP query endpoint; unset in production (derived from the Neon host), the relay's /sql locally. */
    NEON_HTTP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1, 'must not be empty').optional(),
    HEALTH_CHECK_TIMEOUT_MS: wholeNumber(50, 10_000, 1500, 'milliseconds'),
    QUERY_TIMEOUT_MS: wholeNumber(100, 30_000, 5000, 'milliseconds'),
    CACHE_VERSION_TTL_MS: wholeNumber(0, 60_000, 2000, 'milliseconds'),
    ISOLATE_CACHE_MB: z.coerce
      .number()
      .int('must be a whole number of megabytes')
      .min(0, 'must be at least 0 (0 turns the in-memory tier off)')
      .max(64, 'must be at most 64 (an isolate has 128 MB in all)')
      .default(20),
    /** Bearer secret of the origin's links; unset: they are off (503). */
    ORIGIN_LINK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Bearer token of GET /metrics (the Prometheus scraper's); unset: /metrics answers 503. */
    METRICS_TOKEN: z
      .string()
      .min(16, 'must be at least 16 characters (openssl rand -hex 16)')
      .regex(/^\S+$/, 'must not contain spaces (it is sent as Authorization: Bearer <token>)')
      .optional(),
    /** HMAC key of access tokens; unset: every route that needs a user answers 503 (edge/auth/). */
    AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),
    AUTH_ACCESS_TOKEN_TTL_S: wholeNumber(60, 86_400, 900, 'seconds'),
    AUTH_REFRESH_TOKEN_TTL_S: wholeNumber(300, 31_536_000, 2_592_000, 'seconds'),
    AUTH_CACHE_TTL_MS: wholeNumber(0, 60_000, 10_000, 'milliseconds'),
    /** How long a key or session verified before Postgres went down is still served (0: not at all). */
    AUTH_OUTAGE_GRACE_MS: wholeNumber(0, 3_600_000, 300_000, 'milliseconds'),
    RATE_LIMIT_WINDOW_S: wholeNumber(1, 3600, 60, 'seconds'),
    RATE_LIMIT_API: wholeNumber(1, 1_000_000, 600, 'requests'),
    RATE_LIMIT_IP: wholeNumber(1, 1_000_000, 300, 'requests'),
    RATE_LIMIT_AUTH: wholeNumber(1, 1_000_000, 20, 'requests'),
    /** How long a count waits for Redis before the request passes anyway (rate limits fail open). */
    RATE_LIMIT_TIMEOUT_MS: wholeNumber(50, 10_000, 1000, 'milliseconds'),
    LOGIN_LOCK_EMAIL_AFTER: wholeNumber(1, 1000, 5, 'failures'),
    LOGIN_LOCK_IP_AFTER: wholeNumber(1, 10_000, 50, 'failures'),
    LOGIN_FAILURE_WINDOW_MS: wholeNumber(1000, 86_400_000, 900_000, 'milliseconds'),
    LOGIN_LOCK_MS: wholeNumber(100, 86_400_000, 900_000, 'milliseconds'),
    LOGIN_SLOWDOWN_MS: wholeNumber(0, 5000, 250, 'milliseconds'),
    /** Seals users' webhook secrets at rest (contracts/sealed-blob.ts); unset: webhooks are off (503). */
    ALERT_SECRET_KEY: alertSecretKey.optional(),
    /** The key before a rotation of ALERT_SECRET_KEY: secrets sealed with it still open. */
    ALERT_SECRET_KEY_PREVIOUS: alertSecretKey.optional(),
    /** `true` lets webhook URLs point at loopback and private networks (local development and tests only). */
    ALERT_WEBHOOKS_ALLOW_PRIVATE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
    ALERTS_PER_USER: wholeNumber(1, 100_000, 500, 'alerts'),
    ALERT_WEBHOOKS_PER_USER: wholeNumber(0, 100_000, 50, 'alerts'),
    /** The shortest cool-down a recurring alert may ask for: 10 s keeps a user's phone quiet; tests shorten it. */
    ALERTS_MIN_COOLDOWN_S: wholeNumber(1, 3600, MIN_COOLDOWN_S, 'seconds'),
    /** The ceiling of a webhook's first retry delay; each later one doubles it, up to 30 minutes. Tests shorten it. */
    ALERT_WEBHOOK_RETRY_BASE_MS: wholeNumber(10, 60_000, WEBHOOK_RETRY_BASE_MS, 'milliseconds'),
    WATCHLISTS_PER_USER: wholeNumber(1, 1000, DEFAULT_WATCHLISTS_PER_USER, 'watchlists'),
    WATCHLIST_INSTRUMENTS: wholeNumber(1, 10_000, DEFAULT_WATCHLIST_INSTRUMENTS, 'instruments'),
    /** The rate r of the option chains (docs/fno.md): continuously compounded, per year; 0.065 is 6.5 %. */
    FNO_RATE: z.coerce
      .number({ error: 'must be a number (0.065 for 6.5 %)' })
      .min(0, 'must be at least 0')
      .max(0.5, 'must be at most 0.5 (a fraction a year: 0.065 for 6.5 %)')
      .default(0.065),
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
  /** The secret the origin presents as `Authorization: Bearer …` on its links; undefined: not configured. */
  originLinkSecret: string | undefined;
  /** The token a scraper presents as `Authorization: Bearer …` on GET /metrics; undefined: /metrics is off (503). */
  metricsToken: string | undefined;
  auth: {
    /** HMAC-SHA256 key of access tokens; undefined: users, sessions and API keys are off (503). */
    jwtSecret: string | undefined;
    accessTokenTtlS: number;
    refreshTokenTtlS: number;
    /** How long an isolate trusts a verified API key or a user's role and session epoch: the bound on revocation in other isolates. */
    cacheTtlMs: number;
    /** While Postgres is down, how long after its last verification a key or session is still trusted. */
    outageGraceMs: number;
  };
  /**
   * Requests per window: per API key or user on the REST API, per IP without credentials, per IP on the credential routes
   * of /auth; and how long a count waits for Redis before the request passes anyway.
   */
  rateLimits: { windowS: number; api: number; ip: number; auth: number; timeoutMs: number };
  login: {
    lockEmailAfter: number;
    lockIpAfter: number;
    failureWindowMs: number;
    lockMs: number;
    /** Delay per recent failure before a login to that target is checked (0: none). */
    slowdownMs: number;
  };
  alerts: {
    /** Keys that open sealed webhook secrets, the one to seal with first; empty: webhooks are off. */
    secretKeys: string[];
    /** Webhook URLs on loopback and private networks are accepted (contracts/webhook-url.ts). */
    allowPrivateWebhooks: boolean;
    /** Alerts one user may hold, in any state. */
    maxPerUser: number;
    /** Of those, alerts with a webhook. */
    maxWebhooksPerUser: number;
    /** The shortest cool-down of a recurring alert. */
    minCooldownS: number;
    /** The ceiling of a webhook's first retry delay (the dispatcher's backoff base). */
    webhookRetryBaseMs: number;
  };
  watchlists: {
    /** Watchlists one user may hold. */
    perUser: number;
    /** Instruments one watchlist may hold. */
    instruments: number;
  };
  /** The option chains' rate r (FNO_RATE): continuously compounded, per year. */
  fnoRate: number;
};

/** The variables the worker declares; every value is untrusted until parsed. */
export type EdgeVars = Partial<Record<keyof z.input<typeof EdgeEnvSchema>, string>>;

const parsed = new WeakMap<object, EdgeConfig>();

/** Parses the worker's env, caching the result per env object (one per isolate). */
export function edgeConfig(env: object): EdgeConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const vars = parseEnv(EdgeEnvSchema, emptyToUndefined(env));
  const config: EdgeConfig = {
    database: { url: vars.DATABASE_URL, httpEndpoint: vars.NEON_HTTP_ENDPOINT },
    redis:
      vars.UPSTASH_REDIS_REST_URL && vars.UPSTASH_REDIS_REST_TOKEN ? { url: vars.UPSTASH_REDIS_REST_URL, token: vars.UPSTASH_REDIS_REST_TOKEN } : undefined,
    healthCheckTimeoutMs: vars.HEALTH_CHECK_TIMEOUT_MS,
    queryTimeoutMs: vars.QUERY_TIMEOUT_MS,
    cacheVersionTtlMs: vars.CACHE_VERSION_TTL_MS,
    isolateCacheBytes: vars.ISOLATE_CACHE_MB * 1024 * 1024,
    originLinkSecret: vars.ORIGIN_LINK_SECRET,
    metricsToken: vars.METRICS_TOKEN,
    auth: {
      jwtSecret: vars.AUTH_JWT_SECRET,
      accessTokenTtlS: vars.AUTH_ACCESS_TOKEN_TTL_S,
      refreshTokenTtlS: vars.AUTH_REFRESH_TOKEN_TTL_S,
      cacheTtlMs: vars.AUTH_CACHE_TTL_MS,
      outageGraceMs: vars.AUTH_OUTAGE_GRACE_MS,
    },
    rateLimits: {
      windowS: vars.RATE_LIMIT_WINDOW_S,
      api: vars.RATE_LIMIT_API,
      ip: vars.RATE_LIMIT_IP,
      auth: vars.RATE_LIMIT_AUTH,
      timeoutMs: vars.RATE_LIMIT_TIMEOUT_MS,
    },
    login: {
      lockEmailAfter: vars.LOGIN_LOCK_EMAIL_AFTER,
      lockIpAfter: vars.LOGIN_LOCK_IP_AFTER,
      failureWindowMs: vars.LOGIN_FAILURE_WINDOW_MS,
      lockMs: vars.LOGIN_LOCK_MS,
      slowdownMs: vars.LOGIN_SLOWDOWN_MS,
    },
    alerts: {
      secretKeys: vars.ALERT_SECRET_KEY ? [vars.ALERT_SECRET_KEY, ...(vars.ALERT_SECRET_KEY_PREVIOUS ? [vars.ALERT_SECRET_KEY_PREVIOUS] : [])] : [],
      allowPrivateWebhooks: vars.ALERT_WEBHOOKS_ALLOW_PRIVATE === 'true',
      maxPerUser: vars.ALERTS_PER_USER,
      maxWebhooksPerUser: vars.ALERT_WEBHOOKS_PER_USER,
      minCooldownS: vars.ALERTS_MIN_COOLDOWN_S,
      webhookRetryBaseMs: vars.ALERT_WEBHOOK_RETRY_BASE_MS,
    },
    watchlists: { perUser: vars.WATCHLISTS_PER_USER, instruments: vars.WATCHLIST_INSTRUMENTS },
    fnoRate: vars.FNO_RATE,
  };
  parsed.set(env, config);
  return config;
}
