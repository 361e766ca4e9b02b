import type { z } from 'zod';
import { Alert, AlertPage, type AlertState, type InstrumentRef, TriggerPage } from '../contracts/alerts.ts';
import { ApiKey, ApiKeyList, Me, NewApiKey, Registration, type Scope, SessionTokens } from '../contracts/auth-api.ts';
import type { CandleInterval } from '../contracts/candles.ts';
import { ErrorBody, type ErrorCode } from '../contracts/errors.ts';
import { FnoChain, FnoSummary } from '../contracts/fno-chain.ts';
import { HealthResponse } from '../contracts/health.ts';
import { HistoryResponse, KiteErrorBody } from '../contracts/history-api.ts';
import { ExpiriesResponse, InstrumentRow, ListResponse, OptionChainResponse, SearchResponse, StatsResponse } from '../contracts/instruments-api.ts';
import { KiteLtpQuote, KiteOhlcQuote, KiteQuote, quoteResponse } from '../contracts/quote-api.ts';
import { Watchlist, WatchlistList } from '../contracts/watchlists.ts';
import type { Credentials } from './kite-edge-client.ts';

/**
 * The REST API (GET /openapi.json has all of it) for programs: each helper
 * sends one request and parses the answer with the very schema the server
 * describes it with (contracts/), so a typed result is a checked one. A
 * refusal throws KiteEdgeApiError with the platform's error body.
 */

/** An answer other than the route's success: its status and the platform's error body. */
export class KiteEdgeApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'unexpected_answer';
  readonly body: unknown;

  constructor(status: number, code: KiteEdgeApiError['code'], message: string, body: unknown) {
    super(message);
    this.name = 'KiteEdgeApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export type RestOptions = {
  /** The platform's address, e.g. `https://edge.example.com` or `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** An API key and its secret, or an access token; none for the public routes (register, login, instruments). */
  credentials?: Credentials | (() => Credentials | Promise<Credentials>);
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
};

type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

export type ListQuery = {
  exchange?: string;
  segment?: string;
  instrument_type?: string;
  name?: string;
  expiry?: string;
  expiry_from?: string;
  expiry_to?: string;
  strike_min?: number;
  strike_max?: number;
  is_active?: 'true' | 'false' | 'all';
  sort?: string;
  limit?: number;
  offset?: number;
  cursor?: string;
};

export type NewAlert = {
  instrument: InstrumentRef;
  condition: Alert['condition'];
  repeat?: Alert['repeat'];
  expires_at?: string;
  note?: string;
  channels?: { sessions?: boolean; webhook?: { url: string } | null };
};

const KiteQuotes = quoteResponse(KiteQuote);
const KiteOhlcQuotes = quoteResponse(KiteOhlcQuote);
const KiteLtpQuotes = quoteResponse(KiteLtpQuote);

export class KiteEdgeRest {
  readonly #options: RestOptions;

  constructor(options: RestOptions) {
    this.#options = options;
  }

  health() {
    return this.#get('/health', HealthResponse);
  }

  // ---- accounts and keys ----

  register(email: string, password: string) {
    return this.#send('POST', '/auth/register', { email, password }, Registration, 202);
  }

  login(email: string, password: string) {
    return this.#send('POST', '/auth/login', { email, password }, SessionTokens);
  }

  refresh(refreshToken: string) {
    return this.#send('POST', '/auth/refresh', { refresh_token: refreshToken }, SessionTokens);
  }

  me() {
    return this.#get('/auth/me', Me);
  }

  /** Ends every session of the user (an access token only): their refresh tokens are revoked, their sockets closed. */
  logout() {
    return this.#send('POST', '/auth/logout', undefined, undefined, 204);
  }

  createApiKey(name: string, scopes: Scope[]) {
    return this.#send('POST', '/api-keys', { name, scopes }, NewApiKey, 201);
  }

  apiKeys() {
    return this.#get('/api-keys', ApiKeyList);
  }

