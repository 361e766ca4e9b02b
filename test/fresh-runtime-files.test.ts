import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DRIVES_OBJECTS, FRESH_RUNTIME_FILES, NEEDS_OWN_RUNTIME, OBJECT_FILES } from './setup/fresh-runtime-files.ts';

/**
 * A workers test file that drives the Durable Objects itself would find, in
 * the reused runtime, sessions, links and packets earlier files left: every
 * such file must be in one of the lists that keep it out of it, and one
 * that sees FeedControl (one per deployment), streams option chains or
 * evicts a session hub in the list of a runtime each.
 */
it('runs every workers test file that drives the objects apart, and each that sees FeedControl, streams chains or evicts a hub in a runtime of its own', () => {
  const tracked = execFileSync('git', ['ls-files', 'edge/*.test.ts', 'durable-objects/*.test.ts', 'storage/*.test.ts'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const sources = new Map(tracked.map((file) => [file, readFileSync(file, 'utf8')]));
  const source = (file: string) => sources.get(file) ?? '';
  const drivers = tracked.filter((file) => DRIVES_OBJECTS.test(source(file)));
  expect(drivers.length).toBeGreaterThan(0);
  expect(drivers.filter((file) => !FRESH_RUNTIME_FILES.includes(file) && !OBJECT_FILES.includes(file))).toEqual([]);
  expect(drivers.filter((file) => NEEDS_OWN_RUNTIME.test(source(file)) && !FRESH_RUNTIME_FILES.includes(file))).toEqual([]);
  expect([...FRESH_RUNTIME_FILES, ...OBJECT_FILES].filter((file) => !tracked.includes(file))).toEqual([]);
  expect(FRESH_RUNTIME_FILES.filter((file) => OBJECT_FILES.includes(file))).toEqual([]);
});
