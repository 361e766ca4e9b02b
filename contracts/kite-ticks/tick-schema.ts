import { z } from 'zod';
import type { Tick } from './tick.ts';

/**
 * The schema of a decoded tick as it travels in JSON (the `ticks` and
 * `snapshot` frames of /v2/ws), for the documents the edge serves
 * (/asyncapi.json). tick.ts stays free of zod (the decoder's hot path); the
 * check below fails to compile when this and its types part.
 */
const Ohlc = z.object({ open: z.number(), high: z.number(), low: z.number(), close: z.number() });
const DepthLevel = z.object({ quantity: z.number().int(), price: z.number(), orders: z.number().int() });
const unixSeconds = z.number().int().nullable().meta({ description: 'Unix seconds; null when the packet carries 0' });

const LtpTick = z.object({ tradable: z.boolean(), mode: z.literal('ltp'), instrument_token: z.number().int(), last_price: z.number() });
const IndexQuoteTick = LtpTick.extend({
  mode: z.literal('quote'),
  ohlc: Ohlc,
  change: z.number().meta({ description: 'percent change from the previous close' }),
});
const IndexFullTick = IndexQuoteTick.extend({ mode: z.literal('full'), exchange_timestamp: unixSeconds });
const QuoteTick = IndexQuoteTick.extend({
  last_traded_quantity: z.number().int(),
  average_traded_price: z.number(),
  volume_traded: z.number().int(),
  total_buy_quantity: z.number().int(),
  total_sell_quantity: z.number().int(),
});
const FullTick = QuoteTick.extend({
  mode: z.literal('full'),
  last_trade_time: unixSeconds,
  exchange_timestamp: unixSeconds,
  oi: z.number().int(),
  oi_day_high: z.number().int(),
  oi_day_low: z.number().int(),
  depth: z.object({ buy: z.array(DepthLevel), sell: z.array(DepthLevel) }),
});

/** Kite's field names and nesting (tick.ts); which fields a tick has depends on its packet (docs/kite-ticks.md). */
export const TickSchema = z.union([LtpTick, IndexQuoteTick, IndexFullTick, QuoteTick, FullTick]).meta({ id: 'Tick' });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type TickSchemaMatchesTick = Holds<Same<z.infer<typeof TickSchema>, Tick>>;
