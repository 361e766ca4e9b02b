import { z } from 'zod';
import { isCalendarDay } from './calendar-day.ts';

/**
 * The instruments API's parameters and rows, shared by the edge (which
 * validates with them) and its clients. A bad parameter gets a 400 naming
 * it and the rule (contracts/errors.ts); unknown parameters are refused, so
 * a typo such as `limt=10` is an error, not a silently ignored filter.
 */
/** A comma-separated list whose every item must match `item`; any failure says what the list must hold. */
const list = (item: RegExp | readonly [string, ...string[]], what: string) => {
  const message = `must be a comma-separated list of ${what}`;
  const element = Array.isArray(item) ? z.enum(item as readonly [string, ...string[]], { error: message }) : z.string().regex(item as RegExp, message);
  return z
    .string()
    .transform((value) => value.split(','))
    .pipe(z.array(element).min(1, message).max(20, 'must list at most 20 values'));
};

// zod's ISO date takes year 0000, which Postgres refused with a 500 (calendar-day.ts).
const date = z.iso.date({ error: 'must be a date YYYY-MM-DD' }).refine(isCalendarDay, 'must be a date YYYY-MM-DD');
const price = z.coerce.number({ error: 'must be a number' }).min(0, 'must be at least 0').max(1e9, 'must be at most 1e9');

export const INSTRUMENT_SORTS = ['tradingsymbol', 'instrument_token', 'expiry', 'strike', 'name'] as const;
export type InstrumentSort = (typeof INSTRUMENT_SORTS)[number];

export const ListQuery = z
  .strictObject({
    exchange: list(/^[A-Z]{2,10}$/, 'exchanges such as NSE,NFO').optional(),
    segment: list(/^[A-Z][A-Z-]{1,15}$/, 'segments such as NFO-OPT').optional(),
    instrument_type: list(['EQ', 'FUT', 'CE', 'PE'], 'EQ, FUT, CE, PE').optional(),
    name: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters').optional(),
    expiry: date.optional(),
    expiry_from: date.optional(),
    expiry_to: date.optional(),
    strike_min: price.optional(),
    strike_max: price.optional(),
    is_active: z.enum(['true', 'false', 'all'], { error: 'must be true, false or all' }).default('true'),
    sort: z
      .enum([...INSTRUMENT_SORTS, ...INSTRUMENT_SORTS.map((s) => `-${s}` as const)], {
        error: `must be one of ${INSTRUMENT_SORTS.join(', ')}, optionally prefixed with - for descending`,
      })
      .default('tradingsymbol'),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1000, 'must be at most 1000')
      .default(100),
    offset: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be at least 0')
      .max(200_000, 'must be at most 200000; use cursor to walk further')
      .optional(),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,512}$/, 'must be a cursor returned by this API')
      .optional(),
  })
  .check(
    z.superRefine((q, ctx) => {
      if (q.offset !== undefined && q.cursor !== undefined) ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'cannot be combined with offset' });
      if (q.strike_min !== undefined && q.strike_max !== undefined && q.strike_min > q.strike_max) {
        ctx.addIssue({ code: 'custom', path: ['strike_min'], message: 'must not exceed strike_max' });
      }
      if (q.expiry_from !== undefined && q.expiry_to !== undefined && q.expiry_from > q.expiry_to) {
        ctx.addIssue({ code: 'custom', path: ['expiry_from'], message: 'must not be after expiry_to' });
      }
    }),
  );
export type ListQuery = z.output<typeof ListQuery>;

/** One instrument as the API answers it: the dump's columns plus whether it is still listed. */
export const InstrumentRow = z
  .object({
    instrument_token: z.number().int(),
    exchange_token: z.number().int(),
    tradingsymbol: z.string(),
    name: z.string(),
    last_price: z.number(),
    expiry: z.string().nullable(),
    strike: z.number(),
    tick_size: z.number(),
    lot_size: z.number().int(),
    instrument_type: z.enum(['EQ', 'FUT', 'CE', 'PE']),
    segment: z.string(),
    exchange: z.string(),
    is_active: z.boolean(),
  })
  .meta({ id: 'InstrumentRow' });
