import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { istTimestamp } from '../contracts/ist-clock.ts';
import type { KiteExchange } from '../contracts/kite-instrument.ts';
import type { CandleHistory } from './candle-history.ts';
import { historicalRoute } from './historical-route.ts';
import { instrumentsCsv, instrumentsForExchange } from './instruments-csv.ts';
import { readForm, sendData, sendError, tokenCredentials } from './kite-http.ts';
import type { Quote } from './quote.ts';
import type { Session, Sessions } from './sessions.ts';
import type { SimInstrument, Universe } from './universe-types.ts';

/**
 * Kite Connect's REST API, as much of it as market data needs: the
 * instrument dump, the login redirect and session exchange, the profile and
 * the three quote endpoints, historical candles. Everything wrong is answered with Kite's error
 * envelope and the HTTP status Kite uses.
 */
export type RestOptions = {
  sessions: Sessions;
  universe: Universe;
  market: { quote(token: number): Quote };
  /** Where /connect/login sends the browser; undefined: the simulator's own /connect/done page. */
  redirectUrl: string | undefined;
  history: CandleHistory;
  /** Historical requests a second per API key (Kite: 3); 0: unlimited. */
  historicalRequestsPerSecond: number;
};

/** Kite's per-call instrument limits. */
const QUOTE_LIMIT = { full: 500, ohlc: 1000, ltp: 1000 } as const;

export function createRestHandler(options: RestOptions) {
  const { sessions, universe, market } = options;
  const csvCache = new Map<string, { plain: Buffer; gzip: Buffer }>();
  const exchanges = new Set(universe.instruments.map((i) => i.exchange));
  const historical = historicalRoute({ universe, history: options.history, requestsPerSecond: options.historicalRequestsPerSecond });

  function csvFor(exchange: string | undefined): { plain: Buffer; gzip: Buffer } {
    const key = exchange ?? '*';
    let cached = csvCache.get(key);
    if (!cached) {
      const rows = exchange ? instrumentsForExchange(universe, exchange as KiteExchange) : universe.instruments;
      const plain = Buffer.from(instrumentsCsv(rows));
      cached = { plain, gzip: gzipSync(plain) };
      csvCache.set(key, cached);
    }
    return cached;
  }

  function authenticate(req: IncomingMessage, res: ServerResponse): Session | undefined {
    const credentials = tokenCredentials(req);
    const session = credentials && sessions.verify(credentials.apiKey, credentials.accessToken);
    if (!session) sendError(res, 403, 'TokenException', 'Incorrect `api_key` or `access_token`.');
    return session;
  }

  function instrumentsRoute(req: IncomingMessage, res: ServerResponse, exchange: string | undefined): void {
    if (exchange !== undefined && !exchanges.has(exchange as SimInstrument['exchange'])) {
      sendError(res, 400, 'InputException', `Invalid exchange \`${exchange}\`; one of ${[...exchanges].join(', ')}.`);
      return;
    }
    const csv = csvFor(exchange);
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? csv.gzip : csv.plain;
    // The official client parses the dump only when the type is exactly text/csv.
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': body.length, ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(body);
  }

  function loginRoute(url: URL, res: ServerResponse): void {
    const apiKey = url.searchParams.get('api_key') ?? '';
    const requestToken = sessions.issueRequestToken(apiKey);
    if (!requestToken) {
      sendError(res, 400, 'InputException', 'Invalid `api_key`.');
      return;
    }
    const target = new URL(options.redirectUrl ?? `http://${url.host}/connect/done`);
    // Kite hands `redirect_params` (a URL-encoded query string) back on the redirect, so
    // an app can tell which of its logins came back; its own fields below always win.
    for (const [name, value] of new URLSearchParams(url.searchParams.get('redirect_params') ?? '')) target.searchParams.append(name, value);
    target.searchParams.set('request_token', requestToken);
    target.searchParams.set('action', 'login');
    target.searchParams.set('type', 'login');
    target.searchParams.set('status', 'success');
    res.writeHead(302, { Location: target.toString(), 'Content-Length': 0 });
    res.end();
  }

  async function sessionTokenRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const missing = ['api_key', 'request_token', 'checksum'].filter((name) => !form.get(name));
    if (missing.length) {
      sendError(res, 400, 'InputException', `Missing ${missing.map((m) => `\`${m}\``).join(', ')}.`);
      return;
    }
    const outcome = sessions.exchange(form.get('api_key') ?? '', form.get('request_token') ?? '', form.get('checksum') ?? '');
    if (!outcome.ok) {
      sendError(res, outcome.status, outcome.errorType, outcome.message);
      return;
    }
    const { session } = outcome;
    sendData(res, {
      ...profile(session),
      api_key: session.app.apiKey,
      access_token: session.accessToken,
      public_token: session.publicToken,
      refresh_token: '',
      enctoken: '',
      login_time: istTimestamp(session.issuedAt),
    });
  }

  function quoteRoute(url: URL, res: ServerResponse, kind: 'full' | 'ohlc' | 'ltp'): void {
    const wanted = url.searchParams.getAll('i');
    if (wanted.length === 0) {
      sendError(res, 400, 'InputException', 'No instruments given: pass one or more `i=EXCHANGE:TRADINGSYMBOL`.');
      return;
    }
    if (wanted.length > QUOTE_LIMIT[kind]) {
      sendError(res, 400, 'InputException', `Too many instruments: at most ${QUOTE_LIMIT[kind]} per request.`);
      return;
    }
    const data: Record<string, unknown> = {};
    for (const key of wanted) {
      // Kite takes EXCHANGE:TRADINGSYMBOL or a bare instrument token; unknown ones are left out.
      const instrument = /^\d+$/.test(key) ? universe.byToken.get(Number(key)) : universe.bySymbol.get(key);
      if (!instrument) continue;
      data[key] = quoteBody(market.quote(instrument.instrument_token), kind);
    }
    sendData(res, data);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const route = `${method} ${path}`;

    if (route === 'GET /instruments') {
      instrumentsRoute(req, res, undefined);
      return true;
    }
    const historicalMatch = /^GET \/instruments\/historical\/([^/]+)\/([^/]+)$/.exec(route);
    if (historicalMatch) {
      const session = authenticate(req, res);
      if (session) historical(res, session.app.apiKey, historicalMatch[1] ?? '', historicalMatch[2] ?? '', url.searchParams);
      return true;
    }
    const exchangeMatch = /^GET \/instruments\/([A-Za-z]+)$/.exec(route);
    if (exchangeMatch) {
      instrumentsRoute(req, res, exchangeMatch[1]?.toUpperCase());
      return true;
    }
    if (route === 'GET /connect/login') {
      loginRoute(url, res);
      return true;
    }
    if (route === 'GET /connect/done') {
      const token = url.searchParams.get('request_token') ?? '';
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Kite simulator login complete.\nrequest_token=${token}\nExchange it with POST /session/token (kiteconnect: generateSession).\n`);
      return true;
    }
    if (route === 'POST /session/token') {
      await sessionTokenRoute(req, res);
      return true;
    }
    if (route === 'DELETE /session/token') {
      // Logging out ends nothing else here; Kite answers true.
      sendData(res, true);
      return true;
    }
    if (route === 'GET /user/profile') {
      const session = authenticate(req, res);
      if (session) sendData(res, profile(session));
      return true;
    }
    const quoteKinds: Record<string, 'full' | 'ohlc' | 'ltp'> = { 'GET /quote': 'full', 'GET /quote/ohlc': 'ohlc', 'GET /quote/ltp': 'ltp' };
    const kind = quoteKinds[route];
    if (kind) {
      if (authenticate(req, res)) quoteRoute(url, res, kind);
      return true;
    }
    return false;
  };
}

