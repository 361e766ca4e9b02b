import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../contracts/config-error.ts';
import type { HealthResponse } from '../contracts/health.ts';
import { partLog } from '../contracts/part-log.ts';
import { simConfig } from '../kite-sim/config.ts';
import { buildWebApp, kb } from '../web/build.ts';
import { startBackingServices } from './backing-services.ts';
import { type LocalConfig, localConfig } from './config.ts';
import { CONTROL_HEADER, startControlServer } from './control-server.ts';
import { ControlledPart, PartConflict } from './controlled-part.ts';
import { PLATFORM_UP_LAST_LINE } from './dev-stack.ts';
import { startEdgeService, waitForHealth } from './edge-service.ts';
import { startOriginService } from './origin-service.ts';
import { assertPortsFree } from './ports.ts';
import { inProcess, type Service } from './service.ts';
import { startSimulatorService } from './simulator-service.ts';

/**
 * `npm run dev`: the whole platform on this machine, in one terminal.
 * The origin syncs the registry from the simulator's dump at every start.
 * Starts the parts in dependency order, prints where each one is, and stops
 * all of them (in reverse order) on Ctrl-C, on SIGTERM, or as soon as any
 * one of them dies, so nothing is left half-running or holding a port. The
 * one exception is the origin, which production runs under a supervisor
 * too: when it dies it is started again (the edge's sessions see their feed
 * go stale and come back), unless it keeps dying at start. Two origins run
 * (ORIGIN_STANDBY=0: one): the active on ORIGIN_PORT, started first, and a
 * standby on ORIGIN_STANDBY_PORT that takes over when the active dies or
 * hangs (docs/origin.md, "Roles"). Postgres, Redis and each origin can be
 * stopped, started, killed, hung and let go one at a time on the control
 * port (control-server.ts), for fault tests and rehearsals.
 * `npm run dev:fresh` (`--fresh`) wipes the local state first.
 * The web app (web/) is built once at start, beside the backing services,
 * before `wrangler dev` serves it: a change to it needs a restart (or
 * `npm run build:web`, which the running worker then serves).
 */
const log = partLog('dev');
/** Under the origins' lease time to live (ORIGIN_LEASE_TTL_MS, 5 s) less a renewal (1 s), with a second to spare. */
const SIM_PONG_TIMEOUT_MS = 3_000;
const services: Service[] = [];
const parts: ControlledPart[] = [];
let shuttingDown: Promise<never> | undefined;

function shutdown(reason: string, exitCode: number): Promise<never> {
  shuttingDown ??= (async () => {
    log(reason);
    for (const service of [...services].reverse()) {
      try {
        await service.stop();
        log(`stopped ${service.name}`);
      } catch (error) {
        log(`could not stop ${service.name}: ${(error as Error).message}`);
      }
    }
    process.exit(exitCode);
  })();
  return shuttingDown;
}

/**
 * Takes a started part into the platform: stopped with the rest, and its
 * death stops the rest. One that can be started again (`startAgain`) is
 * also controllable on the control port.
 */
function adopt(service: Service, startAgain?: () => Promise<Service>): void {
  if (startAgain) {
    const part = new ControlledPart(service, startAgain, (how) => void shutdown(`${how}: stopping the platform`, 1));
    parts.push(part);
    services.push(part);
    return;
  }
  services.push(service);
  void service.crashed.then((how) => shutdown(`${how}: stopping the platform`, 1));
}

/** Restarts an origin when it dies; three deaths within a minute of their starts stop the platform instead. */
function superviseOrigin(first: Service, start: () => Promise<Service>): void {
  let startedAt = Date.now();
  let quickDeaths = 0;
  const startAgain = async () => {
    const service = await start();
    startedAt = Date.now();
    return service;
  };
  const origin = new ControlledPart(first, startAgain, (how) => void restart(how));
  parts.push(origin);
  services.push(origin);
  async function restart(how: string): Promise<void> {
    if (shuttingDown) return;
    quickDeaths = Date.now() - startedAt < 60_000 ? quickDeaths + 1 : 1;
    if (quickDeaths >= 3) return void shutdown(`${how}, three times within a minute of starting: stopping the platform`, 1);
    log(`${how}: starting it again in 1 s`);
    await new Promise((r) => setTimeout(r, 1_000));
    if (shuttingDown) return;
    try {
      await origin.start();
      log(`${origin.name} is back`);
    } catch (error) {
      // Started meanwhile on the control port: nothing left to do.
      if (error instanceof PartConflict) return;
      void shutdown(`the origin could not start again: ${(error as Error).message}`, 1);
    }
  }
}

