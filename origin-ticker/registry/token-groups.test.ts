import { describe, expect, it } from 'vitest';
import { TokenGroupsBuilder } from './token-groups.ts';

describe('TokenGroups', () => {
  it('finds the group of every token it was given, and none for the rest', () => {
    const builder = new TokenGroupsBuilder();
    const expected = new Map<number, string>();
    // More tokens than the builder's first allocation, out of order, the largest uint32 among them.
    builder.add(0xffffffff, 'index:NSE');
    expected.set(0xffffffff, 'index:NSE');
    for (let i = 10_000; i-- > 0; ) {
      const token = i * 97 + 3;
      const group = `cash:NSE:${String(i % 16).padStart(2, '0')}`;
      builder.add(token, group);
      expected.set(token, group);
    }
    const index = builder.build();

    expect(index.size).toBe(expected.size);
    for (const [token, group] of expected) expect(index.groupOf(token)).toBe(group);
    for (const token of [0, 1, 4, 99, 10_000 * 97 + 3, 0xfffffffe]) expect(index.groupOf(token)).toBeUndefined();
    expect(new TokenGroupsBuilder().build().groupOf(5)).toBeUndefined();
  });

  it('takes tokens in any order, and refuses one given twice or outside uint32', () => {
    const builder = new TokenGroupsBuilder();
    builder.add(30, 'c');
    builder.add(10, 'a');
    builder.add(20, 'b');
    const index = builder.build();
    expect([10, 20, 30].map((t) => index.groupOf(t))).toEqual(['a', 'b', 'c']);
    builder.add(10, 'b');
    expect(() => builder.build()).toThrow(/twice/);
    expect(() => builder.add(2 ** 32, 'a')).toThrow(/uint32/);
    expect(() => builder.add(11.5, 'a')).toThrow(/uint32/);
  });
});
