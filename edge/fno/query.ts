import { z } from 'zod';

/** The query of `GET /fno/chain` and `GET /fno/summary` (docs/fno.md). */
const name = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Z0-9&\-_.]+$/, 'must be an underlying as Kite names its derivatives (NIFTY, BANKNIFTY, RELIANCE, M&M)');

/** A window wider than any listed chain would only be the whole chain: the cap keeps the number meaningful. */
export const MAX_WINDOW_STRIKES = 500;

export const ChainQuery = z.strictObject({
  name,
  expiry: z.iso.date({ error: 'must be a date YYYY-MM-DD' }),
  strikes: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(MAX_WINDOW_STRIKES, `must be at most ${MAX_WINDOW_STRIKES}`)
    .optional(),
});

export const SummaryQuery = z.strictObject({ name });