process.on('SIGINT', () => void shutdown('interrupted: stopping the platform', 0));
process.on('SIGTERM', () => void shutdown('terminated: stopping the platform', 0));

async function main(): Promise<void> {
  const started = Date.now();
  const config = localConfig();
  const sim = simConfig();
  if (process.argv.includes('--fresh')) {
    rmSync(config.stateDir, { recursive: true, force: true });
    log(`--fresh: removed ${config.stateDir}`);
  }
  await assertPortsFree([...portsToBind(config), ...(config.realKite ? [] : [{ port: sim.port, variable: 'SIM_PORT', what: 'Kite simulator' }])]);
  const webApp = buildWebApp();
  // Awaited before wrangler starts; a failure is reported there, not as an unhandled rejection meanwhile.
  webApp.catch(() => {});

  const backing = await startBackingServices(config, adopt);
  if ('missing' in backing.redis) {
    log(`WARNING: no Redis (${backing.redis.missing}); the platform runs uncached`);
  }
  if (shuttingDown) return;

  // Kite's stand-in, unless real Kite credentials are configured.
  const kite = config.realKite
    ? undefined
    : await startSimulatorService({
        port: sim.port,
        redirectUrl: `http://127.0.0.1:${config.originPort}/login/callback`,
        // A hung active origin's Kite sockets are cut before its lease lapses (5 s), so the standby taking over finds
        // the API key's slots free: the stand-in for Kite dropping a dead client (kite-sim/ticker-server.ts).
        ...(config.standbyOriginPort === undefined ? {} : { pongTimeoutMs: SIM_PONG_TIMEOUT_MS }),
        onLine: (line) => process.stdout.write(`${line}\n`),
      });
  if (kite) adopt(kite);
  if (shuttingDown) return;
  const linkSecret = config.originLinkSecret ?? randomBytes(24).toString('hex');
  const edgeUrl = `http://127.0.0.1:${config.edgePort}`;
  const startOrigin = (name: string, port: number) => () =>
    startOriginService({
      name,
      databaseUrl: backing.database.url,
      kite: kite && { root: kite.restRoot, apiKey: sim.app.apiKey, apiSecret: sim.app.apiSecret, accessToken: kite.accessToken },
      port,
      edgeUrl,
      linkSecret,
      tokenKey: config.kiteTokenKey ?? localTokenKey(config.stateDir),
      pinned: config.pinned,
      onLine: (line) => process.stdout.write(`${line}\n`),
    });
  const startActive = startOrigin('origin', config.originPort);
  superviseOrigin(await startActive(), startActive);
  if (shuttingDown) return;

  const vars: Record<string, string> = { DATABASE_URL: backing.database.url, ORIGIN_LINK_SECRET: linkSecret, METRICS_TOKEN: config.metricsToken };
  if (backing.database.httpEndpoint) vars.NEON_HTTP_ENDPOINT = backing.database.httpEndpoint;
  if (!('missing' in backing.redis)) {
    vars.UPSTASH_REDIS_REST_URL = backing.redis.url;
    vars.UPSTASH_REDIS_REST_TOKEN = backing.redis.token;
  }
  const web = await webApp.catch((error: Error) => {
    throw new Error(`the web app did not build (npm run build:web): ${error.message}`);
  });
  log(`web app built (first-load JavaScript ${kb(web.firstLoadJsGzipBytes)} gzipped)`);
  const edge = startEdgeService({
    port: config.edgePort,
    inspectorPort: config.edgeInspectorPort,
    vars,
    stateDir: config.wranglerStateDir,
    onLine: partLog('edge'),
  });
  adopt(edge);
  const health = (await waitForHealth(edge.url, edge.crashed, 90_000)) as HealthResponse;
  const standbyPort = config.standbyOriginPort;
  if (standbyPort !== undefined) {
    // The standby starts once the first origin holds the lease (which needs the edge), so the roles are as printed.
    await waitForRole(`http://127.0.0.1:${config.originPort}`, 'active', 60_000);
    const startStandby = startOrigin('origin-standby', standbyPort);
    superviseOrigin(await startStandby(), startStandby);
    if (shuttingDown) return;
  }
  const control = await startControlServer(config.controlPort, parts, partLog('control'));
  adopt(inProcess('control', control.close));

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [
    `platform is up in ${seconds} s`,
    `  Edge worker (wrangler)   ${edge.url}   health: ${edge.url}/health   DevTools inspector: ws://127.0.0.1:${config.edgeInspectorPort}/ws`,
    `  Web app                  ${edge.url}/   built once at start from web/ (docs/web.md)`,
    `  Edge metrics             ${edge.url}/metrics   Authorization: Bearer ${config.metricsToken}   (docs/edge-metrics.md)`,
    `  Client WebSockets        ${edge.url.replace('http', 'ws')}/v2/ws (JSON)   ${edge.url.replace('http', 'ws')}/kite/ws (Kite's protocol)   credentials: docs/auth.md`,
    ...backing.database.summary.map((l) => `  ${l}`),
    ...('missing' in backing.redis ? [`  Redis                    none: ${backing.redis.missing}`] : backing.redis.summary.map((l) => `  ${l}`)),
    `  Origin (Kite feed)       http://127.0.0.1:${config.originPort}   active   health: /health   metrics: /metrics   Kite login: /login`,
    standbyPort === undefined
      ? '  Standby origin           none (ORIGIN_STANDBY=0)'
      : `  Standby origin           http://127.0.0.1:${standbyPort}   standby: takes over within 10 s if the active one dies or hangs`,
    kite
      ? `  Kite simulator           REST ${kite.restRoot}   ticker ${kite.tickerRoot}   api_key ${sim.app.apiKey}   access_token ${kite.accessToken}`
      : "  Kite                     real Kite (KITE_API_KEY and KITE_API_SECRET are set): log in at the origin's /login",
    `  Part control             ${control.url}/parts   POST /parts/<${parts.map((p) => p.name).join('|')}>/<stop|start|pause|resume> with ${CONTROL_HEADER}: 1`,
    `  health: ${health.status}; database ${health.database.status}${health.database.schema ? ` (schema ${health.database.schema})` : ''}, redis ${health.redis.status}, feed ${health.feed.status}${health.feed.reason ? ` (${health.feed.reason})` : ''}`,
    `  ${PLATFORM_UP_LAST_LINE}`,
  ];
  for (const line of lines) log(line);
}

