/**
 * The workers test files that drive the Durable Objects themselves (origin
 * links, sessions, object stubs). The `workers` project runs its files one
 * after another in reused workerd runtimes, where each finds what earlier
 * files left in the objects; a fresh runtime per file costs about 2.6 s of
 * start and 11 MB of modules sent to it. So two kinds:
 *
 * - FRESH_RUNTIME_FILES, a runtime each (`workers-fresh`), for what
 *   another file would change under them: they see FeedControl, one per
 *   deployment, and assert on it as they make it (no origin linked, no
 *   lease taken, the feed's state, a group's whole demand as the origin's
 *   feed link hears it); or they stream option chains, whose spot
 *   instruments go into the demand of cash groups they do not choose; or
 *   they evict a session hub, which holds other users' sessions too (a
 *   hub is a shard of all).
 * - OBJECT_FILES run in the `workers` runtimes with the other files: each
 *   drives objects of its own (its own groups, so its own instruments: a
 *   file's `instrumentsOfOneGroup(segment, n, nth)` groups are no other
 *   file's; its own users, keys and sessions), and asserts on a group's
 *   whole demand only for groups of its own.
 *
 * test/fresh-runtime-files.test.ts holds the lists to the files.
 */
export const FRESH_RUNTIME_FILES = [
  'durable-objects/feed-control/backfill-requests.test.ts',
  'durable-objects/feed-control/feed-control.test.ts',
  'durable-objects/instrument-group/group-chains.test.ts',
  'durable-objects/instrument-group/instrument-group.test.ts',
  'durable-objects/session-hub/feed-status-frames.test.ts',
  'durable-objects/session-hub/hub-chains.test.ts',
  'durable-objects/session-hub/session-expiry.test.ts',
  'durable-objects/session-hub/session-hub.fuzz.test.ts',
  'edge/fno/routes.test.ts',
  'edge/health/route.test.ts',
  'edge/origin/routes.test.ts',
];

export const OBJECT_FILES = [
  'durable-objects/alerts/group-alerts.test.ts',
  'durable-objects/alerts/trigger-outbox.test.ts',
  'durable-objects/instrument-group/candles/group-candles.test.ts',
  'durable-objects/session-hub/binary-format.test.ts',
  'durable-objects/session-hub/ended-credentials.test.ts',
  'durable-objects/session-hub/hub-metrics.test.ts',
  'durable-objects/session-hub/session-hub.test.ts',
  'durable-objects/webhook-dispatcher/webhook-dispatcher.test.ts',
  'edge/quote/routes.test.ts',
];

/** What marks a workers test file as driving the objects themselves. */
export const DRIVES_OBJECTS = /TestOrigin|originOf\(|TestSession|\bv2\(|INSTRUMENT_GROUP|SESSION_HUB|FEED_CONTROL/;

/** What marks one as needing a runtime of its own: FeedControl's feed link, stub or view; option chains streamed; a hub evicted. */
export const NEEDS_OWN_RUNTIME = /connect\('\/origin\/feed'\)|FEED_CONTROL|'\/internal\/feed'|subscribe_chain|'\/fno\/chain|\.chain\(|evictDurableObject/;
