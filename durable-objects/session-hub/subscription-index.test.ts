import { describe, expect, it } from 'vitest';
import { SubscriptionIndex } from './subscription-index.ts';

const G = 'cash:NSE:00';

describe('SubscriptionIndex: what a hub tells a group', () => {
  it('passes on only moves of the richest mode, coalesced since the last take', () => {
    const index = new SubscriptionIndex();
    index.set('s1', 1, G, 'ltp');
    index.set('s2', 1, G, 'full');
    index.set('s1', 2, G, 'quote');
    expect(index.takeWant(G)).toEqual({ 1: 'full', 2: 'quote' });
    expect(index.takeChanges(G)).toEqual({ set: {}, drop: [] });

    // s1 leaving token 1 moves nothing: s2 holds it richer.
    index.delete('s1', 1);
    expect(index.takeChanges(G)).toEqual({ set: {}, drop: [] });
    index.set('s3', 1, G, 'quote');
    index.delete('s2', 1);
    index.set('s1', 3, G, 'ltp');
    index.delete('s1', 2);
    expect(index.takeChanges(G)).toEqual({ set: { 1: 'quote', 3: 'ltp' }, drop: [2] });
    expect(index.takeWant(G)).toEqual({ 1: 'quote', 3: 'ltp' });
  });

  it('forgets changes a whole want has already carried, and says when a group is no longer wanted', () => {
    const index = new SubscriptionIndex();
    index.set('s1', 5, G, 'full');
    index.takeWant(G);
    index.set('s1', 6, G, 'ltp');
    expect(index.takeWant(G)).toEqual({ 5: 'full', 6: 'ltp' });
    expect(index.takeChanges(G)).toEqual({ set: {}, drop: [] });
    expect([...index.removeSession('s1')]).toEqual([G]);
    expect(index.wants(G)).toBe(false);
    expect(index.takeChanges(G)).toEqual({ set: {}, drop: [5, 6] });
  });

  it('lists the sessions holding a group with their tokens of it, and no one else', () => {
    const index = new SubscriptionIndex();
    index.set('s1', 1, G, 'ltp');
    index.set('s1', 2, G, 'full');
    index.set('s2', 2, G, 'quote');
    index.set('s3', 9, 'cash:NSE:01', 'ltp');
    expect(index.holdersOfGroup(G)).toEqual(
      new Map([
        ['s1', [1, 2]],
        ['s2', [2]],
      ]),
    );
    index.delete('s1', 1);
    expect(index.holdersOfGroup(G)).toEqual(
      new Map([
        ['s1', [2]],
        ['s2', [2]],
      ]),
    );
    expect(index.holdersOfGroup('cash:NSE:02')).toEqual(new Map());
  });
});
