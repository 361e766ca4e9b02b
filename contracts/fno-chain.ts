import { z } from 'zod';

/**
 * The live option chain of one underlying and expiry, and the term
 * structure across its expiries: what `GET /fno/chain`, `GET /fno/summary`
 * and the `chain` / `chain_update` frames of `/v2/ws` carry. Computed by the
 * instrument group's analytics (durable-objects/instrument-group/analytics/);
 * every formula, unit and rounding rule is in docs/fno.md.
 *
 * Numbers are published rounded (prices to the instrument's paisa, IV to
 * 0.01 vol points, Greeks to 4 significant digits), so two chains compare
 * field by field without float noise: that is what makes `chain_update`
 * carry only real changes.
 */

export const FORWARD_SOURCES = ['future', 'parity', 'carry'] as const;
/** Where the forward came from: the expiry's future, put-call parity, or spot carried at the rate. */
export const ForwardSource = z.enum(FORWARD_SOURCES);
export type ForwardSource = z.infer<typeof ForwardSource>;

export const OI_CHANGE_BASES = ['previous_close', 'first_seen_today'] as const;
/** What `oi_change` is measured against: the previous session's closing OI, or the first OI seen today. */
export const OiChangeBasis = z.enum(OI_CHANGE_BASES);
export type OiChangeBasis = z.infer<typeof OiChangeBasis>;

const day = z.iso.date({ error: 'must be a date YYYY-MM-DD' });
const time = z.iso.datetime({ error: 'must be an ISO 8601 UTC time' });
const token = z.number().int().nonnegative();
const count = z.number().int().nonnegative();

/** One call or put of the chain. null fields: not known (no trade, no quote, no IV). */
export const FnoOption = z.object({
  instrument_token: token,
  tradingsymbol: z.string(),
  last_price: z.number().nullable(),
  /** last_price − previous close, in rupees (not percent, unlike a tick's `change`). */
  change: z.number().nullable(),
  bid: z.number().nullable(),
  ask: z.number().nullable(),
  volume: count.nullable(),
  oi: count.nullable(),
  /** oi − the reference OI named by the chain's `oi_change_basis`. */
  oi_change: z.number().int().nullable(),
  /** Implied volatility in percent per year of 365 days (13.2 for 13.2 %). */
  iv: z.number().nonnegative().nullable(),
  /** ∂price/∂forward, discounted. */
  delta: z.number().min(-1).max(1).nullable(),
  /** ∂²price/∂forward², per rupee of forward. */
  gamma: z.number().nonnegative().nullable(),
  /** Rupees a calendar day, forward and IV held. */
  theta: z.number().nullable(),
  /** Rupees per vol point (IV up by 1 percentage point). */
  vega: z.number().nonnegative().nullable(),
});
export type FnoOption = z.infer<typeof FnoOption>;

export const FnoStrikeRow = z
  .object({
    strike: z.number().positive(),
    CE: FnoOption.nullable(),
    PE: FnoOption.nullable(),
  })
  .meta({ id: 'FnoStrikeRow' });
export type FnoStrikeRow = z.infer<typeof FnoStrikeRow>;

export const FnoFuture = z.object({
  instrument_token: token,
  tradingsymbol: z.string(),
  last_price: z.number().nullable(),
});
export type FnoFuture = z.infer<typeof FnoFuture>;

/** The chain's own figures, everything but its identity and rows: what a `chain_update` may change. */
export const FnoChainSummary = z.object({
  spot: z.number().nullable(),
  future: FnoFuture.nullable(),
  forward: z.number().positive().nullable(),
  forward_source: ForwardSource.nullable(),
  /** Years of 365 days to 15:30 IST on the expiry day; ≤ 0 once it has passed. */
  time_to_expiry_years: z.number(),
  /** Continuously compounded, per year (FNO_RATE). */
  rate: z.number(),
  /** The listed strike nearest the forward. */
  atm_strike: z.number().positive().nullable(),
  /** Percent: the mean of the ATM call's and put's IV, or whichever exists. */
  atm_iv: z.number().nonnegative().nullable(),
  /** Σ put OI / Σ call OI over the rows returned. */
  pcr_oi: z.number().nonnegative().nullable(),
  /** Σ put volume / Σ call volume over the rows returned. */
  pcr_volume: z.number().nonnegative().nullable(),
  /** The listed strike at which option holders would be paid least at expiry, over the rows returned. */
  max_pain: z.number().positive().nullable(),
  /** forward − spot, rupees. */
  basis: z.number().nullable(),
  /** ln(forward / spot) / T: the carry the forward implies, comparable with `rate`. */
  basis_annualised: z.number().nullable(),
  total_call_oi: count,
  total_put_oi: count,
  /** Vol points: IV of the 25-delta call − IV of the 25-delta put (forward deltas), interpolated across strikes. */
  risk_reversal_25d: z.number().nullable(),
  oi_change_basis: OiChangeBasis,
});
export type FnoChainSummary = z.infer<typeof FnoChainSummary>;

