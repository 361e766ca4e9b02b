/**
 * Workers test files that need a runtime of their own. The `workers`
 * project runs its other files one after another in a reused workerd (a
 * fresh one per file cost about 2.6 s each), where Durable Objects keep what
 * earlier files left in them. The files here drive the objects themselves
 * (origin links, sessions, object stubs) and assert on them as they make
 * them: the one FeedControl with no origin linked and no lease taken, a
 * group's whole demand as its origin hears it, a group's latest packets
 * and counters. vitest.config.ts gives each a fresh runtime;
 * test/fresh-runtime-files.test.ts holds the list to the files that do so.
 */
export const FRESH_RUNTIME_FILES = [
  'durable-objects/alerts/group-alerts.test.ts',
  'durable-objects/alerts/trigger-outbox.test.ts',
  'durable-objects/feed-control/backfill-requests.test.ts',
  'durable-objects/feed-control/feed-control.test.ts',
  'durable-objects/instrument-group/candles/group-candles.test.ts',
  'durable-objects/instrument-group/group-chains.test.ts',
  'durable-objects/instrument-group/instrument-group.test.ts',
  'durable-objects/session-hub/binary-format.test.ts',
  'durable-objects/session-hub/ended-credentials.test.ts',
  'durable-objects/session-hub/feed-status-frames.test.ts',
  'durable-objects/session-hub/hub-chains.test.ts',
  'durable-objects/session-hub/hub-metrics.test.ts',
  'durable-objects/session-hub/session-expiry.test.ts',
  'durable-objects/session-hub/session-hub.fuzz.test.ts',
  'durable-objects/session-hub/session-hub.test.ts',
  'durable-objects/webhook-dispatcher/webhook-dispatcher.test.ts',
  'edge/fno/routes.test.ts',
  'edge/health/route.test.ts',
  'edge/origin/routes.test.ts',
  'edge/quote/routes.test.ts',
];

/** What marks a workers test file as driving the objects themselves. */
export const DRIVES_OBJECTS = /TestOrigin|originOf\(|TestSession|\bv2\(|INSTRUMENT_GROUP|SESSION_HUB|FEED_CONTROL/;
