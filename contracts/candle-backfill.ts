import { z } from 'zod';

/**
 * The backfill over the feed link (docs/candles.md, docs/origin-link.md):
 * the edge asks the origin to fetch what the platform has not recorded
 * from Kite's historical API; the origin queues the request (Kite allows
 * about 3 historical requests a second), writes what Kite answered into
 * Postgres (never over what the platform recorded itself), records what it
 * filled in `candle_fills`, and answers. The edge then reads Postgres.
 *
 * `minute`: the minutes of [from, to) (instants, ms); the day candles of
 * whole past days come with them. `day`: the day candles of the trading
 * days from `from` to `to`.
 */
export const BACKFILL_TIMEOUT_MS = 30_000;

export const BackfillRequest = z.object({
  type: z.literal('backfill'),
  id: z.string().min(1).max(64),
  token: z.number().int().min(1).max(0xffffffff),
  exchange: z.enum(['NSE', 'BSE', 'NFO', 'BFO', 'MCX', 'CDS', 'BCD']),
  interval: z.enum(['minute', 'day']),
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
});
export type BackfillRequest = z.infer<typeof BackfillRequest>;
/** What the edge asks for (the link adds `type` and `id`). */
export type BackfillAsk = Omit<BackfillRequest, 'type' | 'id'>;

export const BackfillAnswer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('backfill_done'), id: z.string().max(64), minutes: z.number().int().nonnegative(), days: z.number().int().nonnegative() }),
  z.object({ type: z.literal('backfill_failed'), id: z.string().max(64), message: z.string().max(2_000) }),
]);
export type BackfillAnswer = z.infer<typeof BackfillAnswer>;
