import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { KiteConnect } from 'kiteconnect';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ErrorBody } from '../../contracts/errors.ts';
import { KITE_TOKEN_SEALING, Sealer } from '../../contracts/sealed-blob.ts';
import { simConfig } from '../../kite-sim/config.ts';
import { type Simulator, startSimulator } from '../../kite-sim/simulator.ts';
import { dropDatabase, migratedDatabase } from '../../test/setup/migrated-database.ts';
import { createKiteLogin, type KiteLogin, type KiteLoginOptions } from './login.ts';
import { sessionExchangeProcess } from './session-exchange.ts';
import { tokenExpiresAt } from './token-expiry.ts';
import { type KiteSession, TokenStore } from './token-store.ts';

/**
 * The whole daily login against a real simulator: the origin's /login sends
 * the browser to the simulator's login page, which redirects back to
 * /login/callback with a request token (and the account, through Kite's
 * redirect_params); the callback exchanges it with kiteconnect, stores the
 * session sealed in a real Postgres and hands it to the pool.
 */
const DATABASE = 'kite_login_test';
const SECRETS = ['kitesim-secret', 'kitesim-secret-2'];
const KEY = Buffer.from('5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee0', 'hex');

let sim: Simulator;
let pool: pg.Pool;
let store: TokenStore;
let origin: { base: string; close(): Promise<void> };
let login: KiteLogin;
let sessions: KiteSession[] = [];
let logged: string[] = [];
/** Every body the origin answered, and every access token it was handed: none may show up in the other. */
const bodies: string[] = [];
const tokensSeen: string[] = [];
const allLogged: string[] = [];

/** An HTTP server like the origin's: the login first, then 404 for anything it does not claim. */
async function serve(handler: () => KiteLogin): Promise<{ base: string; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handler()
      .handle(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not the login');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function loginOptions(overrides: Partial<KiteLoginOptions> = {}): KiteLoginOptions {
  return {
    accounts: [
      { apiKey: 'kitesim', apiSecret: SECRETS[0] },
      { apiKey: 'kitesim2', apiSecret: SECRETS[1] },
      { apiKey: 'nosecret', apiSecret: undefined },
    ],
    kiteRoot: sim.restRoot,
    loginUrl: `${sim.restRoot}/connect/login`,
    store,
    tokenExpiryMinuteIst: 360,
    exchange: sessionExchangeProcess(fileURLToPath(new URL('./session-exchange-cli.ts', import.meta.url))),
    onSession: (session) => {
      sessions.push(session);
      tokensSeen.push(session.accessToken);
    },
    log: (line) => {
      logged.push(line);
      allLogged.push(line);
    },
    ...overrides,
  };
}

/**
 * A JSON answer as the tests read it: the fields of a success, or an error
 * body (the tests read `error` only from answers that failed).
 */
type JsonAnswer = ErrorBody & Record<string, unknown>;

/** The operator's browser's cookie jar, as far as the login uses one: its state cookie (cookies ignore ports, as here). */
let stateCookie: string | undefined;

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; json: () => JsonAnswer }> {
  const headers = new Headers(init.headers);
  if (stateCookie && new URL(url).pathname.startsWith('/login')) headers.set('cookie', `kite_login_state=${stateCookie}`);
  const response = await fetch(url, { redirect: 'manual', ...init, headers });
  const set = /kite_login_state=([^;]*)/.exec(response.headers.get('set-cookie') ?? '');
  if (set) stateCookie = set[1] || undefined;
  const text = await response.text();
  bodies.push(text);
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

/**
 * What a browser does between /login and the callback: the simulator's login page redirects at once (always to the
 * origin at `origin.base`: a login started at another `base` comes back there, and its callback is taken to `base`).
 */
async function callbackUrlFor(apiKey?: string, base = origin.base): Promise<URL> {
  const start = await get(`${base}/login${apiKey ? `?api_key=${apiKey}` : ''}`);
  expect(start.status).toBe(302);
  const kite = await get(start.headers.get('location') ?? '');
  expect(kite.status).toBe(302);
  const back = new URL(kite.headers.get('location') ?? '');
  return new URL(`${base}${back.pathname}${back.search}`);
}

/** A browser following every redirect, with its cookie, to the page it ends on. */
async function browse(url: string, accept: string): Promise<Awaited<ReturnType<typeof get>>> {
  let answer = await get(url, { headers: { accept } });
  while (answer.status === 302) answer = await get(answer.headers.get('location') ?? '', { headers: { accept } });
  return answer;
}

const liveToken = async (apiKey: string, accessToken: string) =>
  new KiteConnect({ api_key: apiKey, root: sim.restRoot, access_token: accessToken }).getProfile();

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await migratedDatabase(inject('databaseUrl'), DATABASE), max: 2 });
  store = new TokenStore(pool, { cipher: await Sealer.create(KITE_TOKEN_SEALING, KEY) });

  // The origin's port first: the simulator must know where to send the browser back.
  origin = await serve(() => login);
  sim = await startSimulator(simConfig({ SIM_PORT: '0', SIM_APP_COUNT: '2', SIM_REDIRECT_URL: `${origin.base}/login/callback` }));
  login = createKiteLogin(loginOptions());
});

