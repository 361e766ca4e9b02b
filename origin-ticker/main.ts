import { ConfigError } from '../contracts/config-error.ts';
import { originConfig } from './config.ts';
import { partLog } from './local/platform-log.ts';
import { runSync } from './registry/run-sync.ts';
import { startSyncSchedule } from './registry/sync-schedule.ts';

/**
 * `npm run origin`: the origin process. Today it keeps the instrument
 * registry in step with Kite's dump (a sync at start, then daily at
 * SYNC_TIME_IST); the Kite connection pool and the link to the edge join it
 * with their issue.
 */
const log = partLog('origin');

try {
  const config = originConfig();
  log(`origin up: Kite at ${config.kite.root}, registry sync daily at ${String(Math.floor(config.syncMinuteIst / 60)).padStart(2, '0')}:${String(config.syncMinuteIst % 60).padStart(2, '0')} IST`);
  const schedule = startSyncSchedule({
    minuteIst: config.syncMinuteIst,
    run: () => runSync(config, { log: partLog('sync') }),
    log,
  });
  const stop = () => {
    log('stopping');
    schedule.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  log(error instanceof ConfigError ? error.message : `could not start: ${(error as Error).message}`);
  process.exit(1);
}
