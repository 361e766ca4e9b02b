import { createHash, randomBytes } from 'node:crypto';
import { nextDailyIst } from '../contracts/ist-clock.ts';

/**
 * Kite's login flow and token lifetimes: a request token from the login
 * redirect (single use, valid a few minutes) is exchanged, with
 * checksum = sha256(api_key + request_token + api_secret), for an access
 * token that dies at the next daily expiry (06:00 IST by default), as Kite's do.
 */
export type KiteApp = { apiKey: string; apiSecret: string; userId: string; userName: string };

export type Session = { app: KiteApp; accessToken: string; publicToken: string; issuedAt: number; expiresAt: number };

export type SessionsOptions = {
  apps: KiteApp[];
  /** Daily expiry of access tokens, minutes after midnight IST (06:00 → 360). */
  expiryMinuteIst: number;
  requestTokenTtlMs?: number;
  now?: () => number;
};

export type ExchangeOutcome = { ok: true; session: Session } | { ok: false; status: number; errorType: 'TokenException' | 'InputException'; message: string };

export class Sessions {
  readonly #apps: Map<string, KiteApp>;
  readonly #requestTokens = new Map<string, { apiKey: string; expiresAt: number }>();
  readonly #sessions = new Map<string, Session>();
  readonly #options: SessionsOptions;
  readonly #now: () => number;

  constructor(options: SessionsOptions) {
    this.#options = options;
    this.#apps = new Map(options.apps.map((app) => [app.apiKey, app]));
    this.#now = options.now ?? Date.now;
  }

  app(apiKey: string): KiteApp | undefined {
    return this.#apps.get(apiKey);
  }

  /** What the login page hands out on a successful (simulated) login. */
  issueRequestToken(apiKey: string): string | undefined {
    if (!this.#apps.has(apiKey)) return undefined;
    const token = randomBytes(16).toString('hex');
    this.#requestTokens.set(token, { apiKey, expiresAt: this.#now() + (this.#options.requestTokenTtlMs ?? 5 * 60_000) });
    return token;
  }

  exchange(apiKey: string, requestToken: string, checksum: string): ExchangeOutcome {
    const app = this.#apps.get(apiKey);
    if (!app) return { ok: false, status: 403, errorType: 'TokenException', message: 'Invalid `api_key`.' };
    const pending = this.#requestTokens.get(requestToken);
    if (!pending || pending.apiKey !== apiKey || pending.expiresAt <= this.#now()) {
      return { ok: false, status: 403, errorType: 'TokenException', message: 'Token is invalid or has expired.' };
    }
    const expected = createHash('sha256')
      .update(apiKey + requestToken + app.apiSecret)
      .digest('hex');
    if (checksum !== expected) {
      return { ok: false, status: 403, errorType: 'TokenException', message: 'Invalid `checksum`.' };
    }
    this.#requestTokens.delete(requestToken); // single use, as on Kite
    return { ok: true, session: this.issueSession(app) };
  }

  /** Issues an access token directly (the demo token printed at start). */
  issueSession(app: KiteApp): Session {
    const issuedAt = this.#now();
    const session: Session = {
      app,
      accessToken: randomBytes(16).toString('hex'),
      publicToken: randomBytes(16).toString('hex'),
      issuedAt,
      expiresAt: nextDailyIst(issuedAt, this.#options.expiryMinuteIst),
    };
    this.#sessions.set(session.accessToken, session);
    return session;
  }

  /** The live session for this api_key/access_token pair, or undefined (unknown, wrong key, or expired). */
  verify(apiKey: string, accessToken: string): Session | undefined {
    const session = this.#sessions.get(accessToken);
    if (!session || session.app.apiKey !== apiKey) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(accessToken);
      return undefined;
    }
    return session;
  }

  /** Fault control: every access token dies now, as at the daily expiry. */
  expireAll(): number {
    const count = this.#sessions.size;
    this.#sessions.clear();
    this.#requestTokens.clear();
    return count;
  }
}
