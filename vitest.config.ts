import { mkdirSync } from 'node:fs';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { OFFLINE_WRANGLER_ENV } from './dev/edge-service.ts';
import { E2E_FILES } from './test/setup/e2e-files.ts';
import { KITE_TICKER_FILES } from './test/setup/kite-ticker-files.ts';
import LongFilesFirst from './test/setup/long-files-first.ts';

Object.assign(process.env, OFFLINE_WRANGLER_ENV);
// wrangler.toml's [assets] directory must exist for the workers project to start; `npm test` builds the web app
// into it first (pretest), a lone `vitest run edge/…` finds it empty, which no workers test minds.
mkdirSync(new URL('./web/dist', import.meta.url), { recursive: true });

/**
 * `workers` runs the edge, storage and Durable Object tests inside workerd
 * with the real wrangler.toml; `node` runs the origin, the
 * simulator, the local stand-ins and the operator tools (`node-kite-ticker`
 * the files that drive KiteTicker); `e2e` the end-to-end suites on a
 * shared `npm run dev` platform and the faults' on one of their own. All get real Postgres and Redis from
 * test/setup/backing-services.ts.
 */
const NODE_FILES = [
  'origin-ticker/**/*.test.ts',
  'kite-sim/**/*.test.ts',
  'dev/**/*.test.ts',
  'bench/**/*.test.ts',
  'ops/**/*.test.ts',
  'contracts/**/*.test.ts',
  'web/**/*.test.ts',
  'test/**/*.test.ts',
];

const WORKERS_FILES = ['edge/**/*.test.ts', 'durable-objects/**/*.test.ts', 'storage/**/*.test.ts'];

/** workerd with the real wrangler.toml and the test backing services. */
const workerd = () =>
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
        // The bearer token of GET /metrics (test/workers/metrics-text.ts).
        METRICS_TOKEN: 'test-metrics-token-0123456789',
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
        // Watchlists (edge/watchlists/routes.test.ts): limits small enough to reach.
        WATCHLISTS_PER_USER: '3',
        WATCHLIST_INSTRUMENTS: '4',
        // A recurring alert's cool-down short enough to watch it fire twice (durable-objects/alerts/group-alerts.test.ts).
        ALERTS_MIN_COOLDOWN_S: '1',
        // Webhook retries after 5–10 ms, doubling: a delivery's ten attempts (durable-objects/webhook-dispatcher/webhook-dispatcher.test.ts)
        // are over within about 5 s (511 × this at most).
        ALERT_WEBHOOK_RETRY_BASE_MS: '10',
      },
    },
  }));

export default defineConfig({
  test: {
    // Started in Node (not under workerd's resolution): the shared platform of the end-to-end suites (test/e2e/), launched
    // first and not awaited so that it boots while the backing services every project talks to start and the files run.
    globalSetup: ['test/setup/shared-platform.ts', 'test/setup/backing-services.ts'],
    // Most test time is spent waiting on other processes (the platform, workerd, Postgres, the simulator's clock),
    // so six files at a time (three of them the end-to-end files, mostly waiting) keep two cores busy where vitest's
    // default (cores - 1) would run one.
    maxWorkers: 6,
    sequence: { sequencer: LongFilesFirst },
    projects: [
      {
        test: {
          name: 'node',
          // One worker runs many files: a fresh process per file cost about 450 ms each (about 20 s of the run).
          // These files set up what they use and stop what they start, so they do not need a new process.
          isolate: false,
          environment: 'node',
          include: NODE_FILES,
          exclude: [...KITE_TICKER_FILES, ...E2E_FILES],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // kiteconnect's KiteTicker keeps its socket and event handlers in module variables: in a reused worker a
          // ticker of an earlier file still subscribes on connect and its ticks reach the next file's handlers.
          // The files that drive it get a fresh process each.
          name: 'node-kite-ticker',
          environment: 'node',
          include: KITE_TICKER_FILES,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // The suites on the shared platform, in two files side by side under its lock (test/e2e/platform-lock.ts),
          // and the faults' file on a platform of its own; each in a fresh process (KiteTicker's module state, Chromium).
          name: 'e2e',
          environment: 'node',
          include: E2E_FILES,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [workerd()],
        test: {
          name: 'workers',
          // One runtime per worker for many files, each file starting with no Durable Objects (test/workers/fresh-objects.ts).
          isolate: false,
          setupFiles: ['test/workers/fresh-objects.ts'],
          include: WORKERS_FILES,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
