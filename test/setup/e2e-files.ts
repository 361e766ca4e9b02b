/**
 * The files of end-to-end suites: vitest.config.ts's `e2e` project and the
 * file order (they go first) read them here. Those on the shared platform
 * run side by side under its lock (test/e2e/platform-lock.ts), and the
 * shared platform's global setup boots only when one of them runs; the
 * others start a platform of their own (`ownPlatformFile` in
 * test/e2e/platform.ts).
 */
export const SHARED_PLATFORM_FILES = ['test/e2e/platform.test.ts', 'test/e2e/platform-web.test.ts'];
export const E2E_FILES = [...SHARED_PLATFORM_FILES, 'test/e2e/platform-faults.test.ts'];
