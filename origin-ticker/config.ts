import { z } from 'zod';
import { parseEnv } from '../contracts/config-error.ts';

/**
 * The origin's configuration: every variable the origin process reads
 * (today the instrument sync and its schedule; the ticker pool joins with
 * its issue). Defaults point
 * at the local platform of `npm run dev`: its embedded Postgres and the
 * bundled Kite simulator. Real Kite is selected by KITE_API_ROOT.
 */
const OriginEnvSchema = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .default('postgres://postgres:postgres@127.0.0.1:5488/kite_edge'),
  KITE_API_ROOT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.kite.trade' }).default('http://127.0.0.1:8700'),
  KITE_API_KEY: z.string().regex(/^[A-Za-z0-9]{4,64}$/, 'must be your Kite Connect api_key').default('kitesim'),
  KITE_ACCESS_TOKEN: z.string().regex(/^[A-Za-z0-9]{8,128}$/, 'must be a Kite access token').optional(),
  SYNC_TIME_IST: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM (IST)')
    .default('08:30'),
});

export type OriginConfig = {
  databaseUrl: string;
  kite: { root: string; apiKey: string; accessToken: string | undefined };
  /** Daily instrument sync, minutes after midnight IST (Kite publishes the day's dump early in the morning). */
  syncMinuteIst: number;
};

export function originConfig(env: Record<string, string | undefined> = process.env): OriginConfig {
  const vars = parseEnv(OriginEnvSchema, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  return {
    databaseUrl: vars.DATABASE_URL,
    kite: { root: vars.KITE_API_ROOT.replace(/\/+$/, ''), apiKey: vars.KITE_API_KEY, accessToken: vars.KITE_ACCESS_TOKEN },
    syncMinuteIst: Number(vars.SYNC_TIME_IST.slice(0, 2)) * 60 + Number(vars.SYNC_TIME_IST.slice(3)),
  };
}
