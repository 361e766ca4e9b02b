import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, parseEnv, wholeNumber } from '../contracts/config-error.ts';
import { MAX_LEASE_TTL_MS, MIN_LEASE_TTL_MS, OriginId } from '../contracts/origin-lease.ts';
import { type TickMode, TickMode as TickModeSchema } from '../contracts/origin-link.ts';
import { parseSealingKey } from '../contracts/sealed-blob.ts';

/**
 * The origin's configuration: every variable the origin process reads,
 * validated at start with errors that name the variable. Defaults point at
 * the local platform of `npm run dev`: its embedded Postgres, the bundled
 * Kite simulator and wrangler dev. Real Kite is selected by KITE_API_ROOT
 * (https://api.kite.trade), whose ticker and login page follow from it.
 */
const REAL_KITE_API = 'https://api.kite.trade';
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM (IST)');
/** One key, or several separated by commas (the previous ones, while rotating); parseSealingKey says what is wrong. */
const tokenKeys = z.string().transform((text, ctx) => {
  try {
    return text.split(',').map((key) => parseSealingKey(key.trim()));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const apiKey = z.string().regex(/^[A-Za-z0-9]{4,64}$/, 'must be a Kite Connect api_key');

const SyncEnvSchema = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .default('postgres://postgres:postgres@127.0.0.1:5488/kite_edge'),
  KITE_API_ROOT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.kite.trade' }).default('http://127.0.0.1:8700'),
  KITE_API_KEY: apiKey.default('kitesim'),
  KITE_ACCESS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9]{8,128}$/, 'must be a Kite access token')
    .optional(),
  SYNC_TIME_IST: timeOfDay.default('08:30'),
});

const OriginEnvSchema = SyncEnvSchema.extend({
  KITE_TICKER_ROOT: z.url({ protocol: /^wss?$/, error: 'must be a ws(s) URL such as wss://ws.kite.trade' }).optional(),
  KITE_LOGIN_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://kite.zerodha.com/connect/login' }).optional(),
  KITE_API_SECRET: z.string().min(8, 'must be your Kite Connect api_secret').optional(),
  KITE_ACCOUNTS: z
    .string()
    .regex(/^[A-Za-z0-9]{4,64}:[^,:\s]{8,}(,[A-Za-z0-9]{4,64}:[^,:\s]{8,})*$/, 'must be api_key:api_secret pairs separated by commas')
    .optional(),
  KITE_TOKEN_KEY: tokenKeys.optional(),
  KITE_TOKEN_KEY_PREVIOUS: tokenKeys.optional(),
  KITE_TOKEN_EXPIRY_IST: timeOfDay.default('06:00'),
  KITE_HEARTBEAT_TIMEOUT_MS: wholeNumber(2000, 60_000, 5000, 'milliseconds'),
  PINNED_INSTRUMENTS: z.string().default(''),
  EDGE_URL: z.url({ protocol: /^https?$/, error: "must be the edge worker's http(s) URL" }).default('http://127.0.0.1:8787'),
  ORIGIN_LINK_SECRET: z
    .string({ error: 'must be set: the shared secret of the origin link (the edge has the same)' })
    .min(16, 'must be at least 16 characters'),
  ORIGIN_PORT: z.coerce.number().int('must be a port number').min(0).max(65535, 'must be a port number').default(8080),
  KITE_HISTORICAL_RPS: wholeNumber(1, 10, 3, 'requests a second'),
  CANDLE_RETENTION_DAYS: wholeNumber(1, 3650, 60, 'days'),
  ORIGIN_ID: OriginId.optional(),
  ORIGIN_LEASE_RENEW_MS: wholeNumber(100, 10_000, 1000, 'milliseconds'),
  ORIGIN_LEASE_TTL_MS: wholeNumber(MIN_LEASE_TTL_MS, MAX_LEASE_TTL_MS, 5000, 'milliseconds'),
}).check((ctx) => {
  // A renewal that can be late once, and still in time.
  if (ctx.value.ORIGIN_LEASE_TTL_MS < 2 * ctx.value.ORIGIN_LEASE_RENEW_MS) {
    ctx.issues.push({
      code: 'custom',
      path: ['ORIGIN_LEASE_TTL_MS'],
      message: `must be at least twice ORIGIN_LEASE_RENEW_MS (${ctx.value.ORIGIN_LEASE_RENEW_MS})`,
      input: ctx.value.ORIGIN_LEASE_TTL_MS,
    });
  }
});

export type KiteAccount = { apiKey: string; apiSecret: string | undefined };

export type PinnedInstrument = { instrument: string; mode: TickMode };

/** What a registry sync needs (`npm run sync` reads only this). */
export type SyncConfig = {
  databaseUrl: string;
  kite: { root: string; apiKey: string; accessToken: string | undefined };
  /** Daily instrument sync, minutes after midnight IST (Kite publishes the day's dump early in the morning). */
  syncMinuteIst: number;
};

