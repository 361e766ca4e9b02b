import { afterEach, describe, expect, it, vi } from 'vitest';
import { kiteRanges } from './kite-historical.ts';
import { RequestPacer } from './request-pacer.ts';

describe('the backfill’s calls to Kite', () => {
  afterEach(() => vi.useRealTimers());

  it('starts at most 3 calls a second, in the order asked, a failed one holding up none behind it', async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = new RequestPacer(3);
    const started: number[] = [];
    const calls = Array.from({ length: 7 }, (_, i) =>
      pacer.run(async () => {
        started.push(Date.now());
        if (i === 1) throw new Error('Kite answered 500');
        return i;
      }),
    );
    const outcomes = Promise.allSettled(calls);
    expect(pacer.waiting).toBe(6);
    await vi.runAllTimersAsync();
    const settled = await outcomes;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(started).toEqual([0, 334, 668, 1002, 1336, 1670, 2004]);
  });

  it('cuts a range into the ranges Kite takes for the interval, oldest first, each `to` inclusive', () => {
    const day = 86_400_000;
    const from = Date.parse('2026-06-01T00:00:00Z');
    expect(kiteRanges('minute', from, from + 130 * day)).toEqual([
      { from, to: from + 60 * day - 1_000 },
      { from: from + 60 * day, to: from + 120 * day - 1_000 },
      { from: from + 120 * day, to: from + 130 * day - 1_000 },
    ]);
    expect(kiteRanges('day', from, from + 130 * day)).toEqual([{ from, to: from + 130 * day - 1_000 }]);
  });
});
