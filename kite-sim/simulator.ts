import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { istDay } from '../contracts/trading-calendar.ts';
import { CandleHistory } from './candle-history.ts';
import type { SimConfig } from './config.ts';
import { readForm, sendData, sendError } from './kite-http.ts';
import { LiveCandles, recordingTrades } from './live-candles.ts';
import { Market } from './market.ts';
import { MODEL_UNITS, modelRows } from './model-route.ts';
import { createRestHandler } from './rest.ts';
import { SendLog } from './send-log.ts';
import { type Session, Sessions } from './sessions.ts';
import { SyntheticHistory } from './synthetic-history.ts';
import { TickerServer, type TickSource } from './ticker-server.ts';
import { buildUniverse, listedOn } from './universe.ts';
import type { Universe } from './universe-types.ts';

/**
 * The Kite Connect simulator on one port: REST at `http://host:port`, the
 * ticker at `ws://host:port/ws`, and fault controls under `/_sim/` for
 * tests and demos (with `/_sim/model`, what an option was priced with). Official clients reach it by setting their `root`.
 * Its historical candles are synthetic before the day it started and recorded from its own trades since.
 */
export type Simulator = {
  port: number;
  restRoot: string;
  tickerRoot: string;
  universe: Universe;
  sessions: Sessions;
  ticker: TickerServer;
  /** The market as the ticker trades it: each trade is recorded into the live day's minute candles. */
  market: TickSource;
  /** A ready access token for the configured app (what `npm run sim` prints). */
  demoSession: Session;
  /** One ready access token per app (SIM_APP_COUNT), the first being demoSession. */
  demoSessions: Session[];
  close(): Promise<void>;
};

export type SimulatorOptions = {
  /** When the simulated session starts (default: now); its IST day is the live day, history ends before it. */
  startMs?: number;
};