  /** Revokes it (idempotent) and closes the sessions opened with it; answers the key with `revoked_at` set. */
  revokeApiKey(id: string) {
    return this.#send('DELETE', `/api-keys/${encodeURIComponent(id)}`, undefined, ApiKey);
  }

  // ---- instruments ----

  instruments(query: ListQuery = {}) {
    return this.#get('/instruments/list', ListResponse, query);
  }

  search(q: string, options: { exchange?: string; segment?: string; limit?: number } = {}) {
    return this.#get('/instruments/search', SearchResponse, { q, ...options });
  }

  instrument(token: number) {
    return this.#get(`/instruments/${token}`, InstrumentRow);
  }

  instrumentBySymbol(exchange: string, tradingsymbol: string) {
    return this.#get(`/instruments/by-symbol/${encodeURIComponent(exchange)}/${encodeURIComponent(tradingsymbol)}`, InstrumentRow);
  }

  stats() {
    return this.#get('/instruments/stats', StatsResponse);
  }

  expiries(name: string, exchange?: string) {
    return this.#get('/instruments/expiries', ExpiriesResponse, { name, exchange });
  }

  optionChain(name: string, expiry: string, exchange?: string) {
    return this.#get('/instruments/option-chain', OptionChainResponse, { name, expiry, exchange });
  }

  // ---- Kite's quotes, live chains ----

  /** Kite's `GET /quote`: instruments as `EXCHANGE:TRADINGSYMBOL` or tokens. */
  quote(instruments: readonly (string | number)[]) {
    return this.#get('/quote', KiteQuotes, { i: instruments });
  }

  ohlc(instruments: readonly (string | number)[]) {
    return this.#get('/quote/ohlc', KiteOhlcQuotes, { i: instruments });
  }

  ltp(instruments: readonly (string | number)[]) {
    return this.#get('/quote/ltp', KiteLtpQuotes, { i: instruments });
  }

  /**
   * Kite's historical candles (docs/candles.md): `from` and `to` in IST as
   * Kite writes them (`YYYY-MM-DD HH:MM:SS`, or a bare date), both inclusive.
   * Rows are Kite's `[time, open, high, low, close, volume(, oi)]`, oldest
   * first; `incomplete` is why part of the range could not be filled from
   * Kite this time (the `X-History-Incomplete` header), else null. Kite's
   * `InputException` (a bad range, interval or token) throws as
   * `invalid_parameter` with Kite's message.
   */
  async history(token: number, interval: CandleInterval, range: { from: string; to: string; oi?: boolean }) {
    const path = `/instruments/historical/${token}/${interval}${queryString({ from: range.from, to: range.to, oi: range.oi ? 1 : undefined })}`;
    const { response, body } = await this.#exchange('GET', path, undefined);
    if (response.status === 400) {
      const kite = KiteErrorBody.safeParse(body);
      if (kite.success) throw new KiteEdgeApiError(400, 'invalid_parameter', kite.data.message, body);
    }
    const { candles } = (this.#parse('GET', path, response, body, HistoryResponse, 200) as HistoryResponse).data;
    return { candles, incomplete: response.headers.get('X-History-Incomplete') };
  }

  fnoChain(name: string, expiry: string, strikes?: number) {
    return this.#get('/fno/chain', FnoChain, { name, expiry, strikes });
  }

  fnoSummary(name: string) {
    return this.#get('/fno/summary', FnoSummary, { name });
  }

  // ---- alerts ----

  alerts(query: { state?: AlertState; limit?: number; cursor?: string } = {}) {
    return this.#get('/alerts', AlertPage, query);
  }

  alert(id: string) {
    return this.#get(`/alerts/${encodeURIComponent(id)}`, Alert);
  }

  /** The user's alert history: triggers across alerts (or of one, `alert_id`) with their deliveries, newest first. */
  alertTriggers(query: { alert_id?: string; limit?: number; cursor?: string } = {}) {
    return this.#get('/alerts/triggers', TriggerPage, query);
  }

  createAlert(alert: NewAlert) {
    return this.#send('POST', '/alerts', alert, Alert, 201);
  }

  deleteAlert(id: string) {
    return this.#send('DELETE', `/alerts/${encodeURIComponent(id)}`, undefined, undefined, 204);
  }

  // ---- watchlists (an access token; reading them also an API key with scope read) ----

  listWatchlists() {
    return this.#get('/watchlists', WatchlistList);
  }

  watchlist(id: string) {
    return this.#get(`/watchlists/${encodeURIComponent(id)}`, Watchlist);
  }

  createWatchlist(name: string) {
    return this.#send('POST', '/watchlists', { name }, Watchlist, 201);
  }

  renameWatchlist(id: string, name: string) {
    return this.#send('PATCH', `/watchlists/${encodeURIComponent(id)}`, { name }, Watchlist);
  }

  deleteWatchlist(id: string) {
    return this.#send('DELETE', `/watchlists/${encodeURIComponent(id)}`, undefined, undefined, 204);
  }

  /** Appends it; adding one already listed changes nothing. */
  addToWatchlist(id: string, instrumentToken: number) {
    return this.#send('POST', `/watchlists/${encodeURIComponent(id)}/instruments`, { instrument_token: instrumentToken }, Watchlist);
  }

  removeFromWatchlist(id: string, instrumentToken: number) {
    return this.#send('DELETE', `/watchlists/${encodeURIComponent(id)}/instruments/${instrumentToken}`, undefined, Watchlist);
  }

  /** Replaces the list (to reorder it, say): each token once. */
  setWatchlistInstruments(id: string, instrumentTokens: readonly number[]) {
    return this.#send('PUT', `/watchlists/${encodeURIComponent(id)}/instruments`, { instrument_tokens: instrumentTokens }, Watchlist);
  }

  // ---- transport ----

  #get<S extends z.ZodType>(path: string, schema: S, query: Query = {}): Promise<z.output<S>> {
    return this.#request('GET', `${path}${queryString(query)}`, undefined, schema, 200) as Promise<z.output<S>>;
  }

