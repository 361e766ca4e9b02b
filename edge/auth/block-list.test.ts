import { describe, expect, it } from 'vitest';
import { BlockList } from './block-list.ts';

describe('the isolate’s block list', () => {
  it('makes room by dropping the oldest block, keeping every other (issue 21: it emptied entirely when full)', () => {
    const list = new BlockList(3);
    list.set('ip:a', { until: 1, limit: 5 });
    list.set('ip:b', { until: 2, limit: 5 });
    list.set('ip:c', { until: 3, limit: 5 });
    list.set('ip:d', { until: 4, limit: 5 });
    expect(list.size).toBe(3);
    expect(list.get('ip:a')).toBeUndefined();
    expect([list.get('ip:b'), list.get('ip:c'), list.get('ip:d')].map((b) => b?.until)).toEqual([2, 3, 4]);
  });

  it('counts a block set again as the newest', () => {
    const list = new BlockList(2);
    list.set('ip:a', { until: 1, limit: 5 });
    list.set('ip:b', { until: 2, limit: 5 });
    list.set('ip:a', { until: 3, limit: 5 });
    list.set('ip:c', { until: 4, limit: 5 });
    expect(list.get('ip:b')).toBeUndefined();
    expect(list.get('ip:a')?.until).toBe(3);
  });
});
