import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { KITE_TICKER_FILES } from './setup/kite-ticker-files.ts';

/**
 * A test file that drives KiteTicker in the reused workers of the `node`
 * project would get the ticks an earlier file's ticker subscribed to: every
 * such file must be in the list that gets a fresh process.
 */
it('runs every test file that drives KiteTicker in a process of its own', () => {
  const tracked = execFileSync('git', ['ls-files', '*.test.ts', '*.suite.ts'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const users = tracked.filter((file) => /\bKiteTicker\b/.test(readFileSync(file, 'utf8')) && file !== 'test/kite-ticker-files.test.ts');
  expect(users.length).toBeGreaterThan(0);
  // The end-to-end project runs each of its files in a fresh process.
  const reused = users.filter((file) => !file.startsWith('test/e2e/'));
  expect(reused.filter((file) => !KITE_TICKER_FILES.includes(file))).toEqual([]);
});
