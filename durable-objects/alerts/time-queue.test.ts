import { describe, expect, it } from 'vitest';
import { TimeQueue } from './time-queue.ts';

describe('TimeQueue', () => {
  it('hands out what is due, earliest first, and keeps the rest', () => {
    const queue = new TimeQueue<string>();
    const times = [50, 10, 40, 10, 30, 20, 60];
    for (const [i, at] of times.entries()) queue.push(at, `${at}#${i}`);
    const due: [string, number][] = [];
    queue.popDue(40, (item, at) => due.push([item, at]));
    expect(due.map(([, at]) => at)).toEqual([10, 10, 20, 30, 40]);
    expect(queue.size).toBe(2);
    const rest: number[] = [];
    queue.popDue(Number.POSITIVE_INFINITY, (_item, at) => rest.push(at));
    expect(rest).toEqual([50, 60]);
  });
});