export type OriginConfig = SyncConfig & {
  kite: {
    root: string;
    apiKey: string;
    tickerRoot: string;
    loginUrl: string;
    /** The first is KITE_API_KEY (with KITE_ACCESS_TOKEN when given), then KITE_ACCOUNTS. */
    accounts: KiteAccount[];
    accessToken: string | undefined;
    /** Encrypts stored sessions; unset: logins are not stored. */
    tokenKey: Uint8Array | undefined;
    previousTokenKeys: Uint8Array[];
    tokenExpiryMinuteIst: number;
    heartbeatTimeoutMs: number;
  };
  pinned: PinnedInstrument[];
  edge: { url: string; linkSecret: string };
  port: number;
  /** Kite's historical API: requests a second (Kite allows about 3), and how long minute candles are kept. */
  history: { requestsPerSecond: number; retentionDays: number };
  /** Which origin this is, to the lease (ORIGIN_ID; hostname:pid by default), and how it keeps the lease. */
  lease: { originId: string; renewMs: number; ttlMs: number };
};

const minuteOfDay = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

const setOnly = (env: Record<string, string | undefined>) => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));

export function syncConfig(env: Record<string, string | undefined> = process.env): SyncConfig {
  const vars = parseEnv(SyncEnvSchema, setOnly(env));
  return {
    databaseUrl: vars.DATABASE_URL,
    kite: { root: vars.KITE_API_ROOT.replace(/\/+$/, ''), apiKey: vars.KITE_API_KEY, accessToken: vars.KITE_ACCESS_TOKEN },
    syncMinuteIst: minuteOfDay(vars.SYNC_TIME_IST),
  };
}

export function originConfig(env: Record<string, string | undefined> = process.env): OriginConfig {
  const vars = parseEnv(OriginEnvSchema, setOnly(env));
  const root = vars.KITE_API_ROOT.replace(/\/+$/, '');
  const real = root === REAL_KITE_API;
  const accounts: KiteAccount[] = [{ apiKey: vars.KITE_API_KEY, apiSecret: vars.KITE_API_SECRET }];
  for (const pair of vars.KITE_ACCOUNTS?.split(',') ?? []) {
    const [key = '', secret] = pair.split(':');
    if (accounts.some((a) => a.apiKey === key)) continue;
    accounts.push({ apiKey: key, apiSecret: secret });
  }
  return {
    databaseUrl: vars.DATABASE_URL,
    kite: {
      root,
      apiKey: vars.KITE_API_KEY,
      tickerRoot: vars.KITE_TICKER_ROOT ?? (real ? 'wss://ws.kite.trade' : `${root.replace(/^http/, 'ws')}/ws`),
      loginUrl: vars.KITE_LOGIN_URL ?? (real ? 'https://kite.zerodha.com/connect/login' : `${root}/connect/login`),
      accounts,
      accessToken: vars.KITE_ACCESS_TOKEN,
      tokenKey: vars.KITE_TOKEN_KEY?.[0],
      previousTokenKeys: vars.KITE_TOKEN_KEY_PREVIOUS ?? [],
      tokenExpiryMinuteIst: minuteOfDay(vars.KITE_TOKEN_EXPIRY_IST),
      heartbeatTimeoutMs: vars.KITE_HEARTBEAT_TIMEOUT_MS,
    },
    pinned: parsePinned(vars.PINNED_INSTRUMENTS),
    edge: { url: vars.EDGE_URL.replace(/\/+$/, ''), linkSecret: vars.ORIGIN_LINK_SECRET },
    port: vars.ORIGIN_PORT,
    history: { requestsPerSecond: vars.KITE_HISTORICAL_RPS, retentionDays: vars.CANDLE_RETENTION_DAYS },
    lease: { originId: vars.ORIGIN_ID ?? `${hostname()}:${process.pid}`, renewMs: vars.ORIGIN_LEASE_RENEW_MS, ttlMs: vars.ORIGIN_LEASE_TTL_MS },
    syncMinuteIst: minuteOfDay(vars.SYNC_TIME_IST),
  };
}

/**
 * PINNED_INSTRUMENTS: instruments the origin carries whatever the edge
 * wants, as `EXCHANGE:TRADINGSYMBOL` or a token, each optionally `:mode`
 * (default full), comma-separated: `NSE:NIFTY 50,NSE:RELIANCE:quote,256265:ltp`.
 */
function parsePinned(text: string): PinnedInstrument[] {
  const pinned: PinnedInstrument[] = [];
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parts = item.split(':');
    const last = parts.at(-1) ?? '';
    const mode = TickModeSchema.safeParse(last);
    const instrument = (mode.success ? parts.slice(0, -1) : parts).join(':');
    if (!/^\d+$/.test(instrument) && !/^[A-Z]{2,5}:\S.*$/.test(instrument)) {
      throw new ConfigError([
        {
          variable: 'PINNED_INSTRUMENTS',
          problem: `"${item}" must be EXCHANGE:TRADINGSYMBOL or an instrument token, optionally followed by :ltp, :quote or :full`,
        },
      ]);
    }
    pinned.push({ instrument, mode: mode.success ? mode.data : 'full' });
  }
  return pinned;
}
