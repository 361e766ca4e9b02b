import { resolve } from 'node:path';
import { z } from 'zod';
import { bothOrNeither, parseEnv } from '../contracts/config-error.ts';

/**
 * Configuration of the local platform (`npm run dev`): every variable it
 * reads, with its default. Each external service can be swapped for the real
 * one by setting its URL; otherwise a local stand-in is started.
 */
const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(fallback);

/** The token of the edge's GET /metrics in a local run unless METRICS_TOKEN says otherwise (printed at start). */
export const LOCAL_METRICS_TOKEN = 'local-metrics-token';

const LocalEnvSchema = z
  .object({
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
    PG_PORT: port(5488),
    NEON_RELAY_PORT: port(5489),
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
    REDIS_PORT: port(6390),
    UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1, 'must not be empty').optional(),
    REDIS_BRIDGE_PORT: port(8079),
    REDIS_BRIDGE_TOKEN: z.string().min(8, 'must be at least 8 characters').default('local-dev-token'),
    EDGE_PORT: port(8787),
    EDGE_INSPECTOR_PORT: port(9229),
    ORIGIN_PORT: port(8080),
    ORIGIN_STANDBY_PORT: port(8081),
    ORIGIN_STANDBY: z.enum(['0', '1'], { error: 'must be 1 (start a standby origin) or 0 (one origin only)' }).default('1'),
    DEV_CONTROL_PORT: port(8786),
    ORIGIN_LINK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').default(LOCAL_METRICS_TOKEN),
    KITE_TOKEN_KEY: z.string().optional(),
    /** Both set, with a key that is not the simulator's: the origin goes to real Kite instead of the simulator. */
    KITE_API_KEY: z.string().optional(),
    KITE_API_SECRET: z.string().optional(),
    PINNED_INSTRUMENTS: z.string().default('NSE:NIFTY 50,NSE:NIFTY BANK'),
    LOCAL_STATE_DIR: z.string().min(1).default('.local'),
  })
  .check(bothOrNeither('UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'));

export type LocalConfig = ReturnType<typeof localConfig>;

export function localConfig(env: NodeJS.ProcessEnv = process.env) {
  const vars = parseEnv(LocalEnvSchema, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const stateDir = resolve(vars.LOCAL_STATE_DIR);
  return {
    /** An external Postgres (Neon or any other) instead of the embedded one. */
    databaseUrl: vars.DATABASE_URL,
    postgres: { port: vars.PG_PORT, dir: resolve(stateDir, 'postgres'), database: 'kite_edge' },
    relayPort: vars.NEON_RELAY_PORT,
    /** Upstash itself, when both variables are set: no local Redis is started. */
    upstash:
      vars.UPSTASH_REDIS_REST_URL && vars.UPSTASH_REDIS_REST_TOKEN ? { url: vars.UPSTASH_REDIS_REST_URL, token: vars.UPSTASH_REDIS_REST_TOKEN } : undefined,
    redisUrl: vars.REDIS_URL,
    redis: { port: vars.REDIS_PORT, dir: resolve(stateDir, 'redis') },
    bridge: { port: vars.REDIS_BRIDGE_PORT, token: vars.REDIS_BRIDGE_TOKEN },
    edgePort: vars.EDGE_PORT,
    /** workerd's DevTools inspector (wrangler dev): a debugger, a CPU profile, the worker's heap (bench/fanout.ts). */
    edgeInspectorPort: vars.EDGE_INSPECTOR_PORT,
    originPort: vars.ORIGIN_PORT,
    /** The standby origin's port, or undefined with ORIGIN_STANDBY=0 (one origin, no failover). */
    standbyOriginPort: vars.ORIGIN_STANDBY === '1' ? vars.ORIGIN_STANDBY_PORT : undefined,
    /** Where a test or an operator stops, starts, hangs and lets go one part at a time (control-server.ts). */
    controlPort: vars.DEV_CONTROL_PORT,
    /** A fresh secret per run unless one is given: the origin and the edge get the same. */
    originLinkSecret: vars.ORIGIN_LINK_SECRET,
    /** The bearer token of the edge's GET /metrics. */
    metricsToken: vars.METRICS_TOKEN,
    kiteTokenKey: vars.KITE_TOKEN_KEY,
    realKite: Boolean(vars.KITE_API_KEY && vars.KITE_API_SECRET && vars.KITE_API_KEY !== 'kitesim'),
    pinned: vars.PINNED_INSTRUMENTS,
    stateDir,
    wranglerStateDir: resolve(stateDir, 'wrangler'),
  };
}
