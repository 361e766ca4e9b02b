import { ConfigError } from '../contracts/config-error.ts';
import { partLog } from '../contracts/part-log.ts';
import { simConfig } from './config.ts';
import { startSimulator } from './simulator.ts';

/**
 * `npm run sim`: the Kite Connect simulator alone, for the platform or for
 * anyone's own Kite code. Prints the roots and demo credentials to use.
 */
const log = partLog('kite-sim');

try {
  const config = simConfig();
  const started = Date.now();
  const sim = await startSimulator(config, log);
  const { demoSession: session } = sim;
  const expires = new Date(session.expiresAt).toISOString();
  for (const line of [
    `Kite simulator up in ${((Date.now() - started) / 1000).toFixed(1)} s with ${sim.universe.instruments.length} instruments`,
    `  REST root     ${sim.restRoot}        (new KiteConnect({ api_key, root }))`,
    `  ticker root   ${sim.tickerRoot}     (new KiteTicker({ api_key, access_token, root }))`,
    `  api_key       ${config.app.apiKey}`,
    `  api_secret    ${config.app.apiSecret}`,
    `  access_token  ${session.accessToken}   (expires ${expires})`,
    `  login         ${sim.restRoot}/connect/login?api_key=${config.app.apiKey}&v=3`,
    `  faults        POST ${sim.restRoot}/_sim/faults/<action>  (Authorization: Bearer ${config.adminToken})`,
    ...sim.demoSessions
      .slice(1)
      .map((extra, i) => `  app ${i + 2}         api_key ${extra.app.apiKey}   api_secret ${extra.app.apiSecret}   token ${extra.accessToken}`),
  ]) {
    log(line);
  }
  const stop = () => {
    log('stopping');
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  log(error instanceof ConfigError ? error.message : `could not start: ${(error as Error).message}`);
  process.exit(1);
}
