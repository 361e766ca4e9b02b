import { buildOrigin } from '../origin-ticker/build.ts';
import { startNodeService } from './node-service.ts';
import type { Service } from './service.ts';

/**
 * The origin's Node flags and environment, exactly as in package.json's
 * `origin` script (origin-service.test.ts holds the two together). Each is
 * measured with bench/origin-feed.ts (9,000 full-mode instruments; budget
 * 80 MB resident, 5 % of a core):
 *
 * - `--optimize-for-size`: a 1 MB young generation and memory-reducing
 *   full collections. Without it V8 keeps the pages of every transient
 *   peak (startup, a registry reload) pooled for good, and frees promoted
 *   buffers only at rare full collections: 15-25 MB more, varying.
 * - `--jitless`: the interpreter only. The origin's work per tick is a
 *   few native copies and lookups; its compilers' code, compile zones and
 *   generated code are ~10 MB resident, for well under 1 % of a core.
 *   WebAssembly goes with it (`--no-expose-wasm` says so, and keeps Node
 *   from warning about it); the origin uses none. bufferutil (ws's native
 *   masking) keeps the interpreter away from every byte sent.
 * - `--enable-source-maps`: stack traces name the .ts lines of the build's
 *   sources (origin-ticker/build.ts), for ~1.5 MB.
 */
export const ORIGIN_NODE_FLAGS = ['--optimize-for-size', '--jitless', '--no-expose-wasm', '--enable-source-maps'];

/**
 * glibc's malloc, told to give memory back. Each Kite frame arrives as a
 * 552 KB buffer (and nine 64 KB socket reads); by default glibc raises its
 * mmap threshold past the first one freed and serves the rest from its
 * heap, whose free space it keeps until 1 MB lies free at the very top, and
 * it gives each thread an arena of its own. Buffers of 64 KB or more mapped
 * apart (unmapped when freed), the heap trimmed past 128 KB free and two
 * arenas: about 5 MB less in the first seconds after a start (80 → 75 MB
 * peak) and 1 MB less after. Ignored where the C library is not glibc.
 */
export const ORIGIN_ENV = { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=131072' };

/**
 * Builds and runs an origin (`npm run origin`) as a child of `npm run dev`, pointed at
 * the local database, the edge, and the simulator (or, with `kite`
 * undefined, at real Kite as KITE_* in the environment say). It resolves
 * after the first instrument sync (or once the origin says the registry
 * already holds the day's dump), so the platform comes up with a loaded
 * registry; against real Kite, as soon as it listens (its sync waits for a
 * login).
 */
export async function startOriginService(options: {
  /** The part's name on the control port and in the log: `origin`, `origin-standby`. */
  name: string;
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
  let main: string;
  try {
    // Built at every start, so a restarted origin runs the sources as they are now.
    main = buildOrigin();
  } catch (error) {
    throw new Error(`the origin's build failed: ${(error as Error).message}`);
  }
  return startNodeService({
    name: options.name,
    main,
    nodeArgs: ORIGIN_NODE_FLAGS,
    env: {
      ...process.env,
      ...ORIGIN_ENV,
      DATABASE_URL: options.databaseUrl,
      ORIGIN_PORT: String(options.port),
      // One id per port, the same after a restart: the lease's holder reads as the part that holds it.
      ORIGIN_ID: `local:${options.port}`,
      EDGE_URL: options.edgeUrl,
      ORIGIN_LINK_SECRET: options.linkSecret,
      KITE_TOKEN_KEY: options.tokenKey,
      PINNED_INSTRUMENTS: options.pinned,
      ...(kite ? { KITE_API_ROOT: kite.root, KITE_API_KEY: kite.apiKey, KITE_ACCESS_TOKEN: kite.accessToken, KITE_API_SECRET: kite.apiSecret } : {}),
    },
    onLine: options.onLine,
    readiness: (line) => {
      if (!kite && line.includes('origin up on')) return 'ready';
      if (/dataset version \d+(:| is current)/.test(line)) return 'ready';
      const failed = /instrument sync failed \((.*)\); retrying/.exec(line)?.[1];
      return failed ? `failed: the first instrument sync failed: ${failed}` : undefined;
    },
    startTimeoutMs: 120_000,
  });
}
