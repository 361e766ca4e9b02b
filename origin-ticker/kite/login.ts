import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConfigProblem, ErrorBody, ErrorCode } from '../../contracts/errors.ts';
import { istTimestamp } from '../../contracts/ist-clock.ts';
import { LOGIN_STATE_COOKIE, LOGIN_STATE_TTL_MS, LoginStates, loginStateCookie } from './login-state.ts';
import type { SessionExchange } from './session-exchange.ts';
import { tokenExpiresAt } from './token-expiry.ts';
import type { KiteSession, TokenStore } from './token-store.ts';

/**
 * The operator's daily Kite login, mounted on the origin's HTTP server:
 *
 *   GET /login[?api_key=…]   302 to Kite's login page for that account (default: the first),
 *                            with `redirect_params=account=<api_key>&state=<random>` so the callback
 *                            knows it, and the same state in a cookie on the operator's browser
 *   GET /login/callback      Kite's redirect (?request_token=…&action=login&status=success&account=…&state=…):
 *                            taken once, from the browser that started the login (login-state.ts);
 *                            the request token is exchanged for an access token
 *                            (kiteconnect's generateSession, in a child process), which is stored sealed,
 *                            handed to the pool through `onSession`, and confirmed on a
 *                            small page (HTML for browsers, JSON otherwise)
 *
 * Kite's developer console must list `http://<origin>:8080/login/callback` as
 * the app's redirect URL (docs/kite-login.md). Errors answer
 * `{ error: { code, message } }` (contracts/errors.ts). Neither the access
 * token nor the api secret is ever logged or answered.
 */
export type KiteLoginAccount = { apiKey: string; apiSecret: string | undefined };

export type KiteLoginOptions = {
  accounts: readonly KiteLoginAccount[];
  /** Kite's REST root: https://api.kite.trade, or the simulator's http://127.0.0.1:8700. */
  kiteRoot: string;
  /** Kite's login page: https://kite.zerodha.com/connect/login, or the simulator's `${root}/connect/login`. */
  loginUrl: string;
  /** Where sessions are kept; undefined (no KITE_TOKEN_KEY) hands them to the pool only, and the page says a restart needs a new login. */
  store: TokenStore | undefined;
  /** Daily expiry of Kite tokens, minutes after midnight IST (06:00 → 360). */
  tokenExpiryMinuteIst: number;
  /** The hot swap: called with each new session, after it is stored. */
  onSession: (session: KiteSession) => void;
  log: (line: string) => void;
  now?: () => number;
  /** Budget of the session exchange with Kite (kiteconnect's default is 7 s). */
  kiteTimeoutMs?: number;
  /** kiteconnect's generateSession, in a process of its own (session-exchange.ts). */
  exchange: SessionExchange;
};

export type KiteLogin = { handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> };

/** The redirect parameter carrying the account through Kite's login and back. */
export const ACCOUNT_PARAM = 'account';
/** The redirect parameter carrying the login's state (login-state.ts). */
export const STATE_PARAM = 'state';

const KITE_REFUSALS = new Set(['TokenException', 'InputException', 'PermissionException', 'UserException', 'TwoFAException']);

