import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The `state` of the operator's Kite login (OAuth's, carried through Kite's
 * `redirect_params`): /login issues a random value for one account, sets it
 * as a cookie on the operator's browser and sends it to Kite; the callback
 * is taken only with the same value in its query and in that browser's
 * cookie, once, within the lifetime. Without it anyone could hand the
 * origin a callback URL with their own request token and feed every client
 * from their Kite account (login CSRF), or replay one seen in a log.
 */
export const LOGIN_STATE_COOKIE = 'kite_login_state';
/** Long enough for a login with 2FA on a phone; a state older than this is refused and the login starts again. */
export const LOGIN_STATE_TTL_MS = 10 * 60_000;
/** Logins started and never finished are forgotten oldest first past this many, so /login cannot grow memory. */
const PENDING_MAX = 64;

export type LoginStateCheck = { ok: true } | { ok: false; why: string };

export class LoginStates {
  readonly #pending = new Map<string, { apiKey: string; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A new state for a login of `apiKey`. */
  issue(apiKey: string): string {
    this.#forgetExpired();
    while (this.#pending.size >= PENDING_MAX) this.#pending.delete(this.#pending.keys().next().value as string);
    const state = randomBytes(24).toString('base64url');
    this.#pending.set(state, { apiKey, expiresAt: this.#now() + LOGIN_STATE_TTL_MS });
    return state;
  }

  /** Takes (uses up) `state` if it was issued for `apiKey`, is still fresh, and is the one the browser's cookie holds. */
  take(state: string, cookie: string | undefined, apiKey: string): LoginStateCheck {
    this.#forgetExpired();
    const pending = this.#pending.get(state);
    if (!pending) return { ok: false, why: 'this login was not started here, has already been completed, or is older than 10 minutes' };
    if (cookie === undefined || !sameText(cookie, state)) {
      return { ok: false, why: 'this browser did not start this login (its login cookie is missing or belongs to another login)' };
    }
    if (pending.apiKey !== apiKey) return { ok: false, why: `this login was started for api_key ${pending.apiKey}, not ${apiKey}` };
    this.#pending.delete(state);
    return { ok: true };
  }

  #forgetExpired(): void {
    const now = this.#now();
    for (const [state, { expiresAt }] of this.#pending) if (expiresAt <= now) this.#pending.delete(state);
  }
}

/** The value of the login cookie in a Cookie header, if any. */
export function loginStateCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === LOGIN_STATE_COOKIE) return value.join('=');
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
