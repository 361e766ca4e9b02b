import { z } from 'zod';
import { parseEnv } from '../contracts/config-error.ts';
import { KITE_EXCHANGES, type KiteExchange } from '../contracts/kite-instrument.ts';
import { MAX_PACKETS_PER_FRAME } from '../contracts/kite-ticks/packet-layout.ts';
import { DEFAULT_SMILE, type Smile } from './pricing.ts';

/**
 * The simulator's knobs (`npm run sim`, and `npm run dev` which starts it).
 * Every one has a default that behaves like Kite.
 */
const int = (fallback: number, min: number, max: number, unit = '') =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}${unit}`)
    .max(max, `must be at most ${max}${unit}`)
    .default(fallback);

const SimEnvSchema = z.object({
  SIM_PORT: int(8700, 0, 65535),
  SIM_API_KEY: z
    .string()
    .regex(/^[a-z0-9]{4,32}$/, 'must be 4-32 lower-case letters or digits')
    .default('kitesim'),
  SIM_API_SECRET: z.string().min(8, 'must be at least 8 characters').default('kitesim-secret'),
  SIM_APP_COUNT: int(1, 1, 10),
  SIM_USER_ID: z
    .string()
    .regex(/^[A-Z]{2}\d{4}$/, 'must look like a Kite user id, e.g. AB1234')
    .default('SM0001'),
  SIM_REDIRECT_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  SIM_SEED: int(1, 0, 2 ** 31 - 1),
  SIM_TICKS_PER_SECOND: z.coerce.number({ error: 'must be a number' }).positive('must be above 0').max(50, 'must be at most 50').default(1),
  SIM_TOKEN_EXPIRY_IST: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM (IST)')
    .default('06:00'),
  SIM_ADMIN_TOKEN: z.string().min(8, 'must be at least 8 characters').default('kitesim-admin'),
  // One frame carries a tick of every subscribed instrument: no more than a frame holds.
  SIM_MAX_INSTRUMENTS: int(3000, 1, MAX_PACKETS_PER_FRAME),
  SIM_MAX_CONNECTIONS: int(3, 1, 100),
  SIM_RATE: z.coerce.number({ error: 'must be a number' }).min(0).max(0.5, 'must be at most 0.5').default(0.065),
  SIM_SMILE_SKEW: z.coerce.number({ error: 'must be a number' }).min(-2).max(2).optional(),
  SIM_SMILE_CURVATURE: z.coerce.number({ error: 'must be a number' }).min(0).max(5).optional(),
  SIM_HISTORICAL_RPS: int(3, 0, 1000),
  SIM_SEND_TIMES: z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('0'),
  SIM_PONG_TIMEOUT_MS: int(0, 0, 60_000),
  SIM_EXCHANGES: z
    .string()
    .regex(new RegExp(`^(${KITE_EXCHANGES.join('|')})(,(${KITE_EXCHANGES.join('|')}))*$`), `must be a comma-separated list of ${KITE_EXCHANGES.join(', ')}`)
    .optional(),
});

export type SimConfig = {
  port: number;
  app: { apiKey: string; apiSecret: string; userId: string };
  /**
   * Every Kite Connect app the simulator knows: `app` first, then
   * SIM_APP_COUNT − 1 more (`<key>2`, `<secret>-2`, …) for setups with
   * several accounts, each with its own connection limit.
   */
  apps: { apiKey: string; apiSecret: string; userId: string }[];
  /** Where the login page sends the browser with ?request_token=…; default: the simulator's own page showing it. */
  redirectUrl: string | undefined;
  seed: number;
  ticksPerSecond: number;
  tokenExpiryMinuteIst: number;
  adminToken: string;
  maxInstrumentsPerConnection: number;
  maxConnectionsPerKey: number;
  rate: number;
  smile: Smile;
  /** Historical API requests a second per API key, as Kite allows (3); 0: unlimited. */
  historicalRequestsPerSecond: number;
  /** Record when each tick frame is sent, readable at `GET /_sim/send-times` (for latency benchmarks). */
  recordSendTimes: boolean;
  /** Cut a ticker connection that answers no ping for this long (0: never; ticker-server.ts). */
  pongTimeoutMs: number;
  /** The exchanges whose instruments it lists and streams (SIM_EXCHANGES); all of Kite's by default. */
  exchanges: readonly KiteExchange[];
};

export function simConfig(env: Record<string, string | undefined> = process.env): SimConfig {
  const vars = parseEnv(SimEnvSchema, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const [hours, minutes] = vars.SIM_TOKEN_EXPIRY_IST.split(':').map(Number);
  return {
    port: vars.SIM_PORT,
    app: { apiKey: vars.SIM_API_KEY, apiSecret: vars.SIM_API_SECRET, userId: vars.SIM_USER_ID },
    apps: Array.from({ length: vars.SIM_APP_COUNT }, (_, i) =>
      i === 0
        ? { apiKey: vars.SIM_API_KEY, apiSecret: vars.SIM_API_SECRET, userId: vars.SIM_USER_ID }
        : {
            apiKey: `${vars.SIM_API_KEY}${i + 1}`,
            apiSecret: `${vars.SIM_API_SECRET}-${i + 1}`,
            userId: `${vars.SIM_USER_ID.slice(0, 2)}${String(Number(vars.SIM_USER_ID.slice(2)) + i)
              .padStart(4, '0')
              .slice(-4)}`,
          },
    ),
    redirectUrl: vars.SIM_REDIRECT_URL,
    seed: vars.SIM_SEED,
    ticksPerSecond: vars.SIM_TICKS_PER_SECOND,
    tokenExpiryMinuteIst: (hours ?? 6) * 60 + (minutes ?? 0),
    adminToken: vars.SIM_ADMIN_TOKEN,
    maxInstrumentsPerConnection: vars.SIM_MAX_INSTRUMENTS,
    maxConnectionsPerKey: vars.SIM_MAX_CONNECTIONS,
    rate: vars.SIM_RATE,
    smile: { skew: vars.SIM_SMILE_SKEW ?? DEFAULT_SMILE.skew, curvature: vars.SIM_SMILE_CURVATURE ?? DEFAULT_SMILE.curvature },
    historicalRequestsPerSecond: vars.SIM_HISTORICAL_RPS,
    recordSendTimes: vars.SIM_SEND_TIMES === '1',
    pongTimeoutMs: vars.SIM_PONG_TIMEOUT_MS,
    exchanges: vars.SIM_EXCHANGES ? [...new Set(vars.SIM_EXCHANGES.split(',') as KiteExchange[])] : KITE_EXCHANGES,
  };
}
