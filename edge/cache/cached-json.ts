import type { Context } from 'hono';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { DatabaseUnavailable } from '../../storage/database.ts';
import { countCacheLookup } from '../metrics/isolate-metrics.ts';
import { datasetVersion } from './dataset-version.ts';
import { IsolateCache } from './isolate-cache.ts';
import { sharedGet, sharedSet } from './shared-cache.ts';

/**
 * Cache tiers in front of a JSON route: this isolate's memory, this
 * location's Workers Cache API, then Upstash Redis (shared by every
 * location), then `compute` (Postgres). Keys carry the dataset version, so a sync invalidates every
 * entry at once. Answers carry an ETag and Cache-Control, so browsers and
 * CDNs revalidate with a 304. With Postgres down, a cached answer of the
 * last known version is served and marked stale (`X-Data-Stale: true`).
 *
 * `compute` returns the body to cache, or a Response (an error) to send
 * uncached. Call it only after the parameters were validated: a 400 never
 * touches the caches.
 */
const CACHE_ORIGIN = 'https://instruments-cache.kite-edge.internal/';
/** One in-memory tier per budget (in practice one per isolate: the budget is configuration). */
const memoryTiers = new Map<number, IsolateCache>();

function memoryTier(bytes: number): IsolateCache | undefined {
  if (bytes === 0) return undefined;
  let tier = memoryTiers.get(bytes);
  if (!tier) {
    tier = new IsolateCache(bytes);
    memoryTiers.set(bytes, tier);
  }
  return tier;
}

export async function cachedJson<E extends { Bindings: Cloudflare.Env }>(
  c: Context<E>,
  ttlSeconds: number,
  compute: () => Promise<unknown>,
): Promise<Response> {
  const config = edgeConfig(c.env);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const { version, stale } = await datasetVersion(config, waitUntil);
  const url = new URL(c.req.url);
  const canonical = [...url.searchParams].sort(([a], [b]) => a.localeCompare(b));
  const key = `instruments:v${version}:${url.pathname}?${new URLSearchParams(canonical)}`;
  const cacheRequest = new Request(`${CACHE_ORIGIN}${encodeURIComponent(key)}`);
  let source: 'hit-memory' | 'hit-edge' | 'hit-redis' | 'miss' = 'hit-memory';
  // Server-Timing tells a client (and the benchmark) where an answer's time went.
  const timings: string[] = [];
  const timed = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await run();
    } finally {
      timings.push(`${name};dur=${(performance.now() - start).toFixed(1)}`);
    }
  };
  const memory = memoryTier(config.isolateCacheBytes);
  let entry = memory?.get(key);
  // Each tier that is there and asked counts a hit or a miss (kite_edge_cache_requests_total).
  if (memory) countCacheLookup(c.env, 'isolate', entry !== undefined);
  if (!entry) {
    const edgeCache = await openEdgeCache();
    let body = await timed('edge-cache', async () =>
      edgeCache
        ?.match(cacheRequest)
        .then((r) => r?.text())
        .catch(() => undefined),
    );
    if (edgeCache) countCacheLookup(c.env, 'edge', body !== undefined);
    source = 'hit-edge';
    if (body === undefined) {
      source = 'hit-redis';
      body = await timed('redis', () => sharedGet(config, key));
      if (config.redis) countCacheLookup(c.env, 'redis', body !== undefined);
      if (body !== undefined && edgeCache) waitUntil(edgeCache.put(cacheRequest, storable(body, ttlSeconds)).catch(() => {}));
    }
    if (body === undefined) {
      if (stale) throw new DatabaseUnavailable('Postgres is unreachable and no cached answer exists for this request');
      source = 'miss';
      const computed = await timed('db', compute);
      if (computed instanceof Response) return computed;
      const fresh = JSON.stringify(computed);
      body = fresh;
      if (edgeCache) waitUntil(edgeCache.put(cacheRequest, storable(fresh, ttlSeconds)).catch(() => {}));
      waitUntil(sharedSet(config, key, fresh, ttlSeconds));
    }
    entry = { body, etag: `"v${version}-${await digest(body)}"` };
    memory?.set(key, entry, ttlSeconds);
  }
  const { body, etag } = entry;

  const headers = new Headers({
    'Content-Type': 'application/json; charset=UTF-8',
    ETag: etag,
    'Cache-Control': stale ? 'no-cache' : `public, max-age=${ttlSeconds}`,
    'X-Cache': source,
    'X-Dataset-Version': String(version),
  });
  if (stale) headers.set('X-Data-Stale', 'true');
  if (timings.length) headers.set('Server-Timing', timings.join(', '));
  if (ifNoneMatch(c.req.header('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  return new Response(body, { status: 200, headers });
}

async function openEdgeCache(): Promise<Cache | undefined> {
  try {
    return await caches.open('instruments');
  } catch {
    return undefined; // no Cache API here (some local runtimes): the shared tier still works
  }
}

function storable(body: string, ttlSeconds: number): Response {
  return new Response(body, { headers: { 'Content-Type': 'application/json', 'Cache-Control': `max-age=${ttlSeconds}` } });
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => tag.trim() === etag || tag.trim() === `W/${etag}` || tag.trim() === '*');
}

async function digest(body: string): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body));
  return [...new Uint8Array(hash).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
