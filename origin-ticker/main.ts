import { ConfigError } from '../contracts/config-error.ts';
import type { TickMode } from '../contracts/origin-link.ts';
import { partLog } from '../contracts/part-log.ts';
import { KITE_TOKEN_SEALING, Sealer } from '../contracts/sealed-blob.ts';
import { type OriginConfig, originConfig } from './config.ts';
import { OriginFeed } from './feed/origin-feed.ts';
import { CandleStore } from './history/candle-store.ts';
import { HistoryBackfill } from './history/history-backfill.ts';
import { RequestPacer } from './history/request-pacer.ts';
import { originHealth } from './http/origin-health.ts';
import { originMetrics } from './http/origin-metrics.ts';
import { startOriginServer } from './http/origin-server.ts';
import { createKiteLogin } from './kite/login.ts';
import { sessionExchangeProcess } from './kite/session-exchange.ts';
import { tokenExpiresAt } from './kite/token-expiry.ts';
import { TokenStore } from './kite/token-store.ts';
import { edgeLeaseClient } from './lease/lease-client.ts';
import { OriginRole } from './lease/origin-role.ts';
import { programBeside } from './programs.ts';
import { type GroupIndex, loadGroupIndex } from './registry/group-index.ts';
import { latestDataset } from './registry/latest-dataset.ts';
import { runSyncProcess } from './registry/sync-process.ts';
import { firstSyncAt, startSyncSchedule } from './registry/sync-schedule.ts';

/**
 * `npm run origin`: the origin process. It holds the Kite connections (one
 * pool over every configured account), splits their ticks by instrument
 * group and sends them to the edge's group objects, subscribes what the
 * edge's clients want plus PINNED_INSTRUMENTS, lets an operator log in to
 * Kite (`/login`), keeps the registry in step with Kite's dump (a sync at
 * start, then daily at SYNC_TIME_IST), and reports on all of it at
 * `/health` and `/metrics` (ORIGIN_PORT). It does the Kite and edge part only
 * while it holds the origin lease (lease/origin-role.ts); otherwise it is a
 * standby, ready to take over. SIGTERM drains: /health turns 503, the lease
 * is given up, links and Kite sockets close cleanly, then the process exits.
 */
const log = partLog('origin');

