// What test/setup/backing-services.ts provides to every test through vitest's `inject`
// (test/e2e/provided-platform.d.ts adds the end-to-end project's platform).
import 'vitest';

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
  }
}
