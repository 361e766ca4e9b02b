import { describe, expect, it } from 'vitest';
import type { TickMode } from './origin-link.ts';
import { RichestModeIndex } from './richest-mode-index.ts';

const modes = (entries: Record<number, TickMode>) => new Map(Object.entries(entries).map(([t, m]) => [Number(t), m]));

describe('RichestModeIndex', () => {
  it('gives each token the richest mode any holder holds it in: ltp < quote < full', () => {
    const index = new RichestModeIndex<string>();
    expect(index.set('a', 1, 'ltp')).toBe(true);
    expect(index.set('b', 1, 'full')).toBe(true);
    expect(index.set('c', 1, 'quote')).toBe(false);
    expect(index.richest(1)).toBe('full');
    expect(index.delete('b', 1)).toBe(true);
    expect(index.richest(1)).toBe('quote');
    expect(index.delete('c', 1)).toBe(true);
    expect(index.richest(1)).toBe('ltp');
    expect(index.delete('a', 1)).toBe(true);
    expect(index.richest(1)).toBeUndefined();
    expect(index.has(1)).toBe(false);
    expect(index.size).toBe(0);
  });

  it('counts holders of one token in one mode apart: one letting go keeps it', () => {
    const index = new RichestModeIndex<string>();
    index.set('a', 7, 'full');
    expect(index.set('b', 7, 'full')).toBe(false);
    expect(index.delete('a', 7)).toBe(false);
    expect(index.richest(7)).toBe('full');
    expect(index.delete('b', 7)).toBe(true);
    expect(index.has(7)).toBe(false);
  });

  it('re-modes a holder’s token in place, and reports a move only when the richest mode moves', () => {
    const index = new RichestModeIndex<string>();
    index.set('a', 1, 'quote');
    index.set('b', 1, 'full');
    expect(index.set('a', 1, 'ltp')).toBe(false);
    expect(index.set('b', 1, 'ltp')).toBe(true);
    expect(index.richest(1)).toBe('ltp');
    expect(index.set('b', 1, 'ltp')).toBe(false);
    expect(index.heldBy('a')).toEqual(modes({ 1: 'ltp' }));
  });

  it('ignores letting go of what a holder does not hold', () => {
    const index = new RichestModeIndex<string>();
    index.set('a', 1, 'quote');
    expect(index.delete('b', 1)).toBe(false);
    expect(index.delete('a', 2)).toBe(false);
    expect(index.richest(1)).toBe('quote');
  });

  it('forgets a holder with nothing left, and lists holders in the order they came', () => {
    const index = new RichestModeIndex<string>();
    index.set('b', 1, 'ltp');
    index.set('a', 2, 'ltp');
    index.set('b', 3, 'full');
    expect([...index.holders()].map(([holder, held]) => [holder, held.size])).toEqual([
      ['b', 2],
      ['a', 1],
    ]);
    index.delete('a', 2);
    expect([...index.holders()].map(([holder]) => holder)).toEqual(['b']);
    expect(index.heldBy('a').size).toBe(0);
    expect([...index.tokens()]).toEqual([1, 3]);
  });

  it('replaces a holder’s whole holding, reporting what changed for it and whether the union moved', () => {
    const index = new RichestModeIndex<string>();
    index.replace('a', modes({ 1: 'ltp', 2: 'quote', 3: 'full' }));
    index.replace('b', modes({ 4: 'full' }));
    const change = index.replace('a', modes({ 1: 'ltp', 2: 'full', 5: 'ltp' }));
    expect([...change.upserted]).toEqual([
      [2, 'full'],
      [5, 'ltp'],
    ]);
    expect(change.removed).toEqual([3]);
    expect(change.unionChanged).toBe(true);
    expect(index.replace('a', modes({ 1: 'ltp', 2: 'full', 5: 'ltp' }))).toEqual({ upserted: new Map(), removed: [], unionChanged: false });
    index.replace('b', modes({ 2: 'full', 4: 'full' }));
    expect(index.replace('a', modes({ 1: 'ltp', 2: 'ltp', 5: 'ltp' })).unionChanged).toBe(false);
    expect(index.replace('a', new Map()).removed).toEqual([1, 2, 5]);
    expect(index.heldBy('a').size).toBe(0);
    expect(index.demand()).toEqual({ 2: 'full', 4: 'full' });
  });

  it('keeps its own copy of a replaced holding', () => {
    const index = new RichestModeIndex<string>();
    const wants = modes({ 1: 'quote' });
    index.replace('a', wants);
    wants.set(2, 'full');
    expect(index.heldBy('a')).toEqual(modes({ 1: 'quote' }));
    expect(index.has(2)).toBe(false);
  });

  it('applies a partial change as a replace of the same result would, dropping first', () => {
    const partial = new RichestModeIndex<string>();
    const whole = new RichestModeIndex<string>();
    for (const index of [partial, whole]) {
      index.replace('a', modes({ 1: 'ltp', 2: 'quote', 3: 'full' }));
      index.replace('b', modes({ 2: 'full', 4: 'ltp' }));
    }
    const change = partial.update('a', modes({ 2: 'full', 5: 'ltp', 1: 'ltp' }), [3, 9]);
    whole.replace('a', modes({ 1: 'ltp', 2: 'full', 5: 'ltp' }));
    expect(partial.demand()).toEqual(whole.demand());
    expect(partial.heldBy('a')).toEqual(whole.heldBy('a'));
    expect([...change.upserted]).toEqual([
      [2, 'full'],
      [5, 'ltp'],
    ]);
    expect(change.removed).toEqual([3]);
    expect(change.unionChanged).toBe(true);
    // A token dropped and set again in one update is both removed and upserted.
    expect(partial.update('a', modes({ 5: 'full' }), [5])).toEqual({ upserted: modes({ 5: 'full' }), removed: [5], unionChanged: true });
    expect(partial.update('a', new Map(), [1, 2, 5]).unionChanged).toBe(true);
    expect([...partial.holders()].map(([holder]) => holder)).toEqual(['b']);
  });

  it('writes demand as the links carry it, for all tokens or some, leaving out the unheld', () => {
    const index = new RichestModeIndex<number>();
    index.set(1, 408065, 'quote');
    index.set(2, 408065, 'full');
    index.set(2, 256265, 'ltp');
    expect(index.demand()).toEqual({ 408065: 'full', 256265: 'ltp' });
    expect(index.demand([256265, 99])).toEqual({ 256265: 'ltp' });
  });
});
