import { describe, expect, it } from 'vitest';
import { RequestRate } from './request-rate.ts';

describe('RequestRate (Kite’s per-key rate limit)', () => {
  it('lets a burst of the limit through, refuses the next, and refills at the limit a second', () => {
    let now = 1_000_000;
    const rate = new RequestRate(3, () => now);
    expect([rate.take('a'), rate.take('a'), rate.take('a'), rate.take('a')]).toEqual([true, true, true, false]);
    now += 300;
    expect(rate.take('a')).toBe(false);
    now += 40;
    expect([rate.take('a'), rate.take('a')]).toEqual([true, false]);
    now += 10_000;
    expect([rate.take('a'), rate.take('a'), rate.take('a'), rate.take('a')]).toEqual([true, true, true, false]);
  });

  it('counts each API key on its own', () => {
    const rate = new RequestRate(1, () => 0);
    expect([rate.take('a'), rate.take('b'), rate.take('a'), rate.take('b')]).toEqual([true, true, false, false]);
  });

  it('lets everything through at 0', () => {
    const rate = new RequestRate(0, () => 0);
    expect(Array.from({ length: 100 }, () => rate.take('a')).every(Boolean)).toBe(true);
  });
});