function profile(session: Session) {
  return {
    user_id: session.app.userId,
    user_type: 'individual',
    email: `${session.app.userId.toLowerCase()}@kite-simulator.invalid`,
    user_name: 'Kite Simulator',
    user_shortname: 'Simulator',
    broker: 'ZERODHA',
    exchanges: ['NSE', 'BSE', 'NFO', 'BFO', 'MCX', 'CDS', 'BCD'],
    products: ['CNC', 'NRML', 'MIS', 'BO', 'CO'],
    order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'],
    avatar_url: null,
    meta: { demat_consent: 'consent' },
  };
}

function quoteBody(q: Quote, kind: 'full' | 'ohlc' | 'ltp') {
  if (kind === 'ltp') return { instrument_token: q.instrument_token, last_price: q.last_price };
  if (kind === 'ohlc') return { instrument_token: q.instrument_token, last_price: q.last_price, ohlc: q.ohlc };
  return {
    instrument_token: q.instrument_token,
    timestamp: istTimestamp(q.exchange_timestamp * 1000),
    last_trade_time: istTimestamp(q.last_trade_time * 1000),
    last_price: q.last_price,
    last_quantity: q.last_traded_quantity,
    buy_quantity: q.total_buy_quantity,
    sell_quantity: q.total_sell_quantity,
    volume: q.volume_traded,
    average_price: q.average_traded_price,
    oi: q.oi,
    oi_day_high: q.oi_day_high,
    oi_day_low: q.oi_day_low,
    net_change: Number((q.last_price - q.ohlc.close).toFixed(4)),
    lower_circuit_limit: Number((q.ohlc.close * 0.8).toFixed(2)),
    upper_circuit_limit: Number((q.ohlc.close * 1.2).toFixed(2)),
    ohlc: q.ohlc,
    depth: q.depth,
  };
}
