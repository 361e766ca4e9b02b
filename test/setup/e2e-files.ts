/**
 * The files of end-to-end suites on the shared platform, side by side under
 * its lock (test/e2e/platform-lock.ts): vitest.config.ts's `e2e` project,
 * the shared platform's global setup (it boots only when one of them runs)
 * and the file order (they go first) read them here.
 */
export const E2E_FILES = ['test/e2e/platform.test.ts', 'test/e2e/platform-web.test.ts'];
