import { describe, expect, it } from 'vitest';
import type { TickMode } from '../../contracts/origin-link.ts';
import { DemandIndex } from './demand-index.ts';

const wants = (entries: Record<number, TickMode>) => new Map(Object.entries(entries).map(([t, m]) => [Number(t), m]));

describe('DemandIndex', () => {
  it('is the union over consumers, each token in the richest mode wanted', () => {
    const index = new DemandIndex();
    index.set('hub-a', wants({ 1: 'ltp', 2: 'quote' }));
    index.set('hub-b', wants({ 2: 'full', 3: 'ltp' }));
    expect(index.union()).toEqual({ 1: 'ltp', 2: 'full', 3: 'ltp' });
    expect(index.size).toBe(3);
    expect(index.consumers()).toEqual({ 'hub-a': 2, 'hub-b': 2 });
  });

  it('keeps what another consumer still wants when one leaves, in that consumer’s mode', () => {
    const index = new DemandIndex();
    index.set('hub-a', wants({ 1: 'ltp', 2: 'quote' }));
    index.set('hub-b', wants({ 2: 'full', 3: 'ltp' }));
    const change = index.set('hub-b', new Map());
    expect(change.unionChanged).toBe(true);
    expect(change.removed.sort()).toEqual([2, 3]);
    expect(index.union()).toEqual({ 1: 'ltp', 2: 'quote' });
    expect(index.consumers()).toEqual({ 'hub-a': 2 });
    index.set('hub-a', new Map());
    expect(index.union()).toEqual({});
    expect(index.size).toBe(0);
  });

  it('counts two consumers wanting the same token in the same mode separately', () => {
    const index = new DemandIndex();
    index.set('hub-a', wants({ 7: 'full' }));
    expect(index.set('hub-b', wants({ 7: 'full' })).unionChanged).toBe(false);
    expect(index.set('hub-a', new Map()).unionChanged).toBe(false);
    expect(index.modeOf(7)).toBe('full');
    expect(index.set('hub-b', new Map()).unionChanged).toBe(true);
    expect(index.has(7)).toBe(false);
  });

  it('reports only what changed for the consumer, and whether the union moved', () => {
    const index = new DemandIndex();
    index.set('hub-a', wants({ 1: 'ltp', 2: 'quote', 3: 'full' }));
    index.set('hub-b', wants({ 4: 'full' }));
    const change = index.set('hub-a', wants({ 1: 'ltp', 2: 'full', 5: 'ltp' }));
    expect([...change.upserted]).toEqual([
      [2, 'full'],
      [5, 'ltp'],
    ]);
    expect(change.removed).toEqual([3]);
    expect(change.unionChanged).toBe(true);
    // Lowering a mode another consumer holds higher leaves the union alone.
    index.set('hub-b', wants({ 4: 'full', 2: 'full' }));
    expect(index.set('hub-a', wants({ 1: 'ltp', 2: 'ltp', 5: 'ltp' })).unionChanged).toBe(false);
    expect(index.modeOf(2)).toBe('full');
    // Setting the same wants again changes nothing.
    const same = index.set('hub-a', wants({ 1: 'ltp', 2: 'ltp', 5: 'ltp' }));
    expect(same).toEqual({ upserted: new Map(), removed: [], unionChanged: false });
  });

  it('applies a partial change of one consumer as a replace of the same result would', () => {
    const partial = new DemandIndex();
    const whole = new DemandIndex();
    for (const index of [partial, whole]) {
      index.set('hub-a', wants({ 1: 'ltp', 2: 'quote', 3: 'full' }));
      index.set('hub-b', wants({ 2: 'full', 4: 'ltp' }));
    }
    const change = partial.update('hub-a', wants({ 2: 'full', 5: 'ltp', 1: 'ltp' }), [3, 9]);
    whole.set('hub-a', wants({ 1: 'ltp', 2: 'full', 5: 'ltp' }));
    expect(partial.union()).toEqual(whole.union());
    expect(partial.consumers()).toEqual(whole.consumers());
    // Token 1 is unchanged and 9 was never wanted: neither is reported.
    expect([...change.upserted]).toEqual([
      [2, 'full'],
      [5, 'ltp'],
    ]);
    expect(change.removed).toEqual([3]);
    expect(change.unionChanged).toBe(true);
  });

  it('moves the union only when a partial change moves the richest mode', () => {
    const index = new DemandIndex();
    index.set('hub-a', wants({ 7: 'full' }));
    expect(index.update('hub-b', wants({ 7: 'quote' }), []).unionChanged).toBe(false);
    expect(index.update('hub-a', new Map(), [7]).unionChanged).toBe(true);
    expect(index.modeOf(7)).toBe('quote');
    expect(index.update('hub-b', new Map(), [7]).unionChanged).toBe(true);
    expect(index.has(7)).toBe(false);
    expect(index.consumers()).toEqual({});
  });
});