export async function startSimulator(config: SimConfig, log: (line: string) => void = () => {}, options: SimulatorOptions = {}): Promise<Simulator> {
  const started = options.startMs ?? Date.now();
  const universe = listedOn(buildUniverse({ seed: config.seed, today: new Date(started) }), config.exchanges);
  const market = new Market(universe, {
    seed: config.seed,
    startMs: started,
    rate: config.rate,
    smile: config.smile,
  });
  const liveDay = istDay(started);
  const live = new LiveCandles();
  const trades = recordingTrades(market, live);
  const history = new CandleHistory({
    synthetic: new SyntheticHistory({ seed: config.seed, underlyings: universe.underlyings, basis: market, liveDay }),
    live,
    liveDay,
  });
  const apps = config.apps.map((app, i) => ({ ...app, userName: i === 0 ? 'Kite Simulator' : `Kite Simulator ${i + 1}` }));
  const sessions = new Sessions({ apps, expiryMinuteIst: config.tokenExpiryMinuteIst });
  const sendLog = config.recordSendTimes ? new SendLog() : undefined;
  const ticker = new TickerServer({
    sessions,
    universe,
    market: trades,
    ticksPerSecond: config.ticksPerSecond,
    maxInstrumentsPerConnection: config.maxInstrumentsPerConnection,
    maxConnectionsPerKey: config.maxConnectionsPerKey,
    pongTimeoutMs: config.pongTimeoutMs,
    log,
    sendLog,
  });
  const rest = createRestHandler({
    sessions,
    universe,
    market,
    redirectUrl: config.redirectUrl,
    history,
    historicalRequestsPerSecond: config.historicalRequestsPerSecond,
  });

  async function admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.headers.authorization !== `Bearer ${config.adminToken}`) {
      return sendError(res, 403, 'PermissionException', 'Fault controls need `Authorization: Bearer <SIM_ADMIN_TOKEN>`.');
    }
    if (req.method === 'GET' && path === '/_sim/state') {
      return sendData(res, { ...ticker.stats(), faults: ticker.faults, instruments: universe.instruments.length });
    }
    if (req.method === 'GET' && path === '/_sim/connections') return sendData(res, ticker.connectionFigures());
    if (req.method === 'POST' && path === '/_sim/connections/reset') return sendData(res, ticker.resetConnectionFigures());
    if (req.method === 'GET' && path === '/_sim/model') {
      const rows = modelRows(universe, market, new URL(req.url ?? '/', 'http://sim').searchParams);
      if (typeof rows === 'string') return sendError(res, 400, 'InputException', rows);
      return sendData(res, { units: MODEL_UNITS, instruments: rows });
    }
    if (req.method === 'GET' && path === '/_sim/send-times') {
      if (!sendLog) return sendError(res, 404, 'GeneralException', 'Send times are not recorded: start the simulator with SIM_SEND_TIMES=1.');
      // Frames as [connection, second, sent_at_ms] rows: a few minutes of them is tens of thousands.
      const frames = sendLog.frames().map((f) => [f.connection, f.second, f.sentAt]);
      return sendData(res, { frames, connections: ticker.connectionTokens() });
    }
    const action = /^\/_sim\/faults\/([a-z-]+)$/.exec(path)?.[1];
    if (req.method !== 'POST' || !action) return sendError(res, 404, 'GeneralException', `Unknown fault control ${req.method} ${path}.`);
    const form = await readForm(req);
    const affected = applyFault(action, form);
    if (affected === undefined) {
      return sendError(res, 400, 'InputException', `Unknown fault \`${action}\`; one of ${FAULTS.join(', ')}.`);
    }
    log(`fault: ${action}${form.size ? ` ${form.toString()}` : ''} (${affected} affected)`);
    return sendData(res, { action, affected, faults: ticker.faults });
  }

  function applyFault(action: string, form: URLSearchParams): number | undefined {
    switch (action) {
      case 'drop-connections':
        return ticker.dropAll();
      case 'silence':
        ticker.faults.silent = true;
        return ticker.stats().connections;
      case 'malformed-frame':
        return ticker.sendMalformed();
      case 'expire-tokens': {
        const expired = sessions.expireAll();
        ticker.dropAll();
        return expired;
      }
      case 'slow':
        ticker.faults.slowMs = Math.max(0, Math.min(Number(form.get('ms') ?? 1000) || 0, 60_000));
        return ticker.stats().connections;
      case 'refuse-connections':
        ticker.faults.refuseNew = true;
        return 0;
      case 'message':
        return ticker.broadcastMessage(form.get('text') ?? 'Message from the Kite simulator');
      case 'reset':
        Object.assign(ticker.faults, { silent: false, slowMs: 0, refuseNew: false });
        return ticker.stats().connections;
      default:
        return undefined;
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const work = path.startsWith('/_sim/') ? admin(req, res, path).then(() => true) : rest(req, res);
    work
      .then((handled) => {
        if (!handled) sendError(res, 404, 'GeneralException', `Route not found: ${req.method} ${path}`);
      })
      .catch((error: unknown) => {
        const bad = error instanceof SyntaxError || error instanceof RangeError;
        if (!res.headersSent)
          sendError(
            res,
            bad ? 400 : 500,
            bad ? 'InputException' : 'GeneralException',
            bad ? `Bad request body: ${(error as Error).message}` : 'Internal simulator error.',
          );
        if (!bad) log(`error on ${req.method} ${path}: ${(error as Error).stack ?? String(error)}`);
      });
  });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    if (path === '/ws' || path === '/ws/') ticker.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${config.port} is already in use; set SIM_PORT to another`) : error),
    );
    server.listen(config.port, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const demoSessions = apps.map((app) => sessions.issueSession(app));
  const demoSession = demoSessions[0] as Session;

  return {
    port,
    restRoot: `http://127.0.0.1:${port}`,
    tickerRoot: `ws://127.0.0.1:${port}/ws`,
    universe,
    sessions,
    ticker,
    market: trades,
    demoSession,
    demoSessions,
    close: () =>
      new Promise<void>((resolve) => {
        ticker.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const FAULTS = ['drop-connections', 'silence', 'malformed-frame', 'expire-tokens', 'slow', 'refuse-connections', 'message', 'reset'] as const;
