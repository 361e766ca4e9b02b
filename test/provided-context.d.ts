// What the global setups provide to the tests through vitest's `inject`:
// test/setup/backing-services.ts (every project) and test/setup/shared-platform.ts (e2e).
import 'vitest';
import type { StackAddresses } from '../dev/dev-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    neonWsProxy: string;
    neonHttpEndpoint: string;
    redisRestUrl: string;
    redisRestToken: string;
    redisUrl: string;
    blackHolePort: number;
    deadPort: number;
    /** Names of the migrations under migrations/, in order. */
    migrations: string[];
    /** The end-to-end project's shared platform (not yet up when provided: test/e2e/platform.ts waits for it). */
    platform: StackAddresses & { originLinkSecret: string };
  }
}
