/**
 * The test files that load kiteconnect's KiteTicker, which keeps its socket
 * and event handlers in module variables: vitest.config.ts runs each of them
 * in a fresh process (test/kite-ticker-files.test.ts holds this list to the
 * files that import it). The end-to-end files get a fresh process each in
 * their own project, so their suites need no place here.
 */
export const KITE_TICKER_FILES = [
  'kite-sim/historical.test.ts',
  'kite-sim/option-chain.test.ts',
  'kite-sim/packets.test.ts',
  'kite-sim/simulator.test.ts',
  'contracts/kite-ticks/decode.test.ts',
];
