import { type Credentials, KiteEdgeApiError, KiteEdgeClient, KiteEdgeRest, type SessionTokens } from '@kite-edge/client';
import { Store } from './store.ts';

/**
 * The signed-in user's session (docs/auth.md): the access and refresh
 * tokens, kept in localStorage so a reload or a second tab stays signed in;
 * the REST helpers and the /v2/ws client, both asking `credentials()` for
 * a current access token. The access token is renewed a minute before it
 * expires (POST /auth/refresh, which spends the refresh token and hands out
 * the next pair). Tabs share one pair, and a spent refresh token presented
 * again ends every session of the user, so only one tab refreshes at a time
 * (a Web Lock) and the others take the pair it stored.
 *
 * A session ends when the user signs out, when the platform refuses its
 * tokens (signed out elsewhere, password changed, refresh token expired or
 * reused) or closes its socket for that (close 4003): `signedIn` becomes
 * null and `ended` says why, in plain words, for the sign-in page.
 */

const STORAGE_KEY = 'kite-edge.session';
/** Renewed this long before the access token expires (half its life when that is shorter). */
const RENEW_AHEAD_MS = 60_000;
const ENDED_ELSEWHERE =
  'Your session was ended: you signed out on another device, your password was changed, or your sign-in was used in two places at once. Sign in again.';
/** Close code of a socket whose credential ended (contracts/client-protocol.ts CloseCode.CREDENTIAL_ENDED). */
const CREDENTIAL_ENDED = 4003;

type StoredTokens = {
  access_token: string;
  /** Local clock, from `expires_in` when the tokens arrived: no skew against the server's. */
  access_expires_at: number;
  access_life_ms: number;
  refresh_token: string;
  user: SessionTokens['user'];
};

/** The public routes (register, login, refresh, instruments) need no credentials. */
export const publicRest = new KiteEdgeRest({ baseUrl: location.origin });

export class Session {
  readonly user: SessionTokens['user'];
  readonly rest: KiteEdgeRest;
  readonly live: KiteEdgeClient;
  #tokens: StoredTokens;
  #refreshing: Promise<void> | undefined;
  #renewTimer: ReturnType<typeof setTimeout> | undefined;
  #over = false;