/** Waits until the origin at `url` reports `role` on /health. */
async function waitForRole(url: string, role: 'active' | 'standby', ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const health = await fetch(`${url}/health`)
      .then((r) => r.json() as Promise<{ role?: string }>)
      .catch(() => undefined);
    if (health?.role === role) return;
    if (Date.now() > until) throw new Error(`the origin at ${url} was not ${role} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function portsToBind(config: LocalConfig) {
  const ports = [
    { port: config.edgePort, variable: 'EDGE_PORT', what: 'edge worker' },
    { port: config.edgeInspectorPort, variable: 'EDGE_INSPECTOR_PORT', what: 'edge worker inspector' },
    { port: config.originPort, variable: 'ORIGIN_PORT', what: 'origin (health, metrics, Kite login)' },
    ...(config.standbyOriginPort === undefined ? [] : [{ port: config.standbyOriginPort, variable: 'ORIGIN_STANDBY_PORT', what: 'standby origin' }]),
    { port: config.controlPort, variable: 'DEV_CONTROL_PORT', what: 'part control (stop, start, pause, resume a part)' },
  ];
  if (!config.databaseUrl) ports.push({ port: config.postgres.port, variable: 'PG_PORT', what: 'embedded Postgres' });
  ports.push({ port: config.relayPort, variable: 'NEON_RELAY_PORT', what: 'Neon relay' });
  if (!config.upstash) {
    if (!config.redisUrl) ports.push({ port: config.redis.port, variable: 'REDIS_PORT', what: 'private redis-server' });
    ports.push({ port: config.bridge.port, variable: 'REDIS_BRIDGE_PORT', what: 'Upstash REST bridge' });
  }
  return ports;
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `could not start: ${(error as Error).message}`;
  void shutdown(message, 1);
});

/**
 * The key that encrypts stored Kite tokens, kept with the local state so a
 * restart can still read them (production sets KITE_TOKEN_KEY).
 */
function localTokenKey(stateDir: string): string {
  const file = join(stateDir, 'kite-token-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(stateDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