beforeEach(() => {
  sessions = [];
  logged = [];
});

afterAll(async () => {
  await origin?.close();
  await sim?.close();
  await pool?.end();
  await dropDatabase(inject('databaseUrl'), DATABASE);
});

describe('GET /login', () => {
  it('sends the browser to Kite’s login page for the first account, carrying it in redirect_params', async () => {
    const start = await get(`${origin.base}/login`);
    expect(start.status).toBe(302);
    expect(start.headers.get('cache-control')).toBe('no-store');
    const target = new URL(start.headers.get('location') ?? '');
    expect(`${target.origin}${target.pathname}`).toBe(`${sim.restRoot}/connect/login`);
    const state = stateCookie;
    expect(state).toMatch(/^[\w-]{32}$/);
    expect(Object.fromEntries(target.searchParams)).toEqual({ v: '3', api_key: 'kitesim', redirect_params: `account=kitesim&state=${state}` });
    expect(target.search).toContain(`redirect_params=account%3Dkitesim%26state%3D${state}`);
    expect(start.headers.get('set-cookie')).toBe(`kite_login_state=${state}; Path=/login; HttpOnly; SameSite=Lax; Max-Age=600`);
    expect(logged).toEqual(["kite login: api_key kitesim: sent to Kite's login page"]);
  });

  it('picks the account named by ?api_key=, and refuses one it does not know', async () => {
    const start = await get(`${origin.base}/login?api_key=kitesim2`);
    expect(new URL(start.headers.get('location') ?? '').searchParams.get('redirect_params')).toBe(`account=kitesim2&state=${stateCookie}`);
    const unknown = await get(`${origin.base}/login?api_key=nosuchapp`);
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({
      error: {
        code: 'unknown_account',
        param: 'api_key',
        message: 'api_key: no Kite account with api_key nosuchapp is configured on this origin; configured: kitesim, kitesim2, nosecret',
      },
    });
  });

  it('refuses, before sending anyone to Kite, an account with no api_secret configured', async () => {
    const start = await get(`${origin.base}/login?api_key=nosecret`);
    expect(start.status).toBe(503);
    expect(start.headers.get('location')).toBeNull();
    expect(start.json()).toEqual({
      error: {
        code: 'config_invalid',
        message: 'the origin cannot log in to Kite with api_key nosecret: KITE_ACCOUNTS holds no api_secret for it',
        problems: [{ variable: 'KITE_ACCOUNTS', problem: 'no api_secret is configured for api_key nosecret, so its request token cannot be exchanged' }],
      },
    });
  });

  it('answers GET only on its paths and leaves every other path alone', async () => {
    const post = await get(`${origin.base}/login`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(post.json().error.code).toBe('method_not_allowed');
    for (const path of ['/health', '/loginx', '/login/other', '/']) {
      expect((await get(`${origin.base}${path}`)).text).toBe('not the login');
    }
  });
});

describe('GET /login/callback', () => {
  it('logs in end to end: the token is stored sealed, handed to the pool, and accepted by Kite', async () => {
    const before = Date.now();
    const callback = await callbackUrlFor();
    expect(`${callback.origin}${callback.pathname}`).toBe(`${origin.base}/login/callback`);
    expect(callback.searchParams.get('account')).toBe('kitesim');
    expect(callback.searchParams.get('request_token')).toMatch(/^[0-9a-f]{32}$/);

    const done = await get(callback.toString());
    expect(done.status).toBe(200);
    expect(sessions).toHaveLength(1);
    const session = sessions[0] as KiteSession;
    expect(session).toMatchObject({ apiKey: 'kitesim', userId: 'SM0001' });
    expect(session.loginAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(session.expiresAt).toEqual(tokenExpiresAt(session.loginAt, 360));
    expect(done.json()).toEqual({
      status: 'logged_in',
      api_key: 'kitesim',
      user_id: 'SM0001',
      login_at: session.loginAt.toISOString(),
      expires_at: session.expiresAt.toISOString(),
      stored: true,
    });

    // The simulator accepts the token, on REST and on the ticker, and agrees on when it dies.
    expect((await liveToken('kitesim', session.accessToken)).user_id).toBe('SM0001');
    expect(sim.sessions.verify('kitesim', session.accessToken)?.expiresAt).toBe(session.expiresAt.getTime());
    const ws = new WebSocket(`${sim.tickerRoot}?api_key=kitesim&access_token=${session.accessToken}`);
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('unexpected-response', () => resolve(false));
      ws.once('error', () => resolve(false));
    });
    ws.terminate();
    expect(opened).toBe(true);

    // Stored: only ciphertext in the table, and it opens to the same session.
    const { rows } = await pool.query<{ row: string; enc: Buffer }>(
      "SELECT s::text AS row, access_token_enc AS enc FROM kite_sessions s WHERE api_key = 'kitesim'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).not.toContain(session.accessToken);
    expect(rows[0]?.enc.includes(Buffer.from(session.accessToken))).toBe(false);
    expect(await store.load('kitesim')).toEqual(session);

    expect(logged).toEqual([
      "kite login: api_key kitesim: sent to Kite's login page",
      expect.stringMatching(/^kite login: SM0001 logged in on api_key kitesim; token in use until \d{4}-\d\d-\d\d 06:00:00 IST, stored encrypted$/),
    ]);
  });

  it('answers a browser with a page naming the user and the expiry, following every redirect', async () => {
    const page = await browse(`${origin.base}/login?api_key=kitesim2`, 'text/html,application/xhtml+xml');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const session = sessions[0] as KiteSession;
    expect(session).toMatchObject({ apiKey: 'kitesim2', userId: 'SM0002' });
    expect(page.text).toContain('Logged in to Kite as SM0002');
    expect(page.text).toMatch(/expires at <b>\d{4}-\d\d-\d\d 06:00:00 IST<\/b>/);
    expect(page.text).toContain('stored encrypted');
    expect((await liveToken('kitesim2', session.accessToken)).user_id).toBe('SM0002');
    expect((await store.load('kitesim2'))?.accessToken).toBe(session.accessToken);
  });

  it('refuses a bad request token with Kite’s own message, storing and handing over nothing', async () => {
    const callback = await callbackUrlFor();
    await pool.query('DELETE FROM kite_sessions');
    callback.searchParams.set('request_token', '0'.repeat(32));
    const refused = await get(callback.toString());
    expect(refused.status).toBe(403);
    expect(refused.json()).toEqual({
      error: {
        code: 'kite_login_failed',
        message: 'Kite refused the login of api_key kitesim: Token is invalid or has expired. (TokenException); log in again at /login?api_key=kitesim',
      },
    });
    expect(sessions).toEqual([]);
    expect((await pool.query('SELECT count(*)::int AS n FROM kite_sessions')).rows).toEqual([{ n: 0 }]);
    expect(logged.at(-1)).toBe('kite login: api_key kitesim: session exchange failed: TokenException: Token is invalid or has expired.');
  });

  it('refuses a callback used twice, the second time', async () => {
    const callback = await callbackUrlFor();
    expect((await get(callback.toString())).status).toBe(200);
    const again = await get(callback.toString());
    expect(again.status).toBe(403);
    expect(again.json().error).toMatchObject({ code: 'kite_login_failed', param: 'state', message: expect.stringContaining('already been completed') });
    expect(sessions).toHaveLength(1);
  });

  it('takes a callback only with the state its login started with, from the browser that started it, within 10 minutes', async () => {
    // Someone else's login (their own request token and state) handed to the operator's browser: login CSRF.
    const theirs = await callbackUrlFor();
    stateCookie = undefined;
    const forged = await get(theirs.toString());
    expect(forged.status).toBe(403);
    expect(forged.json().error).toMatchObject({
      code: 'kite_login_failed',
      param: 'state',
      message: expect.stringContaining('this browser did not start this login'),
    });

    const ours = await callbackUrlFor();
    const noState = new URL(ours);
    noState.searchParams.delete('state');
    expect((await get(noState.toString())).json().error).toMatchObject({
      code: 'invalid_parameter',
      param: 'state',
      message: expect.stringMatching(/^state: is missing/),
    });
    const guessed = new URL(ours);
    guessed.searchParams.set('state', 'x'.repeat(32));
    expect((await get(guessed.toString())).json().error.message).toMatch(/^state: this login was not started here/);
    const otherAccount = new URL(ours);
    otherAccount.searchParams.set('account', 'kitesim2');
    expect((await get(otherAccount.toString())).json().error.message).toMatch(/^state: this login was started for api_key kitesim, not kitesim2/);
    expect(sessions).toEqual([]);
    expect(logged.filter((line) => line.includes('refused a callback'))).toHaveLength(3);

    let clock = Date.now();
    const slowLogin = createKiteLogin(loginOptions({ now: () => clock }));
    const slow = await serve(() => slowLogin);
    try {
      const late = await callbackUrlFor(undefined, slow.base);
      clock += 10 * 60_000;
      expect((await get(late.toString())).json().error.message).toMatch(/older than 10 minutes/);
      const inTime = await callbackUrlFor(undefined, slow.base);
      clock += 9 * 60_000;
      expect((await get(inTime.toString())).status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('refuses a missing or malformed request token, an unknown or unnamed account, and a failed login', async () => {
    const withoutToken = await callbackUrlFor();
    withoutToken.searchParams.delete('request_token');
    const missing = await get(withoutToken.toString());
    expect(missing.status).toBe(400);
    expect(missing.json().error).toMatchObject({
      code: 'invalid_parameter',
      param: 'request_token',
      message: expect.stringMatching(/^request_token: is missing/),
    });
    const badToken = await callbackUrlFor();
    badToken.searchParams.set('request_token', 'abc<script>');
    const malformed = await get(badToken.toString());
    expect(malformed.json().error).toMatchObject({ code: 'invalid_parameter', message: expect.stringMatching(/is not a Kite request token/) });
    expect(malformed.text).not.toContain('<script>');

    const unknown = await get(`${origin.base}/login/callback?request_token=abc&status=success&account=nosuchapp`);
    expect(unknown.status).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'unknown_account', param: 'account' });

    const unnamed = await get(`${origin.base}/login/callback?request_token=abc&status=success`);
    expect(unnamed.status).toBe(400);
    expect(unnamed.json().error).toMatchObject({ code: 'invalid_parameter', param: 'account', message: expect.stringContaining('has 3 Kite accounts') });

    const cancelledLogin = await callbackUrlFor();
    cancelledLogin.searchParams.set('status', 'cancelled');
    const cancelled = await get(cancelledLogin.toString());
    expect(cancelled.status).toBe(403);
    expect(cancelled.json().error).toMatchObject({ code: 'kite_login_failed', message: expect.stringContaining('"cancelled"') });

    const noSecret = await get(`${origin.base}/login/callback?request_token=abc&status=success&account=nosecret`);
    expect(noSecret.status).toBe(503);
    expect(noSecret.json().error.code).toBe('config_invalid');
    expect(sessions).toEqual([]);
  });

  it('takes a callback without the account when only one is configured', async () => {
    const singleLogin = createKiteLogin(loginOptions({ accounts: [{ apiKey: 'kitesim', apiSecret: SECRETS[0] }] }));
    const single = await serve(() => singleLogin);
    try {
      const callback = await callbackUrlFor(undefined, single.base);
      callback.searchParams.delete('account');
      const done = await get(callback.toString());
      expect(done.status).toBe(200);
      expect(done.json()).toMatchObject({ api_key: 'kitesim', user_id: 'SM0001' });
    } finally {
      await single.close();
    }
  });

  it('answers 502 kite_unavailable when Kite cannot be reached', async () => {
    const offlineLogin = createKiteLogin(loginOptions({ kiteRoot: `http://127.0.0.1:${inject('deadPort')}` }));
    const offline = await serve(() => offlineLogin);
    try {
      const failed = await get((await callbackUrlFor(undefined, offline.base)).toString());
      expect(failed.status).toBe(502);
      expect(failed.json().error).toMatchObject({ code: 'kite_unavailable', message: expect.stringContaining('NetworkException') });
      expect(sessions).toEqual([]);
    } finally {
      await offline.close();
    }
  });

  it('still hands the token to the pool when the database is down, and says it was not stored', async () => {
    const deadStore = new TokenStore(`postgres://postgres:postgres@127.0.0.1:${inject('deadPort')}/none`, {
      cipher: await Sealer.create(KITE_TOKEN_SEALING, KEY),
    });
    const noDbLogin = createKiteLogin(loginOptions({ store: deadStore }));
    const noDb = await serve(() => noDbLogin);
    try {
      const answer = await get((await callbackUrlFor(undefined, noDb.base)).toString());
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.json().error).toMatchObject({
        code: 'database_unavailable',
        message: expect.stringMatching(/the origin is using the token until .* but it could not be stored \(.*ECONNREFUSED/),
      });
      expect(sessions).toHaveLength(1);
      expect((await liveToken('kitesim', (sessions[0] as KiteSession).accessToken)).user_id).toBe('SM0001');
      expect(logged.at(-1)).toMatch(/NOT stored/);
    } finally {
      await noDb.close();
      await deadStore.close();
    }
  });

  it('without a store (no KITE_TOKEN_KEY) hands the token over and says a restart needs a new login', async () => {
    const unstoredLogin = createKiteLogin(loginOptions({ store: undefined }));
    const unstored = await serve(() => unstoredLogin);
    try {
      const page = await get((await callbackUrlFor(undefined, unstored.base)).toString(), { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.text).toContain('<b>The session is not stored</b> (KITE_TOKEN_KEY is not set)');
      expect(sessions).toHaveLength(1);
    } finally {
      await unstored.close();
    }
  });

  it('answers 500 when the pool refuses the session, after storing it', async () => {
    await pool.query('DELETE FROM kite_sessions');
    const refusingLogin = createKiteLogin(
      loginOptions({
        onSession: (session) => {
          tokensSeen.push(session.accessToken);
          throw new Error('no Kite account with api_key kitesim is configured');
        },
      }),
    );
    const refusing = await serve(() => refusingLogin);
    try {
      const answer = await get((await callbackUrlFor(undefined, refusing.base)).toString());
      expect(answer.status).toBe(500);
      expect(answer.json().error).toEqual({
        code: 'internal_error',
        message: "logged in as SM0001 and stored the session, but the origin's connection pool refused the token; see the origin's log",
      });
      expect(await store.load('kitesim')).toBeDefined();
    } finally {
      await refusing.close();
    }
  });
});

describe('secrets', () => {
  it('no answer and no log line ever carried an access token or an api secret', () => {
    expect(tokensSeen.length).toBeGreaterThanOrEqual(5);
    const everything = [...bodies, ...allLogged].join('\n');
    expect(allLogged.length).toBeGreaterThanOrEqual(10);
    for (const secret of [...tokensSeen, ...SECRETS]) expect(everything).not.toContain(secret);
  });
});
