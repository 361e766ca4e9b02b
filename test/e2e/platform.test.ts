/**
 * The end-to-end suites on the shared platform (test/setup/shared-platform.ts)
 * that inject faults or watch the feed as a whole (the origin killed and
 * hung, Kite silenced, tokens expired, groups restarted, Postgres and Redis
 * stopped), and the API documents with the packed client. They run one after another here, beside test/e2e/platform-web.test.ts;
 * the platform lock (test/e2e/platform-lock.ts) keeps each fault away from the
 * tests of the other file, and each fault is put back before the next test.
 */
import './platform-health.suite.ts';
import './alerts.suite.ts';
import './websocket.suite.ts';
import './origin-feed.suite.ts';
import './fno.suite.ts';
import './candles.suite.ts';
import './api-documents.suite.ts';
import './failover.suite.ts';
import './fault-matrix.suite.ts';
import { sharedPlatformFile } from './platform-lock.ts';

sharedPlatformFile();
