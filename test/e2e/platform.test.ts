/**
 * The end-to-end suites on the one shared platform (test/setup/shared-platform.ts),
 * in one file so they run one after another: a fault one injects (Kite
 * silenced, tokens expired, the origin killed, a group restarted) is put
 * back before the next starts, while the other test files run beside it.
 */
import './platform-health.suite.ts';
import './alerts.suite.ts';
import './websocket.suite.ts';
import './typed-client.suite.ts';
import './api-documents.suite.ts';
import './web-app.suite.ts';
import './web-watchlist.suite.ts';
import './web-alerts-keys.suite.ts';
import './web-chart.suite.ts';
import './web-chain.suite.ts';
import './origin-feed.suite.ts';
import './fno.suite.ts';
import './candles.suite.ts';
import './failover.suite.ts';
import './fault-matrix.suite.ts';
