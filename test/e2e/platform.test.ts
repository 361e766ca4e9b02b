/**
 * The end-to-end suites on the shared platform (test/setup/shared-platform.ts)
 * that watch the feed as a whole (alerts, candles, the chain, /v2/ws and
 * /kite/ws, a group restarted, the origin killed), the typed client, and the
 * API documents with the packed client. They run one after another here,
 * beside test/e2e/platform-web.test.ts; the platform lock
 * (test/e2e/platform-lock.ts) keeps each test that needs the platform alone
 * away from the tests of the other file.
 *
 * The order is the lock's: a test that holds the platform alone first waits
 * for the other file's test in progress, so the alone tests come in as few
 * runs as the suites allow, and the two files' shared tests take about as
 * long as each other.
 */
import './platform-health.suite.ts';
import './typed-client.suite.ts';
import './api-documents.suite.ts';
import './alerts.suite.ts';
import './candles.suite.ts';
import './websocket.suite.ts';
import './fno.suite.ts';
import { sharedPlatformFile } from './platform-lock.ts';

sharedPlatformFile();