  #send<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S, status?: number): Promise<z.output<S>>;
  #send(method: string, path: string, body: unknown, schema: undefined, status: number): Promise<void>;
  #send(method: string, path: string, body: unknown, schema: z.ZodType | undefined, status = 200): Promise<unknown> {
    return this.#request(method, path, body, schema, status);
  }

  async #request(method: string, path: string, body: unknown, schema: z.ZodType | undefined, expected: number): Promise<unknown> {
    const answer = await this.#exchange(method, path, body);
    return this.#parse(method, path, answer.response, answer.body, schema, expected);
  }

  /** One request with the credentials; the answer and its body (parsed JSON; the text when it is not JSON; undefined when empty). */
  async #exchange(method: string, path: string, body: unknown): Promise<{ response: Response; body: unknown }> {
    const headers = new Headers({ Accept: 'application/json' });
    const credentials = typeof this.#options.credentials === 'function' ? await this.#options.credentials() : this.#options.credentials;
    if (credentials)
      headers.set('Authorization', 'accessToken' in credentials ? `Bearer ${credentials.accessToken}` : `token ${credentials.apiKey}:${credentials.secret}`);
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    const response = await (this.#options.fetch ?? fetch)(`${this.#options.baseUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { response, body: text === '' ? undefined : (safeJson(text) ?? text) };
  }

  /** The route's success parsed by its schema, or the refusal thrown with the platform's error body. */
  #parse(method: string, path: string, response: Response, body: unknown, schema: z.ZodType | undefined, expected: number): unknown {
    if (response.status !== expected) {
      const error = ErrorBody.safeParse(body);
      if (error.success) throw new KiteEdgeApiError(response.status, error.data.error.code, error.data.error.message, body);
      throw new KiteEdgeApiError(response.status, 'unexpected_answer', `${method} ${path} answered ${response.status}`, body);
    }
    if (!schema) return undefined;
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new KiteEdgeApiError(response.status, 'unexpected_answer', `${method} ${path}: the answer does not match its schema`, body);
    return parsed.data;
  }
}

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
