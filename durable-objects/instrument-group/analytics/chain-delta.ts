import {
  type FnoChain,
  type FnoChainSummary,
  type FnoChainUpdate,
  type FnoOption,
  type FnoStrikeRow,
  FnoOption as OptionSchema,
  FnoChainSummary as SummarySchema,
} from '../../../contracts/fno-chain.ts';

/**
 * What a `chain_update` frame carries: the difference between the chain a
 * reader last got and the new one. "Changed" is exact inequality (!==) of
 * the published, rounded values (rounding.ts): a price that did not move
 * gives bit-identical IV and Greeks, so float noise never makes an update.
 * T (time_to_expiry_years, 6 significant digits) moves every few seconds,
 * so even a quiet chain changes that much.
 *
 * - summary: the summary fields that changed (`future` as a whole when any
 *   of its fields did);
 * - rows: every row that is new or in which any field of either side
 *   changed, whole (both sides), so a reader replaces rows, never merges;
 * - removed: the strikes no longer in the chain (a window that moved with
 *   the money).
 *
 * null when nothing changed. `applyChainUpdate` (contracts/fno-chain.ts)
 * turns `previous` into `next` with it.
 */
const SUMMARY_FIELDS = Object.keys(SummarySchema.shape) as (keyof FnoChainSummary)[];
const OPTION_FIELDS = Object.keys(OptionSchema.shape) as (keyof FnoOption)[];

export function chainDelta(previous: FnoChain, next: FnoChain): FnoChainUpdate | null {
  if (previous.name !== next.name || previous.expiry !== next.expiry) {
    throw new RangeError(`a chain_update is between two chains of one expiry, not ${previous.name} ${previous.expiry} and ${next.name} ${next.expiry}`);
  }
  const summary: Partial<FnoChainSummary> = {};
  let summaryChanged = false;
  for (const field of SUMMARY_FIELDS) {
    const changed = field === 'future' ? !sameFuture(previous.future, next.future) : previous[field] !== next[field];
    if (changed) {
      (summary as Record<string, unknown>)[field] = next[field];
      summaryChanged = true;
    }
  }

  const before = new Map<number, FnoStrikeRow>();
  for (const row of previous.strikes) before.set(row.strike, row);
  const rows: FnoStrikeRow[] = [];
  for (const row of next.strikes) {
    const old = before.get(row.strike);
    if (!old || !sameOption(old.CE, row.CE) || !sameOption(old.PE, row.PE)) rows.push(row);
    before.delete(row.strike);
  }
  const removed = [...before.keys()];

  if (!summaryChanged && rows.length === 0 && removed.length === 0) return null;
  return { name: next.name, expiry: next.expiry, as_of: next.as_of, summary, rows, removed };
}

function sameFuture(a: FnoChain['future'], b: FnoChain['future']): boolean {
  if (a === null || b === null) return a === b;
  return a.instrument_token === b.instrument_token && a.tradingsymbol === b.tradingsymbol && a.last_price === b.last_price;
}

function sameOption(a: FnoOption | null, b: FnoOption | null): boolean {
  if (a === null || b === null) return a === b;
  for (const field of OPTION_FIELDS) if (a[field] !== b[field]) return false;
  return true;
}
