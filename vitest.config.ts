import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { OFFLINE_WRANGLER_ENV } from './dev/edge-service.ts';

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
          include: [
            'origin-ticker/**/*.test.ts',
            'kite-sim/**/*.test.ts',
            'dev/**/*.test.ts',
            'ops/**/*.test.ts',
            'contracts/**/*.test.ts',
            'test/**/*.test.ts',
          ],
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
                // The secret the workers tests present as the origin (test/workers/test-origin.ts).
                ORIGIN_LINK_SECRET: 'test-origin-link-secret',
                // The key the workers tests' access tokens are signed with (test/workers/test-users.ts forges expired ones with it).
                AUTH_JWT_SECRET: 'test-auth-jwt-secret-0123456789abcdef',
                // Every test file shares one client address: budgets high enough never to get in their way;
                // the tests of the limits themselves set small ones (edge/auth/rate-limit.test.ts).
                RATE_LIMIT_API: '1000000',
                RATE_LIMIT_IP: '1000000',
                RATE_LIMIT_AUTH: '1000000',
                // Session limits small enough for the hub tests to reach (durable-objects/session-hub/session-hub.test.ts).
                WS_MAX_INSTRUMENTS: '6',
                WS_SESSIONS_PER_KEY: '3',
                WS_MESSAGES_PER_SECOND: '5',
                WS_MAX_FRAME_BYTES: '4096',
                HUB_SHARDS: '4',
                // Alerts (edge/alerts/routes.test.ts): a sealing key for webhook secrets, and limits small enough to reach.
                ALERT_SECRET_KEY: '6b1f0c4e9a2d7358e0b4c1d2f3a4b5c6d7e8f90112233445566778899aabbccd',
                ALERTS_PER_USER: '5',
                ALERT_WEBHOOKS_PER_USER: '2',
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['edge/**/*.test.ts', 'durable-objects/**/*.test.ts', 'storage/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
