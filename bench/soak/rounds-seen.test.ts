import { describe, expect, it } from 'vitest';
import { RoundsSeen } from './rounds-seen.ts';

describe('RoundsSeen', () => {
  it('remembers each instrument’s rounds that reached a session, over as many seconds as the soak lasts', () => {
    const seen = new RoundsSeen();
    seen.mark(408065, 1_796_540_000);
    seen.mark(408065, 1_796_540_002);
    seen.mark(408065, 1_796_541_800); // half an hour on
    seen.mark(256265, 1_796_540_001);
    expect(seen.has(408065, 1_796_540_000)).toBe(true);
    expect(seen.has(408065, 1_796_540_001)).toBe(false);
    expect(seen.has(408065, 1_796_540_002)).toBe(true);
    expect(seen.has(408065, 1_796_541_800)).toBe(true);
    expect(seen.has(408065, 1_796_539_999)).toBe(false);
    expect(seen.has(256265, 1_796_540_001)).toBe(true);
    expect(seen.has(1, 1_796_540_001)).toBe(false);
  });
});
