/**
 * The 25-delta risk reversal: the IV of the call whose forward delta is
 * 0.25 minus the IV of the put whose forward delta is −0.25, in vol points.
 * Negative when out-of-the-money puts are dearer, as on index smiles.
 *
 * Forward delta is N(d1) for a call and N(d1) − 1 for a put, undiscounted
 * (the published delta divided by e^(−rT)), so which strike is "25-delta"
 * does not depend on the rate. Neither side is listed at exactly 25 delta:
 * each IV is interpolated linearly in delta between the two neighbouring
 * strikes whose deltas bracket it. null when either side is not bracketed
 * (too few strikes with an IV, or a chain cut too narrow).
 */

const TARGET = 0.25;

/**
 * The arrays run in ascending strike, one entry per strike; NaN where that
 * strike's option has no IV. Call deltas fall from 1 to 0 as the strike
 * rises, put deltas from 0 to −1.
 */
export function riskReversal25(callDelta: Float64Array, callIv: Float64Array, putDelta: Float64Array, putIv: Float64Array): number | null {
  const call = ivAtDelta(callDelta, callIv, TARGET);
  const put = ivAtDelta(putDelta, putIv, -TARGET);
  return Number.isNaN(call) || Number.isNaN(put) ? null : call - put;
}

/** IV interpolated at `target` between the first two consecutive priced strikes whose deltas bracket it; NaN if none do. */
function ivAtDelta(delta: Float64Array, iv: Float64Array, target: number): number {
  let previous = -1;
  for (let i = 0; i < delta.length; i++) {
    if (Number.isNaN(iv[i] as number) || Number.isNaN(delta[i] as number)) continue;
    if (previous >= 0) {
      const d0 = delta[previous] as number;
      const d1 = delta[i] as number;
      if ((d0 - target) * (d1 - target) <= 0 && d0 !== d1) {
        const w = (target - d0) / (d1 - d0);
        return (iv[previous] as number) + w * ((iv[i] as number) - (iv[previous] as number));
      }
    }
    previous = i;
  }
  return NaN;
}
