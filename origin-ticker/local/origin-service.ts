import { fileURLToPath } from 'node:url';
import { startNodeService } from './node-service.ts';
import type { Service } from './service.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/**
 * The origin's Node flags, as in package.json's `origin` script: young
 * generation capped at 2 MB a semi-space (V8's default of 16 MB let the heap
 * sit at ~90 MB for ~50 MB of live objects; the scavenges this adds cost
 * well under 1 % of a core at 9,000 ticks a second, bench/origin-feed.ts).
 */
export const ORIGIN_NODE_FLAGS = ['--max-semi-space-size=2'];

/**
 * Runs the origin (`npm run origin`) as a child of `npm run dev`, pointed at
 * the local database, the edge, and the simulator (or, with `kite`
 * undefined, at real Kite as KITE_* in the environment say). It resolves
 * after the first instrument sync, so the platform comes up with a loaded
 * registry; against real Kite, as soon as it listens (its sync waits for a
 * login).
 */
export function startOriginService(options: {
  databaseUrl: string;
  kite: { root: string; apiKey: string; apiSecret: string; accessToken: string } | undefined;
  port: number;
  edgeUrl: string;
  linkSecret: string;
  tokenKey: string;
  pinned: string;
  onLine: (line: string) => void;
}): Promise<Service> {
  const kite = options.kite;
  return startNodeService({
    name: 'origin',
    main: MAIN,
    nodeArgs: ORIGIN_NODE_FLAGS,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      ORIGIN_PORT: String(options.port),
      EDGE_URL: options.edgeUrl,
      ORIGIN_LINK_SECRET: options.linkSecret,
      KITE_TOKEN_KEY: options.tokenKey,
      PINNED_INSTRUMENTS: options.pinned,
      ...(kite ? { KITE_API_ROOT: kite.root, KITE_API_KEY: kite.apiKey, KITE_ACCESS_TOKEN: kite.accessToken, KITE_API_SECRET: kite.apiSecret } : {}),
    },
    onLine: options.onLine,
    readiness: (line) => {
      if (!kite && line.includes('origin up on')) return 'ready';
      if (/dataset version \d+:/.test(line)) return 'ready';
      const failed = /instrument sync failed \((.*)\); retrying/.exec(line)?.[1];
      return failed ? `failed: the first instrument sync failed: ${failed}` : undefined;
    },
    startTimeoutMs: 120_000,
  });
}
