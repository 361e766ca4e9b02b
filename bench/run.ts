import { benchAlertDelivery } from './alert-delivery.ts';
import { benchAlertEvaluation } from './alert-evaluation.ts';
import { benchAuthVerify } from './auth-verify.ts';
import { benchCandles } from './candles.ts';
import { benchFanout } from './fanout.ts';
import { benchFnoChain } from './fno-chain.ts';
import { benchFrameBytes } from './frame-bytes.ts';
import { benchInstrumentsApi } from './instruments-api.ts';
import { benchKiteDecoder } from './kite-decoder.ts';
import { benchKiteSimulator } from './kite-sim.ts';
import { benchOriginFeed } from './origin-feed.ts';
import { benchRedisBridge } from './redis-bridge.ts';
import { printTable } from './table.ts';
import { benchWebFrames } from './web-frames.ts';

/**
 * `npm run bench`: every benchmark, each against a baseline measured in the
 * same run, printed as the Markdown table the README carries.
 */
const rows = [
  ...(await benchRedisBridge()),
  ...(await benchKiteSimulator()),
  ...(await benchKiteDecoder()),
  ...(await benchFrameBytes()),
  ...(await benchOriginFeed()),
  ...(await benchInstrumentsApi()),
  ...(await benchAuthVerify()),
  ...(await benchAlertEvaluation()),
  ...(await benchFnoChain()),
  ...(await benchCandles()),
  ...(await benchAlertDelivery()),
  ...(await benchFanout()),
  ...(await benchWebFrames()),
];
printTable(rows);
