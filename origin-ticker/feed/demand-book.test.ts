import { describe, expect, it } from 'vitest';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import type { TickMode } from '../../contracts/origin-link.ts';
import type { GroupIndex } from '../registry/group-index.ts';
import { DemandBook } from './demand-book.ts';

const GROUPS: Record<number, GroupKey> = { 1: 'index:NSE', 2: 'index:NSE', 3: 'cash:NSE:01', 4: 'cash:NSE:01', 5: 'cash:NSE:02' };
const index: GroupIndex = { groupOf: (token) => GROUPS[token], tokenOf: () => undefined, size: 5, version: 1 };

function book(pinned: ReadonlyMap<number, TickMode> = new Map()) {
  return new DemandBook(
    () => pinned,
    () => index,
  );
}

describe('DemandBook', () => {
  it('wants the pinned instruments first, then every group’s demand, each token in the richest mode wanted', () => {
    const demand = book(new Map([[3, 'ltp']]));
    demand.setGroup('cash:NSE:02', { 5: 'quote' });
    demand.setGroup('cash:NSE:01', { 3: 'full', 4: 'ltp' });
    expect([...demand.wanted()]).toEqual([
      [3, 'full'],
      [5, 'quote'],
      [4, 'ltp'],
    ]);
    expect(demand.groupDemand('cash:NSE:01')).toEqual(
      new Map([
        [3, 'full'],
        [4, 'ltp'],
      ]),
    );
    expect(demand.groupDemand('index:NSE').size).toBe(0);
    expect(demand.pinnedGroups()).toEqual(new Set(['cash:NSE:01']));
  });

  it('keeps a pinned instrument in its own mode when a group wants less', () => {
    const demand = book(new Map([[1, 'full']]));
    demand.setGroup('index:NSE', { 1: 'ltp', 2: 'ltp' });
    expect(demand.wanted()).toEqual(
      new Map([
        [1, 'full'],
        [2, 'ltp'],
      ]),
    );
  });

  it('refuses tokens the registry does not know or places in another group', () => {
    const demand = book();
    const refused = demand.setGroup('index:NSE', { 1: 'quote', 3: 'quote', 99: 'ltp' });
    expect(refused).toEqual(
      new Map([
        [3, 'instrument belongs to group cash:NSE:01, not index:NSE'],
        [99, 'unknown instrument: not an active instrument of the registry'],
      ]),
    );
    expect(demand.wanted()).toEqual(new Map([[1, 'quote']]));
  });

  it('keeps the wanted set while the union stands still (a group repeating itself), and rebuilds it when it moves', () => {
    const demand = book();
    demand.setGroup('index:NSE', { 1: 'quote' });
    const first = demand.wanted();
    demand.setGroup('index:NSE', { 1: 'quote' });
    expect(demand.wanted()).toBe(first);
    demand.setGroup('index:NSE', { 1: 'full' });
    expect(demand.wanted()).not.toBe(first);
    expect(demand.wanted()).toEqual(new Map([[1, 'full']]));
    demand.dropGroup('index:NSE');
    expect(demand.wanted()).toEqual(new Map());
    expect(demand.revalidate()).toEqual(new Map());
  });
});
