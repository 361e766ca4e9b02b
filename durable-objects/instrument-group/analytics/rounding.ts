/**
 * How published numbers are rounded (docs/fno.md, "Rounding"). The chain is
 * recomputed every round from prices that mostly did not move; rounding to
 * what a reader can use makes an unchanged input give a bit-identical
 * output, so `chainDelta` can compare with === and send only real changes.
 *
 * Both functions are deterministic in the value alone: equal inputs give
 * equal doubles, and two inputs that round to the same decimal give the
 * same double (a correctly rounded n / 10^k).
 */

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** `value` to `decimals` places (0..22); NaN and ±Infinity pass through. */
export function roundTo(value: number, decimals: number): number {
  const scale = POW10[decimals] as number;
  return Math.round(value * scale) / scale;
}

/** `value` to `digits` significant digits (1..15); 0, NaN and ±Infinity pass through. */
export function roundSignificant(value: number, digits: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const decimals = digits - 1 - Math.floor(Math.log10(Math.abs(value)));
  if (decimals < 0) {
    const scale = POW10[-decimals] as number;
    return Math.round(value / scale) * scale;
  }
  // Past 10^22 powers of ten are no longer exact doubles; values that small (below 10^(digits − 23)) take the slow road.
  if (decimals > 22) return Number(value.toPrecision(digits));
  const scale = POW10[decimals] as number;
  return Math.round(value * scale) / scale;
}
