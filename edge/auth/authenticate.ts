import { verifyAccessToken } from '../../contracts/access-token.ts';
import { ConfigError } from '../../contracts/config-error.ts';
import type { ConfigProblem, ErrorBody, ErrorCode } from '../../contracts/errors.ts';
import { type EdgeConfig, edgeConfig } from '../../contracts/worker-config.ts';
import { DatabaseUnavailable, openDatabase } from '../../storage/database.ts';
import { verifyApiKey } from './api-key-verify.ts';
import { readCredentials } from './credentials.ts';
import { type Access, type Principal, SCOPES_OF_ROLE, shortfall } from './principal.ts';
import type { Trust } from './trust-cache.ts';
import { userStanding } from './user-standing.ts';

export type { Principal } from './principal.ts';

/**
 * Who a request is, from whatever credential it carries (credentials.ts
 * lists the forms). Never throws: every way it can fail is a typed
 * failure that failureResponse() turns into the platform's error body, so
 * WebSocket routes can refuse an upgrade with the same answers REST gets.
 *
 * - `missing`: no credential at all (public routes go on without one);
 * - `invalid`: malformed, forged, or unknown;
 * - `expired`: an access token past its expiry;
 * - `revoked`: a logged-out session, a changed password, a revoked key;
 * - `forbidden`: valid, but without the scope or role `need` asks for;
 * - `unavailable`: the worker is not configured for it, or Postgres is down.
 */
export type AuthFailure = {
  failure: 'missing' | 'invalid' | 'expired' | 'revoked' | 'forbidden' | 'unavailable';
  message: string;
  /** For `unavailable` from configuration: each variable at fault. */
  problems?: ConfigProblem[];
  /** For `forbidden`: the scope the route needs (for WWW-Authenticate). */
  scope?: string;
};

export function isAuthFailure(result: Principal | AuthFailure): result is AuthFailure {
  return 'failure' in result;
}

export async function authenticate(env: Cloudflare.Env, request: Request, need?: Access): Promise<Principal | AuthFailure> {
  try {
    const principal = await identify(edgeConfig(env), request);
    if (isAuthFailure(principal) || !need) return principal;
    const reason = shortfall(principal, need);
    if (reason === undefined) return principal;
    return { failure: 'forbidden', message: reason, ...(need.kind === 'scope' ? { scope: need.scope } : need.kind === 'admin' ? { scope: 'admin' } : {}) };
  } catch (error) {
    if (error instanceof ConfigError) return { failure: 'unavailable', message: 'the worker is misconfigured', problems: error.problems };
    if (error instanceof DatabaseUnavailable) return { failure: 'unavailable', message: `the database is unavailable: ${error.message}` };
    throw error;
  }
}

async function identify(config: EdgeConfig, request: Request): Promise<Principal | AuthFailure> {
  const credentials = readCredentials(request);
  switch (credentials.kind) {
    case 'none':
      return { failure: 'missing', message: 'this route needs a credential: Authorization: Bearer <access token>, or Authorization: token <api_key>:<secret>' };
    case 'malformed':
      return { failure: 'invalid', message: credentials.message };
    case 'api_key': {
      const db = openDatabase(config.database, config.queryTimeoutMs);
      const result = await verifyApiKey(db, credentials.keyId, credentials.secret, trustOf(config));
      if (result === 'invalid') return { failure: 'invalid', message: 'no such API key, or the secret is not its secret' };
      if (result === 'revoked') return { failure: 'revoked', message: 'this API key has been revoked' };
      return result;
    }
    case 'access_token': {
      const secret = config.auth.jwtSecret;
      if (secret === undefined) throw authNotConfigured();
      const claims = await verifyAccessToken(secret, credentials.token);
      if (claims === 'expired') return { failure: 'expired', message: 'the access token has expired: refresh it (POST /auth/refresh) or log in again' };
      if (claims === 'invalid') return { failure: 'invalid', message: 'the access token is not one this platform signed' };
      const db = openDatabase(config.database, config.queryTimeoutMs);
      const standing = await userStanding(db, claims.sub, trustOf(config));
      if (!standing || standing.epoch !== claims.ver) {
        return { failure: 'revoked', message: 'this session has ended (logout or password change): log in again' };
      }
      return {
        userId: claims.sub,
        role: standing.role,
        via: 'session',
        epoch: standing.epoch,
        expiresAt: claims.exp * 1000,
        scopes: SCOPES_OF_ROLE[standing.role],
      };
    }
  }
}

/** The configuration error of a deployment without AUTH_JWT_SECRET. */
export function authNotConfigured(): ConfigError {
  return new ConfigError([{ variable: 'AUTH_JWT_SECRET', problem: 'is not set: users, sessions and access tokens are off' }]);
}

const STATUS: Record<AuthFailure['failure'], { status: 401 | 403 | 503; code: ErrorCode }> = {
  missing: { status: 401, code: 'unauthorized' },
  invalid: { status: 401, code: 'unauthorized' },
  expired: { status: 401, code: 'token_expired' },
  revoked: { status: 401, code: 'token_revoked' },
  forbidden: { status: 403, code: 'forbidden' },
  unavailable: { status: 503, code: 'database_unavailable' },
};

/**
 * The answer to a failure: 401 with `WWW-Authenticate` naming both schemes
 * (RFC 6750's `error` attribute once a credential was sent), 403 with
 * `insufficient_scope`, 503 for a misconfigured worker or a database outage.
 */
export function failureResponse(failure: AuthFailure): Response {
  const { status, code: mapped } = STATUS[failure.failure];
  const code: ErrorCode = failure.problems ? 'config_invalid' : mapped;
  const headers = new Headers({ 'Content-Type': 'application/json' });
  if (status === 401) {
    const error = failure.failure === 'missing' ? '' : `, error="invalid_token", error_description="${headerSafe(failure.message)}"`;
    headers.set('WWW-Authenticate', `Bearer realm="kite-edge"${error}, token realm="kite-edge"`);
  } else if (status === 403) {
    headers.set('WWW-Authenticate', `Bearer realm="kite-edge", error="insufficient_scope"${failure.scope ? `, scope="${failure.scope}"` : ''}`);
  } else if (!failure.problems) {
    headers.set('Retry-After', '5');
  }
  const body: ErrorBody = { error: { code, message: failure.message, ...(failure.problems ? { problems: failure.problems } : {}) } };
  return new Response(JSON.stringify(body), { status, headers });
}

// A header value is Latin-1 and this one sits inside quotes: plain ASCII, no quotes.
const headerSafe = (text: string) => text.replace(/[^\x20-\x7e]|"/g, "'");

function trustOf(config: EdgeConfig): Trust {
  return { ttlMs: config.auth.cacheTtlMs, graceMs: config.auth.outageGraceMs };
}
