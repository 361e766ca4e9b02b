// What test/setup/shared-platform.ts provides to the end-to-end tests through vitest's `inject`.
import 'vitest';
import type { StackAddresses } from '../../dev/dev-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared platform, not yet up when provided: test/e2e/platform.ts waits for it. */
    platform: StackAddresses & { originLinkSecret: string };
    /** The platform lock the end-to-end files share it under (test/e2e/platform-lock.ts). */
    platformLockUrl: string;
  }
}
