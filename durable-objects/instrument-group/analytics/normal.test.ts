import { describe, expect, it } from 'vitest';
import { erfc, normCdf, normPdf } from './normal.ts';

/** Reference values from mpmath at 40 digits, each written as the double nearest it. */
const ERFC: [number, number][] = [
  [0.1, 0.887537083981715],
  [0.25, 0.7236736098317631],
  [0.46875, 0.507386526782062],
  [0.5, 0.4795001221869535],
  [1, 0.15729920705028513],
  [2, 0.004677734981047266],
  [3.5, 7.430983723414128e-7],
  [4, 1.541725790028002e-8],
  [4.5, 1.9661604415428876e-10],
  [6, 2.1519736712498913e-17],
  [10, 2.088487583762545e-45],
  [20, 5.395865611607901e-176],
  [26, 5.663192408856143e-296],
];

const CDF: [number, number][] = [
  [0, 0.5],
  [0.3, 0.6179114221889527],
  [-0.3, 0.3820885778110474],
  [-0.5, 0.3085375387259869],
  [1, 0.8413447460685429],
  [-1, 0.15865525393145705],
  [-1.96, 0.024997895148220435],
  [-2, 0.02275013194817921],
  [3, 0.9986501019683699],
  [-3, 0.0013498980316300946],
  [-5, 2.866515718791939e-7],
  [-7.5, 3.1908916729108963e-14],
  [-8, 6.220960574271784e-16],
  [-10, 7.619853024160525e-24],
  [-15, 3.670966199312751e-51],
  [-20, 2.7536241186062337e-89],
  [-30, 4.906713927148187e-198],
  [-37, 5.725571222524577e-300],
];

const relative = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

describe('erfc', () => {
  it('matches 40-digit references to 4e-16 relative on every branch of the approximation', () => {
    for (const [x, want] of ERFC) expect({ x, error: relative(erfc(x), want) < 4e-16 }).toEqual({ x, error: true });
  });

  it('reflects: erfc(−x) = 2 − erfc(x), and underflows to 0 far out', () => {
    for (const [x] of ERFC) expect(Math.abs(erfc(-x) - (2 - erfc(x)))).toBeLessThanOrEqual(2.3e-16);
    expect(erfc(27)).toBe(0);
    expect(erfc(-27)).toBe(2);
  });
});

describe('normCdf', () => {
  it('matches 40-digit references to 1e-14 relative, far into the left tail', () => {
    // The argument's scaling by 1/√2 costs ~2x²·1e-16 relative in the tail: 1e-13 at x = −37 (N ≈ 6e-300).
    for (const [x, want] of CDF) {
      const tolerance = x < -10 ? 3e-13 : 1e-14;
      expect({ x, error: relative(normCdf(x), want) < tolerance }).toEqual({ x, error: true });
    }
  });

  it('sums to one with its mirror image and is monotone', () => {
    let previous = 0;
    for (let x = -40; x <= 40; x += 0.01) {
      expect(Math.abs(normCdf(x) + normCdf(-x) - 1)).toBeLessThanOrEqual(2.3e-16);
      expect(normCdf(x)).toBeGreaterThanOrEqual(previous);
      previous = normCdf(x);
    }
  });

  it('has the density as its derivative', () => {
    for (const x of [-6, -2, -0.5, 0, 0.7, 3]) {
      const h = 1e-5;
      expect(Math.abs((normCdf(x + h) - normCdf(x - h)) / (2 * h) - normPdf(x))).toBeLessThan(1e-9);
    }
  });
});
