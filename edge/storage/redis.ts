import { Redis } from '@upstash/redis/cloudflare';
import type { EdgeConfig } from '../../contracts/worker-config.ts';

/**
 * The shared cache client, or undefined when the deployment runs uncached.
 * Retries are off: a cache that does not answer at once is a miss, and a
 * request must never wait on Upstash's exponential backoff.
 */
export function openRedis(redis: EdgeConfig['redis']): Redis | undefined {
  if (!redis) return undefined;
  return new Redis({
    url: redis.url,
    token: redis.token,
    retry: false,
    enableTelemetry: false,
    readYourWrites: false,
    // Cached bodies are stored and served as the JSON strings they already are.
    automaticDeserialization: false,
  });
}
