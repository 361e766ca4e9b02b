import { fileURLToPath } from 'node:url';
import { startNodeService } from './node-service.ts';
import type { Service } from './service.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/**
 * Runs the origin (`npm run origin`) as a child of `npm run dev`, pointed at
 * the local database and the simulator, and resolves after its first
 * instrument sync, so the platform comes up with a loaded registry.
 */
export function startOriginService(options: {
  databaseUrl: string;
  kite: { root: string; apiKey: string; accessToken: string };
  onLine: (line: string) => void;
}): Promise<Service> {
  return startNodeService({
    name: 'origin',
    main: MAIN,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      KITE_API_ROOT: options.kite.root,
      KITE_API_KEY: options.kite.apiKey,
      KITE_ACCESS_TOKEN: options.kite.accessToken,
    },
    onLine: options.onLine,
    readiness: (line) => {
      if (/dataset version \d+:/.test(line)) return 'ready';
      const failed = /instrument sync failed \((.*)\); retrying/.exec(line)?.[1];
      return failed ? `failed: the first instrument sync failed: ${failed}` : undefined;
    },
    startTimeoutMs: 120_000,
  });
}