export function createKiteLogin(options: KiteLoginOptions): KiteLogin {
  const { accounts, log } = options;
  if (accounts.length === 0) throw new TypeError('the Kite login needs at least one account');
  const byKey = new Map(accounts.map((a) => [a.apiKey, a]));
  if (byKey.size !== accounts.length) throw new TypeError('the Kite login was given the same api_key twice');
  const now = options.now ?? Date.now;
  const first = accounts[0] as KiteLoginAccount;
  const states = new LoginStates(now);

  /** The account named by `param`, or the first when there is only one to mean; an error answer otherwise. */
  function account(url: URL, param: string, res: ServerResponse): KiteLoginAccount | undefined {
    const named = url.searchParams.get(param);
    if (named === null || named === '') {
      if (accounts.length === 1 || param === 'api_key') return first;
      sendError(
        res,
        400,
        'invalid_parameter',
        `${param}: this origin has ${accounts.length} Kite accounts and the redirect does not say which one logged in; start the login at /login?api_key=…`,
        { param },
      );
      return undefined;
    }
    const found = byKey.get(named);
    if (!found) {
      sendError(
        res,
        404,
        'unknown_account',
        `${param}: no Kite account with api_key ${named} is configured on this origin; configured: ${accounts.map((a) => a.apiKey).join(', ')}`,
        { param },
      );
    }
    return found;
  }

  /** The account's secret, or a config_invalid answer naming the variable to set. */
  function secretOf(found: KiteLoginAccount, res: ServerResponse): string | undefined {
    if (found.apiSecret) return found.apiSecret;
    const variable = found === first ? 'KITE_API_SECRET' : 'KITE_ACCOUNTS';
    const problem: ConfigProblem = { variable, problem: `no api_secret is configured for api_key ${found.apiKey}, so its request token cannot be exchanged` };
    log(`kite login: api_key ${found.apiKey}: ${problem.problem}; set ${variable}`);
    sendError(res, 503, 'config_invalid', `the origin cannot log in to Kite with api_key ${found.apiKey}: ${variable} holds no api_secret for it`, {
      problems: [problem],
    });
    return undefined;
  }

  function start(url: URL, res: ServerResponse): void {
    const found = account(url, 'api_key', res);
    if (!found || !secretOf(found, res)) return;
    const target = new URL(options.loginUrl);
    target.searchParams.set('v', '3');
    target.searchParams.set('api_key', found.apiKey);
    const state = states.issue(found.apiKey);
    target.searchParams.set('redirect_params', new URLSearchParams({ [ACCOUNT_PARAM]: found.apiKey, [STATE_PARAM]: state }).toString());
    log(`kite login: api_key ${found.apiKey}: sent to Kite's login page`);
    res.writeHead(302, {
      Location: target.toString(),
      'Cache-Control': 'no-store',
      // Lax: the cookie comes back on Kite's top-level redirect to the callback, and on no request another site makes.
      'Set-Cookie': `${LOGIN_STATE_COOKIE}=${state}; Path=/login; HttpOnly; SameSite=Lax; Max-Age=${LOGIN_STATE_TTL_MS / 1000}`,
      'Content-Length': 0,
    });
    res.end();
  }

  async function callback(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const found = account(url, ACCOUNT_PARAM, res);
    if (!found) return;
    const apiSecret = secretOf(found, res);
    if (!apiSecret) return;
    const state = url.searchParams.get(STATE_PARAM) ?? '';
    if (state === '') {
      return sendError(res, 400, 'invalid_parameter', `state: is missing; a login started at /login?api_key=${found.apiKey} carries it back from Kite`, {
        param: STATE_PARAM,
      });
    }
    const check = states.take(state, loginStateCookie(req.headers.cookie), found.apiKey);
    if (!check.ok) {
      log(`kite login: api_key ${found.apiKey}: refused a callback: ${check.why}`);
      return sendError(res, 403, 'kite_login_failed', `state: ${check.why}; start the login again at /login?api_key=${found.apiKey}`, { param: STATE_PARAM });
    }
    const status = url.searchParams.get('status');
    if (status !== null && status !== 'success') {
      log(`kite login: api_key ${found.apiKey}: Kite reported the login as ${JSON.stringify(status)}`);
      return sendError(res, 403, 'kite_login_failed', `Kite reported the login as "${status}", not "success"; try again at /login?api_key=${found.apiKey}`);
    }
    const requestToken = url.searchParams.get('request_token') ?? '';
    if (!/^[A-Za-z0-9]{1,128}$/.test(requestToken)) {
      const why = requestToken === '' ? 'is missing' : 'is not a Kite request token';
      return sendError(res, 400, 'invalid_parameter', `request_token: ${why}; Kite's redirect after a login carries it (start at /login)`, {
        param: 'request_token',
      });
    }

    // Kite's own login_time is an IST wall-clock string the client reads in the local zone:
    // the origin's clock, read before the exchange, never places the token's expiry too late.
    const loginAt = new Date(now());
    let data: { user_id?: unknown; access_token?: unknown };
    try {
      const request = { apiKey: found.apiKey, kiteRoot: options.kiteRoot, timeoutMs: options.kiteTimeoutMs ?? 7_000, requestToken, apiSecret };
      data = (await options.exchange(request)) as typeof data;
    } catch (error) {
      const { errorType, message } = kiteError(error);
      log(`kite login: api_key ${found.apiKey}: session exchange failed: ${errorType}: ${message}`);
      if (KITE_REFUSALS.has(errorType)) {
        return sendError(
          res,
          403,
          'kite_login_failed',
          `Kite refused the login of api_key ${found.apiKey}: ${message} (${errorType}); log in again at /login?api_key=${found.apiKey}`,
        );
      }
      return sendError(
        res,
        502,
        'kite_unavailable',
        `Kite did not complete the session exchange for api_key ${found.apiKey}: ${message} (${errorType}); try again at /login?api_key=${found.apiKey}`,
      );
    }
    // kiteconnect resolves (not rejects) an answer of an unexpected content type with an error_type inside.
    if (typeof data?.access_token !== 'string' || data.access_token === '' || typeof data.user_id !== 'string' || data.user_id === '') {
      const { errorType, message } = kiteError(data);
      log(`kite login: api_key ${found.apiKey}: Kite's session answer has no access token (${errorType}: ${message})`);
      return sendError(
        res,
        502,
        'kite_unavailable',
        `Kite's answer to the session exchange for api_key ${found.apiKey} carried no access token (${errorType}); try again at /login?api_key=${found.apiKey}`,
      );
    }

    const session: KiteSession = {
      apiKey: found.apiKey,
      userId: data.user_id,
      accessToken: data.access_token,
      loginAt,
      expiresAt: tokenExpiresAt(loginAt, options.tokenExpiryMinuteIst),
    };
    let storeFailure: string | undefined;
    if (options.store) {
      try {
        await options.store.save(session);
      } catch (error) {
        storeFailure = (error as Error).message;
      }
    }
    try {
      options.onSession(session);
    } catch (error) {
      log(`kite login: ${session.userId} on api_key ${session.apiKey}: the connection pool refused the new token: ${(error as Error).message}`);
      return sendError(
        res,
        500,
        'internal_error',
        `logged in as ${session.userId}${storeFailure || !options.store ? '' : ' and stored the session'}, but the origin's connection pool refused the token; see the origin's log`,
      );
    }
    const expires = `${istTimestamp(session.expiresAt.getTime())} IST`;
    if (storeFailure !== undefined) {
      log(`kite login: ${session.userId} on api_key ${session.apiKey}: in use until ${expires}, but NOT stored: ${storeFailure}`);
      res.setHeader('Retry-After', '5');
      return sendError(
        res,
        503,
        'database_unavailable',
        `logged in as ${session.userId} on api_key ${session.apiKey} and the origin is using the token until ${expires}, but it could not be stored (${storeFailure}): a restart before then needs a new login`,
      );
    }
    const stored = options.store !== undefined;
    log(
      `kite login: ${session.userId} logged in on api_key ${session.apiKey}; token in use until ${expires}${stored ? ', stored encrypted' : ', NOT stored (KITE_TOKEN_KEY unset)'}`,
    );
    sendSuccess(req, res, session, stored);
  }

  return {
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://origin');
      const path = url.pathname.replace(/\/+$/, '') || '/';
      if (path !== '/login' && path !== '/login/callback') return false;
      if (req.method !== 'GET') {
        res.setHeader('Allow', 'GET');
        sendError(res, 405, 'method_not_allowed', `${path} answers GET only, not ${req.method}`);
        return true;
      }
      if (path === '/login') start(url, res);
      else await callback(req, url, res);
      return true;
    },
  };
}

