// What test/setup/backing-services.ts provides to every test through vitest's `inject`.
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