export type InstrumentRow = z.infer<typeof InstrumentRow>;

export const ListResponse = z.object({
  rows: z.array(InstrumentRow),
  /** Every row matching the filters, counted from the same filter as the page. */
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int().nullable(),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
  dataset_version: z.number(),
});
export type ListResponse = z.infer<typeof ListResponse>;

export const SearchResponse = z.object({ q: z.string(), rows: z.array(InstrumentRow) });
export type SearchResponse = z.infer<typeof SearchResponse>;

const ListedCounts = z.record(z.string(), z.object({ active: z.number().int(), inactive: z.number().int() }));

/** The registry's counts as of its latest sync (all zero, `last_sync` null, before the first). */
export const StatsResponse = z.object({
  total: z.number().int(),
  active: z.number().int(),
  inactive: z.number().int(),
  by_exchange: ListedCounts,
  by_segment: ListedCounts,
  by_instrument_type: ListedCounts,
  /** Listed expiries of each `EXCHANGE:NAME` underlying. */
  expiries_per_underlying: z.record(z.string(), z.number().int()),
  dataset_version: z.number(),
  last_sync: z.iso.datetime().nullable(),
});
export type StatsResponse = z.infer<typeof StatsResponse>;

export const ExpiriesResponse = z.object({ name: z.string(), expiries: z.array(z.iso.date()) });
export type ExpiriesResponse = z.infer<typeof ExpiriesResponse>;

const exchangeParam = z.string().regex(/^[A-Z]{2,10}$/, 'must be an exchange such as NSE or NFO');

/** The path parameters of `/instruments/by-symbol/:exchange/:tradingsymbol` and `/instruments/:token`. */
export const ExchangeParam = exchangeParam;
export const TradingsymbolParam = z.string().min(1, 'must be 1-64 characters').max(64, 'must be 1-64 characters');
const TOKEN_RULE = 'must be an instrument_token: a whole number from 0 to 4294967295';
export const TokenParam = z
  .string()
  .regex(/^\d{1,10}$/, TOKEN_RULE)
  .refine((token) => Number(token) <= 0xffffffff, TOKEN_RULE);

export const SearchQuery = z.strictObject({
  q: z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
  exchange: list(/^[A-Z]{2,10}$/, 'exchanges such as NSE,NFO').optional(),
  segment: list(/^[A-Z][A-Z-]{1,15}$/, 'segments such as NFO-OPT').optional(),
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(50, 'must be at most 50').default(20),
});
export type SearchQuery = z.output<typeof SearchQuery>;

/** For routes without parameters: anything given is refused by name. */
export const NoQuery = z.strictObject({});

export const ExpiriesQuery = z.strictObject({
  name: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
  exchange: exchangeParam.optional(),
});

export const OptionChainQuery = z.strictObject({
  name: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
  expiry: date,
  exchange: exchangeParam.optional(),
});

const ChainContract = z.object({ instrument_token: z.number().int(), tradingsymbol: z.string() });

/** One strike of a static option chain: the contracts that live data is laid onto. */
export const ChainStrike = z.object({ strike: z.number(), CE: ChainContract.nullable(), PE: ChainContract.nullable() });
export type ChainStrike = z.infer<typeof ChainStrike>;

/** `GET /instruments/option-chain`: an expiry's listed contracts by strike, without prices. */
export const OptionChainResponse = z.object({
  name: z.string(),
  expiry: z.iso.date(),
  exchange: z.string(),
  lot_size: z.number().int(),
  future: ChainContract.nullable(),
  strikes: z.array(ChainStrike),
});
export type OptionChainResponse = z.infer<typeof OptionChainResponse>;
