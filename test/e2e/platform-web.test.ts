/**
 * The end-to-end suites on the shared platform (test/setup/shared-platform.ts)
 * of the web app in Chromium. They run beside test/e2e/platform.test.ts
 * under the platform lock (test/e2e/platform-lock.ts).
 */
import './web-app.suite.ts';
import './web-watchlist.suite.ts';
import './web-alerts-keys.suite.ts';
import './web-chart.suite.ts';
import './web-chain.suite.ts';
import { sharedPlatformFile } from './platform-lock.ts';
import { webFile } from './web-user.ts';

sharedPlatformFile();
webFile();
