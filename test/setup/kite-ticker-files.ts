/**
 * The test files that load kiteconnect's KiteTicker, which keeps its socket
 * and event handlers in module variables: vitest.config.ts runs each of them
 * in a fresh process (test/kite-ticker-files.test.ts holds this list to the
 * files that import it; a suite counts as the file that imports it).
 */
export const KITE_TICKER_FILES = [
  'kite-sim/historical.test.ts',
  'kite-sim/option-chain.test.ts',
  'kite-sim/packets.test.ts',
  'kite-sim/simulator.test.ts',
  'contracts/kite-ticks/decode.test.ts',
  'test/e2e/platform.test.ts',
];