  constructor(tokens: StoredTokens) {
    this.#tokens = tokens;
    this.user = tokens.user;
    this.rest = new KiteEdgeRest({ baseUrl: location.origin, credentials: () => this.credentials(), fetch: (input, init) => this.#fetch(input, init) });
    this.live = new KiteEdgeClient({
      url: `${location.origin.replace(/^http/, 'ws')}/v2/ws`,
      credentials: () => this.credentials(),
      // Keeps the token out of the URL (and so out of logs).
      credentialsIn: 'subprotocol',
    });
    this.live.on('close', ({ code }) => {
      if (code === CREDENTIAL_ENDED) this.end(ENDED_ELSEWHERE);
    });
    window.addEventListener('storage', this.#onStorage);
    this.#scheduleRenewal();
  }

  /** A current access token, renewed first when it is about to expire. */
  async credentials(): Promise<Credentials> {
    if (this.#tokens.access_expires_at - Date.now() < renewAheadMs(this.#tokens) / 2) await this.refresh();
    if (this.#over) throw new Error('the session has ended');
    return { accessToken: this.#tokens.access_token };
  }

  /** The next tokens, once per tab at a time and once across tabs. */
  refresh(): Promise<void> {
    this.#refreshing ??= withRefreshLock(() => this.#refreshOnce()).finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** Signs out everywhere (POST /auth/logout ends every session of the user), then here. */
  async signOut(): Promise<void> {
    // Closed first: the logout closes the user's sockets (4003) before it answers, which would read as ended elsewhere.
    this.live.close();
    try {
      await this.rest.logout();
    } finally {
      this.end('You signed out.', 'info');
    }
  }

  /** Ends the session here: the tokens are forgotten and the socket closed. */
  end(why: string, tone: 'info' | 'problem' = 'problem'): void {
    if (this.#over) return;
    this.#over = true;
    clearTimeout(this.#renewTimer);
    window.removeEventListener('storage', this.#onStorage);
    if (readTokens()?.refresh_token === this.#tokens.refresh_token) localStorage.removeItem(STORAGE_KEY);
    this.live.close();
    if (signedIn.get() === this) signedIn.set(null);
    ended.set({ why, tone });
  }

  async #refreshOnce(): Promise<void> {
    const stored = readTokens();
    if (!stored || stored.user.id !== this.user.id) return this.end('You signed out in another tab.', 'info');
    // Another tab refreshed meanwhile: its tokens are this session's too.
    if (stored.refresh_token !== this.#tokens.refresh_token) {
      this.#tokens = stored;
      if (stored.access_expires_at - Date.now() > renewAheadMs(stored) / 2) return this.#scheduleRenewal();
    }
    try {
      this.#tokens = storedTokens(await publicRest.refresh(this.#tokens.refresh_token));
    } catch (error) {
      if (error instanceof KiteEdgeApiError && error.status === 401) this.end(refusedRefresh(error.code));
      throw error;
    }
    localStorage.setItem(STORAGE_KEY, JSON.stringify(this.#tokens));
    this.#scheduleRenewal();
  }

  #scheduleRenewal(): void {
    clearTimeout(this.#renewTimer);
    const due = this.#tokens.access_expires_at - renewAheadMs(this.#tokens) - Date.now();
    // A failed renewal (the network) is tried again when the token is next asked for.
    this.#renewTimer = setTimeout(() => this.refresh().catch(() => {}), Math.max(0, due));
  }

  /** Every authenticated request passes here: a 401 ends the session (or renews an expired token), whichever view made the request. */
  async #fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const response = await fetch(input, init);
    if (response.status === 401) {
      const code = await response
        .clone()
        .json()
        .then((body: { error?: { code?: string } }) => body.error?.code)
        .catch(() => undefined);
      // An expired token is renewed (this tab's clock ran behind, or it slept); any other refusal means the session is over.
      if (code === 'token_expired') void this.refresh().catch(() => {});
      else this.end(refusedRefresh(code ?? 'unauthorized'));
    }
    return response;
  }

  readonly #onStorage = (event: StorageEvent) => {
    if (event.key !== STORAGE_KEY) return;
    const stored = readTokens();
    if (!stored || stored.user.id !== this.user.id) this.end('You signed out in another tab.', 'info');
    else this.#tokens = stored;
  };
}

/** The current session, null when signed out. */
export const signedIn = new Store<Session | null>(null);
/** Why the last session ended, for the sign-in page. */
export const ended = new Store<{ why: string; tone: 'info' | 'problem' } | null>(null);

/** Resumes the session this browser holds, if any (a reload, a second tab). */
export function resumeSession(): void {
  const stored = readTokens();
  if (stored) start(stored);
}

export async function signIn(email: string, password: string): Promise<Session> {
  const tokens = storedTokens(await publicRest.login(email, password));
  localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  return start(tokens);
}

/** Registers, then signs in (registration answers alike for new and known addresses: the sign-in tells). */
export async function signUp(email: string, password: string): Promise<Session> {
  await publicRest.register(email, password);
  return signIn(email, password);
}

function start(tokens: StoredTokens): Session {
  signedIn.get()?.end('Signed in again.', 'info');
  const session = new Session(tokens);
  ended.set(null);
  signedIn.set(session);
  return session;
}

function storedTokens(tokens: SessionTokens): StoredTokens {
  const life = tokens.expires_in * 1000;
  return {
    access_token: tokens.access_token,
    access_expires_at: Date.now() + life,
    access_life_ms: life,
    refresh_token: tokens.refresh_token,
    user: tokens.user,
  };
}

function readTokens(): StoredTokens | undefined {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as StoredTokens | null;
    return stored && typeof stored.refresh_token === 'string' && typeof stored.access_token === 'string' ? stored : undefined;
  } catch {
    return undefined;
  }
}

function renewAheadMs(tokens: StoredTokens): number {
  return Math.min(RENEW_AHEAD_MS, tokens.access_life_ms / 2);
}

function refusedRefresh(code: string): string {
  if (code === 'token_expired') return 'Your session expired. Sign in again.';
  if (code === 'token_revoked') return ENDED_ELSEWHERE;
  return 'Your session is no longer valid. Sign in again.';
}

/** One refresh across this browser's tabs at a time (where Web Locks exist: every current browser, in a secure context). */
function withRefreshLock(refresh: () => Promise<void>): Promise<void> {
  return navigator.locks ? navigator.locks.request('kite-edge.refresh', refresh).then(() => {}) : refresh();
}