/** `GET /fno/chain`, and the `chain` frame: the chain at `as_of`, rows in ascending strike. */
export const FnoChain = z
  .object({
    name: z.string(),
    expiry: day,
    as_of: time,
    ...FnoChainSummary.shape,
    strikes: z.array(FnoStrikeRow),
  })
  .meta({ id: 'FnoChain' });
export type FnoChain = z.infer<typeof FnoChain>;

/**
 * A `chain_update`: what changed since the previous chain of the same
 * stream. `summary` holds only the changed summary fields; `rows` the rows
 * (both sides) in which any published value changed or which are new;
 * `removed` the strikes no longer in the chain (its window moved with the
 * money). `applyChainUpdate` turns the previous chain into the new one.
 */
export const FnoChainUpdate = z.object({
  name: z.string(),
  expiry: day,
  as_of: time,
  summary: FnoChainSummary.partial(),
  rows: z.array(FnoStrikeRow),
  removed: z.array(z.number().positive()),
});
export type FnoChainUpdate = z.infer<typeof FnoChainUpdate>;

/** One expiry of `GET /fno/summary`: the chain's figures over all its strikes. */
export const FnoExpirySummary = FnoChainSummary.omit({ future: true, oi_change_basis: true }).extend({ expiry: day }).meta({ id: 'FnoExpirySummary' });
export type FnoExpirySummary = z.infer<typeof FnoExpirySummary>;

/** `GET /fno/summary`: every expiry of an underlying, nearest first (the term structure). */
export const FnoSummary = z.object({
  name: z.string(),
  as_of: time,
  expiries: z.array(FnoExpirySummary),
});
export type FnoSummary = z.infer<typeof FnoSummary>;

/** The chain a `chain_update` leads to from `chain` (the one before it). */
export function applyChainUpdate(chain: FnoChain, update: FnoChainUpdate): FnoChain {
  const rows = new Map(chain.strikes.map((row) => [row.strike, row]));
  for (const strike of update.removed) rows.delete(strike);
  for (const row of update.rows) rows.set(row.strike, row);
  return {
    ...chain,
    ...update.summary,
    as_of: update.as_of,
    strikes: [...rows.values()].sort((a, b) => a.strike - b.strike),
  };
}

/** Options one chain may list: NIFTY's monthly has about 400; the cap bounds a definition's size. */
export const MAX_CHAIN_OPTIONS = 3_000;

/**
 * What the edge hands an `fno` group to stream one chain (the group's
 * `startChain`): the expiry's contracts as the registry lists them, the
 * underlying's spot instrument (in another group: an index or a stock), and
 * the rate. Resolved from Postgres by storage/resolve-chain.ts; the group
 * keeps it in its SQLite, so the chain outlives a restart of the object.
 */
export const ChainDefinition = z.object({
  name: z.string().min(1).max(100),
  expiry: day,
  rate: z.number().min(0).max(0.5),
  price_decimals: z.number().int().min(0).max(4),
  options: z
    .array(z.object({ instrument_token: token, tradingsymbol: z.string(), strike: z.number().positive(), type: z.enum(['CE', 'PE']) }))
    .min(1)
    .max(MAX_CHAIN_OPTIONS),
  future: z.object({ instrument_token: token, tradingsymbol: z.string() }).nullable(),
  spot: z.object({ instrument_token: token, tradingsymbol: z.string(), group: z.string().min(1).max(100) }).nullable(),
});
export type ChainDefinition = z.infer<typeof ChainDefinition>;

/** A chain as its group answers for it: the chain (null until it could be computed), and the contracts Kite refused it. */
export type ChainAnswer = { chain: FnoChain | null; refused: number };