/** Kite's error as kiteconnect rejects it (`{ error_type, message }`), or whatever else was thrown, as text without internals. */
function kiteError(error: unknown): { errorType: string; message: string } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { error_type?: unknown; message?: unknown };
  return {
    errorType: typeof e.error_type === 'string' ? e.error_type : 'GeneralException',
    message: typeof e.message === 'string' && e.message !== '' ? e.message.slice(0, 300) : 'no message',
  };
}

function sendSuccess(req: IncomingMessage, res: ServerResponse, session: KiteSession, stored: boolean): void {
  const expires = `${istTimestamp(session.expiresAt.getTime())} IST`;
  const loggedIn = `${istTimestamp(session.loginAt.getTime())} IST`;
  const headers = {
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Set-Cookie': `${LOGIN_STATE_COOKIE}=; Path=/login; HttpOnly; SameSite=Lax; Max-Age=0`,
  };
  if (/\btext\/html\b/.test(String(req.headers.accept ?? ''))) {
    const again = `/login?api_key=${encodeURIComponent(session.apiKey)}`;
    const html = [
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kite login: done</title></head><body>',
      `<h1>Logged in to Kite as ${escapeHtml(session.userId)}</h1>`,
      `<p>api_key <code>${escapeHtml(session.apiKey)}</code>, at ${escapeHtml(loggedIn)}. The origin is using the new token now.</p>`,
      `<p>The token expires at <b>${escapeHtml(expires)}</b>; log in again after that at <a href="${escapeHtml(again)}">${escapeHtml(again)}</a>.</p>`,
      stored
        ? '<p>The session is stored encrypted, so a restart before then needs no new login.</p>'
        : '<p><b>The session is not stored</b> (KITE_TOKEN_KEY is not set): a restart needs a new login.</p>',
      '</body></html>',
    ].join('\n');
    res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
    res.end(html);
    return;
  }
  sendJson(
    res,
    200,
    {
      status: 'logged_in',
      api_key: session.apiKey,
      user_id: session.userId,
      login_at: session.loginAt.toISOString(),
      expires_at: session.expiresAt.toISOString(),
      stored,
    },
    headers,
  );
}

function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string, extra: Omit<ErrorBody['error'], 'code' | 'message'> = {}): void {
  const body: ErrorBody = { error: { code, message, ...extra } };
  sendJson(res, status, body, { 'Cache-Control': 'no-store' });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
