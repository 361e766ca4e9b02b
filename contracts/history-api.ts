import { z } from 'zod';
import { CANDLE_INTERVALS, CandleInterval } from './candles.ts';

/**
 * Kite's historical candle API as the edge serves it (docs/candles.md):
 * `GET /instruments/historical/{token}/{interval}`, Kite's query and
 * answer, and Kite's error envelope. Described in /openapi.json from these.
 */
export const HistoryParams = z.object({
  token: z.string().meta({ description: "The instrument's Kite token (1 to 4294967295).", example: '408065' }),
  interval: CandleInterval.meta({ description: `One of ${CANDLE_INTERVALS.join(', ')}.` }),
});

const Flag = z.enum(['0', '1']);
export const HistoryQuery = z.object({
  from: z.string().meta({ description: 'IST `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`: midnight), inclusive.', example: '2026-12-04 09:15:00' }),
  to: z.string().meta({ description: 'IST `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`: the day’s end), inclusive.', example: '2026-12-04 15:30:00' }),
  continuous: Flag.optional().meta({ description: '1: continuous data, taken only for day candles of futures (the contract’s own).' }),
  oi: Flag.optional().meta({ description: '1: each candle carries its OI as a seventh column.' }),
  instrument_token: z.string().optional().meta({ description: 'As the official clients repeat it; must agree with the path.' }),
  interval: CandleInterval.optional().meta({ description: 'As the official clients repeat it; must agree with the path.' }),
});

const Price = z.number();
export const KiteCandleRowSchema = z
  .union([z.tuple([z.string(), Price, Price, Price, Price, z.number()]), z.tuple([z.string(), Price, Price, Price, Price, z.number(), z.number()])])
  .meta({ id: 'KiteCandle', description: '[time (IST, +0530), open, high, low, close, volume, oi (with oi=1)]' });

export const HistoryResponse = z.object({ status: z.literal('success'), data: z.object({ candles: z.array(KiteCandleRowSchema) }) });
export type HistoryResponse = z.infer<typeof HistoryResponse>;

/** Kite's error envelope, which the Kite-shaped routes answer in. */
export const KiteErrorBody = z
  .object({ status: z.literal('error'), message: z.string(), data: z.null(), error_type: z.enum(['InputException', 'NetworkException', 'GeneralException']) })
  .meta({ id: 'KiteError' });
export type KiteErrorBody = z.infer<typeof KiteErrorBody>;
