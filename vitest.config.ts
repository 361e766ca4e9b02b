import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { OFFLINE_WRANGLER_ENV } from './origin-ticker/local/edge-service.ts';

Object.assign(process.env, OFFLINE_WRANGLER_ENV);

/**
 * Two projects: `workers` runs the edge and Durable Object tests inside
 * workerd with the real wrangler.toml; `node` runs the origin, the local
 * stand-ins and the end-to-end tests of `npm run dev`. Both get real
 * Postgres and Redis from test/setup/backing-services.ts.
 */
export default defineConfig({
  test: {
    // One set of backing services for both projects, started in Node (not under workerd's resolution).
    globalSetup: ['test/setup/backing-services.ts'],
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['origin-ticker/**/*.test.ts', 'contracts/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                DATABASE_URL: inject('databaseUrl'),
                NEON_HTTP_ENDPOINT: inject('neonHttpEndpoint'),
                UPSTASH_REDIS_REST_URL: inject('redisRestUrl'),
                UPSTASH_REDIS_REST_TOKEN: inject('redisRestToken'),
                // The secret the workers tests present as the origin (edge/origin/test-origin.ts).
                ORIGIN_LINK_SECRET: 'test-origin-link-secret',
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['edge/**/*.test.ts', 'durable-objects/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
