/**
 * Workers test files that need a runtime of their own. The `workers`
 * project runs its files one after another in a reused workerd (a fresh one
 * per file cost about 2.6 s each), so Durable Objects keep what earlier files
 * left in them. These files assert on the one FeedControl object as new:
 * no origin linked yet, no lease taken, exactly their own groups with
 * demand; or on a group's whole demand as its origin hears it, which a
 * session an earlier file left open would add to. vitest.config.ts gives
 * each of them a fresh runtime.
 */
export const FRESH_RUNTIME_FILES = [
  'durable-objects/feed-control/feed-control.test.ts',
  'durable-objects/feed-control/backfill-requests.test.ts',
  'durable-objects/session-hub/session-hub.test.ts',
  'durable-objects/session-hub/feed-status-frames.test.ts',
];
