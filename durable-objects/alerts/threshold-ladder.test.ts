import { describe, expect, it } from 'vitest';
import { ThresholdLadder } from './threshold-ladder.ts';

type Item = { key: number; id: string };
const item = (key: number, id: string): Item => ({ key, id });
const ids = (ladder: ThresholdLadder<Item>) => Array.from({ length: ladder.length }, (_, i) => ladder.at(i).id);

describe('ThresholdLadder', () => {
  it('keeps entries ordered by key, then id, however they arrive', () => {
    const ladder = new ThresholdLadder<Item>();
    for (const x of [item(3, 'c'), item(1, 'b'), item(3, 'a'), item(2, 'z')]) ladder.insert(x);
    expect(ids(ladder)).toEqual(['b', 'z', 'a', 'c']);
    const bulk = new ThresholdLadder<Item>();
    bulk.insertAll(Array.from({ length: 100 }, (_, i) => item(99 - i, `n${String(99 - i).padStart(2, '0')}`)));
    expect(ids(bulk)).toEqual(Array.from({ length: 100 }, (_, i) => `n${String(i).padStart(2, '0')}`));
  });

  it('finds the first key at or above (lowerBound) and strictly above (upperBound) a value', () => {
    const ladder = new ThresholdLadder<Item>();
    ladder.insertAll([item(10, 'a'), item(20, 'b'), item(20, 'c'), item(30, 'd')]);
    expect([ladder.lowerBound(5), ladder.lowerBound(20), ladder.lowerBound(25), ladder.lowerBound(31)]).toEqual([0, 1, 3, 4]);
    expect([ladder.upperBound(5), ladder.upperBound(20), ladder.upperBound(25), ladder.upperBound(30)]).toEqual([0, 3, 3, 4]);
  });

  it('removes one entry, a tail, or the picked entries of a range', () => {
    const all = [item(1, 'a'), item(2, 'b'), item(3, 'c'), item(4, 'd'), item(5, 'e')];
    const ladder = new ThresholdLadder<Item>();
    ladder.insertAll(all);
    expect(ladder.remove(all[1] as Item)).toBe(true);
    expect(ladder.remove(item(2, 'b'))).toBe(false); // another object with the same place is not the entry
    expect(ladder.cutFrom(3).map((x) => x.id)).toEqual(['e']);
    ladder.removeIn(0, 2, (x) => x.id === 'a');
    expect(ids(ladder)).toEqual(['c', 'd']);
  });
});
