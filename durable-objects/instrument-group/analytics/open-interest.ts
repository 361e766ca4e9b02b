import type { FnoStrikeRow } from '../../../contracts/fno-chain.ts';
import { roundTo } from './rounding.ts';

/**
 * The chain's open-interest figures over the rows it returns: total call
 * and put OI, the put-call ratios of OI and volume, and max pain. A side
 * that is missing or has no OI (or volume) counts as 0.
 */
export type OpenInterestStats = {
  total_call_oi: number;
  total_put_oi: number;
  /** Σ put OI / Σ call OI; null when there is no call OI. */
  pcr_oi: number | null;
  /** Σ put volume / Σ call volume; null when there is no call volume. */
  pcr_volume: number | null;
  max_pain: number | null;
};

const RATIO_DECIMALS = 4;

/** `rows` must be in ascending strike, as chains are. */
export function openInterestStats(rows: readonly FnoStrikeRow[]): OpenInterestStats {
  let callOi = 0;
  let putOi = 0;
  let callVolume = 0;
  let putVolume = 0;
  for (const row of rows) {
    callOi += row.CE?.oi ?? 0;
    putOi += row.PE?.oi ?? 0;
    callVolume += row.CE?.volume ?? 0;
    putVolume += row.PE?.volume ?? 0;
  }
  return {
    total_call_oi: callOi,
    total_put_oi: putOi,
    pcr_oi: callOi > 0 ? roundTo(putOi / callOi, RATIO_DECIMALS) : null,
    pcr_volume: callVolume > 0 ? roundTo(putVolume / callVolume, RATIO_DECIMALS) : null,
    max_pain: callOi + putOi > 0 ? maxPain(rows) : null,
  };
}

/**
 * The listed strike S minimising what option holders would be paid if the
 * underlying settled at S: Σ_calls OI·max(0, S − K) + Σ_puts OI·max(0, K − S).
 * The lowest such strike on a tie. In one pass up and one down instead of
 * the n² sum: below S only calls pay, Σ OI·(S − K) = S·ΣOI − Σ OI·K over the
 * calls below, and likewise above for the puts.
 */
export function maxPain(rows: readonly FnoStrikeRow[]): number | null {
  const n = rows.length;
  if (n === 0) return null;
  // Puts' payout at each strike, from the puts above it, walking down.
  const putPain = new Float64Array(n);
  let putOi = 0;
  let putOiStrike = 0;
  for (let i = n - 1; i >= 0; i--) {
    const row = rows[i] as FnoStrikeRow;
    putPain[i] = putOiStrike - row.strike * putOi;
    const oi = row.PE?.oi ?? 0;
    putOi += oi;
    putOiStrike += oi * row.strike;
  }
  let best = Infinity;
  let bestStrike: number | null = null;
  let callOi = 0;
  let callOiStrike = 0;
  for (let i = 0; i < n; i++) {
    const row = rows[i] as FnoStrikeRow;
    const pain = row.strike * callOi - callOiStrike + (putPain[i] as number);
    if (pain < best) {
      best = pain;
      bestStrike = row.strike;
    }
    const oi = row.CE?.oi ?? 0;
    callOi += oi;
    callOiStrike += oi * row.strike;
  }
  return bestStrike;
}
