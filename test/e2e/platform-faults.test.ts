/**
 * The end-to-end suites that fail the platform's parts one after another
 * (the origin feed's own demand and snapshots, origin failover, the fault
 * matrix), on a platform of this file's own (`ownPlatformFile`): on the
 * shared one each would hold it alone, with every other end-to-end test
 * waiting. It runs on a Postgres and a Redis of the file's own, as
 * `npm run dev` does on DATABASE_URL and REDIS_URL, and stops with Ctrl-C.
 * Each fault is put back before the next test.
 */
import './external-services.suite.ts';
import './origin-feed.suite.ts';
import './failover.suite.ts';
import './fault-matrix.suite.ts';
import { ownPlatformFile } from './platform.ts';

// No NFO (91,000 of the ~103,000 instruments): the faults watch NSE and BSE, and the platform's first sync is a second, not ten.
ownPlatformFile({ SIM_EXCHANGES: 'NSE,BSE,BFO,MCX,CDS,BCD' });
