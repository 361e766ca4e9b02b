import type { ForwardSource } from '../../../contracts/fno-chain.ts';

/**
 * The forward F of one expiry, the price every option of it is valued on,
 * from the best evidence there is:
 *
 * 1. `future`: the expiry's future has traded: its last price is the
 *    forward the market trades.
 * 2. `parity`: else from put-call parity, C − P = e^(−rT)(F − K), so
 *    F = K + e^(rT)(C − P), at the strikes nearest the money where both
 *    the call and the put have a price, averaged over up to three of them
 *    (one pair's prices can be a few ticks stale; three share the noise
 *    out). "Nearest the money" is smallest |C − P|, which is e^(−rT)|F − K|:
 *    it needs no forward to rank by.
 * 3. `carry`: else spot carried to expiry, spot·e^(rT).
 * 4. null when none of these is known.
 *
 * After the close on expiry day (T ≤ 0) there is nothing left to carry or
 * discount: e^(rT) is taken at T = 0.
 */
export type ForwardEstimate = { forward: number; source: ForwardSource };

/** What the forward reads of a strike: its two last prices (null: no trade). */
export type ParityRow = {
  readonly strike: number;
  readonly CE: { readonly last_price: number | null } | null;
  readonly PE: { readonly last_price: number | null } | null;
};

const PARITY_STRIKES = 3;

export function estimateForward(
  futurePrice: number | null,
  spot: number | null,
  rows: readonly ParityRow[],
  years: number,
  rate: number,
): ForwardEstimate | null {
  if (isPrice(futurePrice)) return { forward: futurePrice, source: 'future' };
  const growth = Math.exp(rate * Math.max(years, 0));
  const parity = parityForward(rows, growth);
  if (parity !== null) return { forward: parity, source: 'parity' };
  if (isPrice(spot)) return { forward: spot * growth, source: 'carry' };
  return null;
}

/** The mean of K + growth·(C − P) over the (up to) three strikes of smallest |C − P|; null without a priced pair. */
function parityForward(rows: readonly ParityRow[], growth: number): number | null {
  // The best three so far, kept sorted by gap without allocating.
  let gap0 = Infinity;
  let gap1 = Infinity;
  let gap2 = Infinity;
  let f0 = 0;
  let f1 = 0;
  let f2 = 0;
  for (const row of rows) {
    const call = row.CE?.last_price ?? null;
    const put = row.PE?.last_price ?? null;
    if (!isPrice(call) || !isPrice(put)) continue;
    const difference = call - put;
    const gap = Math.abs(difference);
    const implied = row.strike + growth * difference;
    if (gap < gap0) {
      gap2 = gap1;
      f2 = f1;
      gap1 = gap0;
      f1 = f0;
      gap0 = gap;
      f0 = implied;
    } else if (gap < gap1) {
      gap2 = gap1;
      f2 = f1;
      gap1 = gap;
      f1 = implied;
    } else if (gap < gap2) {
      gap2 = gap;
      f2 = implied;
    }
  }
  if (gap0 === Infinity) return null;
  if (gap1 === Infinity) return f0;
  if (gap2 === Infinity) return (f0 + f1) / 2;
  return (f0 + f1 + f2) / PARITY_STRIKES;
}

/** A price that says something: positive and finite (Kite sends 0 for "no trade"). */
export function isPrice(value: number | null | undefined): value is number {
  return typeof value === 'number' && value > 0 && value < Infinity;
}
