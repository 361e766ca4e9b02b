import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deeplyNested, nastyJson, nastyText, storable, textsIn } from '../test/fuzz.ts';
import { firstUnstorableText, unstorableText } from './storable-text.ts';

describe('storable text (fuzzed)', () => {
  it('refuses exactly the text with a NUL or a lone surrogate', () => {
    fc.assert(
      fc.property(nastyText(40), (text) => {
        expect(unstorableText(text) === undefined).toBe(storable(text));
      }),
      { numRuns: 300 },
    );
  });

  it('finds a problem in a JSON value exactly when one of its strings or field names has one, and its path leads to it', () => {
    fc.assert(
      fc.property(nastyJson(4), (value) => {
        const problem = firstUnstorableText(value);
        expect(problem !== undefined).toBe(!textsIn(value).every(storable));
        if (!problem) return;
        let at: unknown = value;
        for (const key of problem.path) at = (at as Record<string, unknown>)[key];
        const here = typeof at === 'string' ? [at] : Object.keys(at as object);
        expect(here.some((text) => !storable(text))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('walks a value nested 30,000 arrays deep (a 64 KiB frame can) without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(30_000)}"\\u0000"${']'.repeat(30_000)}`) as unknown;
    expect(firstUnstorableText(deep)?.path).toHaveLength(30_000);
    expect(firstUnstorableText(JSON.parse(deeplyNested(30_000)))).toBeUndefined();
  });
});