async function start(config: OriginConfig): Promise<() => Promise<void>> {
  const startedAt = Date.now();
  const pinnedSymbols = config.pinned.map((p) => p.instrument).filter((i) => !/^\d+$/.test(i));
  let index: GroupIndex = await loadGroupIndex(config.databaseUrl, pinnedSymbols);
  // Resolved once per registry load: the feed asks on every demand change, and 9,000 pinned instruments are a big map to rebuild each time.
  let pinnedOf: { index: GroupIndex; tokens: Map<number, TickMode> } | undefined;
  const pinned = (): Map<number, TickMode> => {
    if (pinnedOf?.index === index) return pinnedOf.tokens;
    const tokens = new Map<number, TickMode>();
    for (const { instrument, mode } of config.pinned) {
      const token = /^\d+$/.test(instrument) ? Number(instrument) : index.tokenOf(instrument);
      if (token !== undefined) tokens.set(token, mode);
    }
    pinnedOf = { index, tokens };
    return tokens;
  };

  const cipher = config.kite.tokenKey ? await Sealer.create(KITE_TOKEN_SEALING, config.kite.tokenKey, config.kite.previousTokenKeys) : undefined;
  if (cipher) log(`Kite sessions are stored encrypted with key ${cipher.fingerprint}`);
  else log('KITE_TOKEN_KEY is not set: Kite logins are not stored, and a restart needs a new login');
  const store = cipher ? new TokenStore(config.databaseUrl, { cipher, log }) : undefined;
  // Read before the feed starts: a feed that dialled first reported "no access token" to every group on each restart.
  const stored = (await store?.loadAll()) ?? [];

  /** Each account's access token, and since when this process has had it (a login's time, or the start for KITE_ACCESS_TOKEN). */
  const tokens = new Map<string, { accessToken: string; expiresAt: Date; since: Date }>();
  let feed: OriginFeed | undefined;
  const useToken = (apiKey: string, accessToken: string, expiresAt: Date, since: Date) => {
    tokens.set(apiKey, { accessToken, expiresAt, since });
    feed?.setAccessToken(apiKey, { accessToken, expiresAt });
  };
  const candles = new CandleStore(config.databaseUrl, log);
  const history = new HistoryBackfill({
    // Kite's historical API with the first account's freshest token (a login may have replaced the configured one).
    source: { root: config.kite.root, apiKey: config.kite.apiKey, accessToken: () => tokens.get(config.kite.apiKey)?.accessToken },
    pacer: new RequestPacer(config.history.requestsPerSecond),
    store: candles,
    log,
  });
  /** Stored sessions newer than what this process holds (at start: all of them). */
  const restore = (sessions: typeof stored) => {
    for (const session of sessions) {
      if (!config.kite.accounts.some((a) => a.apiKey === session.apiKey)) continue;
      if ((tokens.get(session.apiKey)?.since ?? 0) >= session.loginAt) continue;
      useToken(session.apiKey, session.accessToken, session.expiresAt, session.loginAt);
      log(`Kite session of ${session.userId} (${session.apiKey}) restored; expires ${session.expiresAt.toISOString()}`);
    }
  };
  restore(stored);
  if (config.kite.accessToken) {
    useToken(config.kite.apiKey, config.kite.accessToken, tokenExpiresAt(new Date(), config.kite.tokenExpiryMinuteIst), new Date());
  }
  for (const account of config.kite.accounts) {
    if (!tokens.has(account.apiKey)) log(`no access token for ${account.apiKey}: log in at http://127.0.0.1:${config.port}/login?api_key=${account.apiKey}`);
  }

  // Kite and the edge only while this origin holds the lease: one OriginFeed per active term.
  const role: OriginRole = new OriginRole({
    ...config.lease,
    lease: edgeLeaseClient(config.edge.url, config.edge.linkSecret),
    now: () => performance.now(),
    onActive: (fencingToken) => {
      feed?.stop();
      feed = new OriginFeed({
        accounts: config.kite.accounts,
        tickerRoot: config.kite.tickerRoot,
        edgeRoot: config.edge.url,
        link: { secret: config.edge.linkSecret, fencingToken, permit: () => role.mayAct(), onFenced: (why) => role.fenced(why) },
        pinned,
        index: () => index,
        silenceMs: config.kite.heartbeatTimeoutMs,
        onBackfill: (request) => history.handle(request),
        log,
      });
      for (const [apiKey, { accessToken, expiresAt }] of tokens) feed.setAccessToken(apiKey, { accessToken, expiresAt });
      // The other origin may have been logged in to Kite since this one got its tokens: that session is in the store.
      void store?.loadAll().then(restore, (error: unknown) => log(`could not read the stored Kite sessions: ${(error as Error).message}`));
    },
    onStandby: () => {
      feed?.stop();
      feed = undefined;
    },
    log,
  });

  const login = createKiteLogin({
    accounts: config.kite.accounts,
    kiteRoot: config.kite.root,
    loginUrl: config.kite.loginUrl,
    store,
    tokenExpiryMinuteIst: config.kite.tokenExpiryMinuteIst,
    exchange: sessionExchangeProcess(programBeside('kite/session-exchange-cli')),
    onSession: (session) => {
      useToken(session.apiKey, session.accessToken, session.expiresAt, session.loginAt);
      log(`Kite login of ${session.userId} (${session.apiKey}); the feed resumes with the new token`);
    },
    log,
  });

  let draining = false;
  const snapshot = () => originHealth(feed, role.view(), index, startedAt, history.stats());
  const server = await startOriginServer({
    port: config.port,
    health: snapshot,
    metrics: originMetrics(snapshot),
    extra: [login.handle],
    draining: () => draining,
    log,
  });
  log(
    `origin up on http://127.0.0.1:${server.port} (health, metrics, login): Kite at ${config.kite.root}, ${config.kite.accounts.length} account(s), edge at ${config.edge.url}, origin id ${config.lease.originId}`,
  );
  await role.start();
  if (role.role === 'standby') log('standby: connects to Kite once it holds the lease');

  const stopSync = new AbortController();
  const latest = await latestDataset(config.databaseUrl);
  const firstRunAt = firstSyncAt(Date.now(), config.syncMinuteIst, latest?.syncedAt ?? null);
  if (latest && firstRunAt > Date.now()) {
    log(
      `dataset version ${latest.version} is current (synced ${new Date(latest.syncedAt).toISOString()}, after the day's dump): no sync at start; next instrument sync at ${new Date(firstRunAt).toISOString()}`,
    );
  }
  const schedule = startSyncSchedule({
    firstRunAt,
    minuteIst: config.syncMinuteIst,
    run: async () => {
      // The sync reads Kite's dump with the freshest token of the first account (a login may have replaced the configured one).
      await runSyncProcess({ KITE_ACCESS_TOKEN: tokens.get(config.kite.apiKey)?.accessToken ?? config.kite.accessToken }, stopSync.signal);
      index = await loadGroupIndex(config.databaseUrl, pinnedSymbols);
      feed?.registryChanged();
    },
    log,
  });

  // Minute candles older than CANDLE_RETENTION_DAYS go at start and every six hours (day candles stay).
  const retention = async () => {
    try {
      const deleted = await candles.deleteOldMinutes(config.history.retentionDays, Date.now());
      if (deleted > 0) log(`deleted ${deleted} minute candles older than ${config.history.retentionDays} days`);
    } catch (error) {
      log(`candle retention failed (retried in six hours): ${(error as Error).message}`);
    }
  };
  void retention();
  const retentionTimer = setInterval(retention, 6 * 3_600_000);
  retentionTimer.unref();

  return async () => {
    draining = true;
    clearInterval(retentionTimer);
    log('draining: closing the links to the edge and the Kite connections');
    schedule.stop();
    stopSync.abort();
    await role.stop();
    feed?.stop();
    await server.close();
    await store?.close();
    await candles.close();
  };
}

async function main(): Promise<void> {
  const stop = await start(originConfig());
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    void stop().then(
      () => {
        log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log(`stopped with an error: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

// Not a top-level await: the origin runs as a CommonJS bundle (origin-ticker/build.ts), which has none.
main().catch((error: unknown) => {
  log(error instanceof ConfigError ? error.message : `could not start: ${(error as Error).message}`);
  process.exit(1);
});
