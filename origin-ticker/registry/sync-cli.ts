import { ConfigError } from '../../contracts/config-error.ts';
import { partLog } from '../../contracts/part-log.ts';
import { syncConfig } from '../config.ts';
import { DumpError } from './instrument-dump.ts';
import { runSync } from './run-sync.ts';

/**
 * `npm run sync [-- --file dump.csv[.gz]]`: loads Kite's instrument dump
 * (KITE_API_ROOT: the simulator by default) into the registry at DATABASE_URL.
 */
const log = partLog('sync');
const fileFlag = process.argv.indexOf('--file');
const file = fileFlag >= 0 ? process.argv[fileFlag + 1] : undefined;

// Not a top-level await: the origin runs this from its CommonJS build (origin-ticker/build.ts).
runSyncCli().catch((error: unknown) => {
  if (error instanceof ConfigError) log(error.message);
  else if (error instanceof DumpError) log(`dump rejected, registry unchanged: ${error.message}`);
  else log(`sync failed, registry unchanged: ${(error as Error).message}`);
  process.exitCode = 1;
});

async function runSyncCli(): Promise<void> {
  if (fileFlag >= 0 && !file) throw new Error('--file needs a path to a CSV or gzipped CSV dump');
  await runSync(syncConfig(), { ...(file ? { file } : {}), log });
}
