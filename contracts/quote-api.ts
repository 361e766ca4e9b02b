import { z } from 'zod';

/**
 * Kite Connect's market quote shapes (`GET /quote`, `/quote/ohlc`,
 * `/quote/ltp`; docs/quote.md), so a program written against Kite's REST
 * quotes reads ours unchanged. The edge builds them from ticks
 * (edge/quote/kite-quote.ts); the typed client reads them.
 */
export const KiteDepthLevel = z.object({ price: z.number(), quantity: z.number().int(), orders: z.number().int() });
export type KiteDepthLevel = z.infer<typeof KiteDepthLevel>;

export const KiteOhlc = z.object({ open: z.number(), high: z.number(), low: z.number(), close: z.number() });
export type KiteOhlc = z.infer<typeof KiteOhlc>;

/** Kite's time format: `2021-06-08 15:45:56`, Indian time. */
const KiteTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

export const KiteQuote = z
  .object({
    instrument_token: z.number().int(),
    timestamp: KiteTime,
    last_trade_time: KiteTime.nullable(),
    last_price: z.number(),
    last_quantity: z.number(),
    buy_quantity: z.number(),
    sell_quantity: z.number(),
    volume: z.number(),
    average_price: z.number(),
    oi: z.number(),
    oi_day_high: z.number(),
    oi_day_low: z.number(),
    net_change: z.number(),
    lower_circuit_limit: z.number(),
    upper_circuit_limit: z.number(),
    ohlc: KiteOhlc,
    depth: z.object({ buy: z.array(KiteDepthLevel), sell: z.array(KiteDepthLevel) }),
  })
  .meta({ id: 'KiteQuote' });
export type KiteQuote = z.infer<typeof KiteQuote>;

export const KiteOhlcQuote = z.object({ instrument_token: z.number().int(), last_price: z.number(), ohlc: KiteOhlc });
export type KiteOhlcQuote = z.infer<typeof KiteOhlcQuote>;

export const KiteLtpQuote = z.object({ instrument_token: z.number().int(), last_price: z.number() });
export type KiteLtpQuote = z.infer<typeof KiteLtpQuote>;

/**
 * Why an instrument asked for is not in `data`:
 * - `unknown_instrument`: no active instrument has that token or symbol;
 * - `no_tick`: known, but its group holds no tick of it (not streamed yet,
 *   or not since the group last dropped it);
 * - `unavailable`: its group's Durable Object did not answer. The others are
 *   still answered: one group's trouble does not fail the whole request.
 */
export const MissingReason = z.enum(['unknown_instrument', 'no_tick', 'unavailable']);
export type MissingReason = z.infer<typeof MissingReason>;

/** Kite's `{"status": "success", "data": {...}}`, keyed by `i` as given, plus what is missing and why. */
export const quoteResponse = <T extends z.ZodType>(entry: T) =>
  z.object({ status: z.literal('success'), data: z.record(z.string(), entry), missing: z.record(z.string(), MissingReason) });
export type QuoteResponse<T> = { status: 'success'; data: Record<string, T>; missing: Record<string, MissingReason> };
