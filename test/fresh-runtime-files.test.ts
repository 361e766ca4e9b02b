import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DRIVES_OBJECTS, FRESH_RUNTIME_FILES } from './setup/fresh-runtime-files.ts';

/**
 * A workers test file that drives the Durable Objects itself would find, in
 * the reused runtime, sessions, links and packets earlier files left: every
 * such file must be in the list that gets a fresh runtime.
 */
it('runs every workers test file that drives the objects in a runtime of its own', () => {
  const tracked = execFileSync('git', ['ls-files', 'edge/*.test.ts', 'durable-objects/*.test.ts', 'storage/*.test.ts'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const drivers = tracked.filter((file) => DRIVES_OBJECTS.test(readFileSync(file, 'utf8')));
  expect(drivers.length).toBeGreaterThan(0);
  expect(drivers.filter((file) => !FRESH_RUNTIME_FILES.includes(file))).toEqual([]);
  expect(FRESH_RUNTIME_FILES.filter((file) => !tracked.includes(file))).toEqual([]);
});
