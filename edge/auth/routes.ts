import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { Me, Registration, SessionTokens } from '../../contracts/auth-api.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { errorResponse, InvalidParameter } from '../errors.ts';
import { invalidParameter, json, noContent, problem, route } from '../openapi/describe.ts';
import { parseBody } from '../validate.ts';
import { endSessionsOf } from '../ws/end-sessions.ts';
import { checkPassword, reserveLoginAttempt } from './login-throttle.ts';
import { hashPassword, isOutdated } from './password.ts';
import { weakPasswordReason } from './password-strength.ts';
import { type AuthEnv, principalOf, requires } from './policy.ts';
import { PUBLIC, type Role, SESSION, USER } from './principal.ts';
import { clientIp } from './rate-limit.ts';
import { FORMAT } from './secrets.ts';
import { endAllSessions, jwtSecretOf, rotateSession, type SessionUser, startSession } from './sessions.ts';

/**
 * Accounts and sessions (docs/auth.md):
 *
 *   POST /auth/register   {email, password}                  202, the same answer whether or not the address was registered
 *   POST /auth/login      {email, password}                  200 tokens | 401 invalid_credentials | 429 account_locked
 *   POST /auth/refresh    {refresh_token}                    200 the next tokens (the presented one is spent)
 *   POST /auth/logout                                        204; every session of the user ends
 *   POST /auth/password   {current_password, new_password}   200 tokens of a new session; every other one ends
 *   GET  /auth/me                                            who the credential is
 */
export const auth = new OpenAPIHono<AuthEnv>();

// Without the signing key no session can start or be checked: the area says so (503) instead of half-working.
auth.use('*', async (c, next) => {
  jwtSecretOf(edgeConfig(c.env));
  await next();
});

const Email = z
  .string({ error: 'must be an e-mail address' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ error: 'must be an e-mail address' }));
const NewPassword = z.string({ error: 'must be a string' }).min(10, 'must be at least 10 characters').max(256, 'must be at most 256 characters');
// A password being checked is not held to today's rules (they may have been raised since), only bounded.
const GivenPassword = z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(256, 'must be at most 256 characters');

const Credentials = z.strictObject({ email: Email, password: NewPassword });
const Login = z.strictObject({ email: Email, password: GivenPassword });
const Refresh = z.strictObject({ refresh_token: z.string({ error: 'must be a string' }).regex(FORMAT.refreshToken, 'must be a refresh token (rt_…)') });
const PasswordChange = z.strictObject({ current_password: GivenPassword, new_password: NewPassword });

const EXAMPLE_TOKENS: SessionTokens = {
  access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxYjQ…',
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: 'rt_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG',
  refresh_expires_in: 2592000,
  user: { id: '0b9e4a52-3d5f-4c1e-9a57-2f0c6d8e1a34', email: 'asha@example.com', role: 'user' },
};
const LOCKED_EXAMPLE = 'too many failed logins for this e-mail or from this address: try again in 300 s';

const database = (c: Context<AuthEnv>) => {
  const config = edgeConfig(c.env);
  return openDatabase(config.database, config.queryTimeoutMs);
};

route(
  auth,
  createRoute({
    method: 'post',
    path: '/register',
    tags: ['accounts'],
    summary: 'Register an account',
    description: 'The same answer whether or not the address was registered, so the route does not tell who has an account.',
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: Credentials, example: { email: 'asha@example.com', password: 'correct horse battery staple' } } },
      },
    },
    responses: {
      202: json(Registration, 'accepted: log in with this e-mail and password', {
        message: 'registration accepted: log in with this e-mail and password (POST /auth/login)',
      }),
      400: invalidParameter('password', 'must be at least 10 characters'),
    },
  }),
  requires(PUBLIC, { limit: 'auth' }),
  async (c) => {
    const { email, password } = await parseBody(c, Credentials);
    const weak = weakPasswordReason(password, [email]);
    if (weak) throw new InvalidParameter('password', weak);
    // Hashing first and inserting either way makes both cases the same work, so timing does not tell them apart either.
    await database(c).query('INSERT INTO users (email, password_hash) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING', [email, await hashPassword(password)]);
    return c.json({ message: 'registration accepted: log in with this e-mail and password (POST /auth/login)' }, 202);
  },
);

route(
  auth,
  createRoute({
    method: 'post',
    path: '/login',
    tags: ['accounts'],
    summary: 'Log in: a session’s access and refresh tokens',
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: Login, example: { email: 'asha@example.com', password: 'correct horse battery staple' } } },
      },
    },
    responses: {
      200: json(SessionTokens, 'the session’s tokens', EXAMPLE_TOKENS),
      400: invalidParameter('email', 'must be an e-mail address'),
      401: problem('wrong e-mail or password (the same answer for an unknown e-mail)', 'invalid_credentials', 'wrong e-mail or password'),
      429: problem(
        'too many failed logins (`account_locked`) or requests (`rate_limited`) from here: retry after `Retry-After`',
        'account_locked',
        LOCKED_EXAMPLE,
      ),
    },
  }),
  requires(PUBLIC, { limit: 'auth' }),
  async (c) => {
    const { email, password } = await parseBody(c, Login);
    const config = edgeConfig(c.env);
    const db = database(c);
    const ip = clientIp(c.req.raw);
    const [throttle, found] = await Promise.all([
      reserveLoginAttempt(db, config, email, ip),
      db.query<SessionUser & { password_hash: string }>('SELECT id, email, role, session_epoch, password_hash FROM users WHERE email = $1', [email]),
    ]);
    const user = found.rows[0];
    const outcome = await checkPassword(db, config, { email, ip }, password, user?.password_hash, throttle);
    if (typeof outcome === 'object') return locked(c, outcome.lockedForS);
    if (outcome === 'refused' || !user) {
      c.header('WWW-Authenticate', 'Bearer realm="kite-edge"');
      return errorResponse(c, 401, 'invalid_credentials', 'wrong e-mail or password');
    }
    if (isOutdated(user.password_hash)) {
      await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, await hashPassword(password)]);
    }
    return c.json(await startSession(db, config, user));
  },
);

route(
  auth,
  createRoute({
    method: 'post',
    path: '/refresh',
    tags: ['accounts'],
    summary: 'The next tokens of a session, for its refresh token (which is spent)',
    request: { body: { required: true, content: { 'application/json': { schema: Refresh, example: { refresh_token: EXAMPLE_TOKENS.refresh_token } } } } },
    responses: {
      200: json(SessionTokens, 'the session’s next tokens', EXAMPLE_TOKENS),
      400: invalidParameter('refresh_token', 'must be a refresh token (rt_…)'),
      401: problem(
        'the refresh token expired (`token_expired`), is unknown (`unauthorized`) or was used or revoked already (`token_revoked`: its session ends)',
        'token_revoked',
        'the refresh token was already used or revoked: its session has ended; log in again',
      ),
    },
  }),
  requires(PUBLIC, { limit: 'auth' }),
  async (c) => {
    const { refresh_token } = await parseBody(c, Refresh);
    const result = await rotateSession(database(c), edgeConfig(c.env), refresh_token);
    if (typeof result === 'object' && !('reuse' in result)) return c.json(result);
    c.header('WWW-Authenticate', 'Bearer realm="kite-edge", error="invalid_token"');
    if (result === 'expired') return errorResponse(c, 401, 'token_expired', 'the refresh token has expired: log in again');
    if (result === 'invalid') return errorResponse(c, 401, 'unauthorized', 'the refresh token is not one this platform issued');
    // Reuse means theft or a confused client: the access tokens issued before, and the sessions they opened, end with the family.
    if (result !== 'revoked') await endSessionsOf(c.env, result.reuse.userId, { epochFrom: result.reuse.epochFrom });
    return errorResponse(c, 401, 'token_revoked', 'the refresh token was already used or revoked: its session has ended; log in again');
  },
);

route(
  auth,
  createRoute({
    method: 'post',
    path: '/logout',
    tags: ['accounts'],
    summary: 'End every session of the user (its WebSockets close)',
    responses: { 204: noContent('logged out') },
  }),
  requires(SESSION, { limit: 'api' }),
  async (c) => {
    const { userId } = principalOf(c);
    const ended = await endAllSessions(database(c), userId);
    if (ended) await endSessionsOf(c.env, userId, { epochFrom: ended.session_epoch });
    return c.body(null, 204);
  },
);

route(
  auth,
  createRoute({
    method: 'post',
    path: '/password',
    tags: ['accounts'],
    summary: 'Change the password: every other session ends, this one gets new tokens',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: PasswordChange,
            example: { current_password: 'correct horse battery staple', new_password: 'a longer and newer passphrase' },
          },
        },
      },
    },
    responses: {
      200: json(SessionTokens, 'the tokens of a new session', EXAMPLE_TOKENS),
      400: invalidParameter('new_password', 'must be at least 10 characters'),
      403: problem(
        'current_password is wrong (or the credential is not the user’s own access token)',
        'invalid_credentials',
        'current_password is not this account’s password',
      ),
      404: problem('the user no longer exists', 'not_found', 'this user no longer exists'),
      429: problem('too many failed attempts (`account_locked`) or requests (`rate_limited`): retry after `Retry-After`', 'account_locked', LOCKED_EXAMPLE),
    },
  }),
  requires(SESSION, { limit: 'auth' }),
  async (c) => {
    const { current_password, new_password } = await parseBody(c, PasswordChange);
    const config = edgeConfig(c.env);
    const db = database(c);
    const { userId } = principalOf(c);
    const {
      rows: [user],
    } = await db.query<{ email: string; password_hash: string }>('SELECT email, password_hash FROM users WHERE id = $1', [userId]);
    if (!user) return errorResponse(c, 404, 'not_found', 'this user no longer exists');
    // The current password guards the change against a stolen session, so guessing it counts like a failed login.
    const who = { email: user.email, ip: clientIp(c.req.raw) };
    const weak = weakPasswordReason(new_password, [user.email]);
    if (weak) throw new InvalidParameter('new_password', weak);
    const outcome = await checkPassword(db, config, who, current_password, user.password_hash, await reserveLoginAttempt(db, config, who.email, who.ip));
    if (typeof outcome === 'object') return locked(c, outcome.lockedForS);
    if (outcome === 'refused') return errorResponse(c, 403, 'invalid_credentials', 'current_password is not this account’s password');
    const changed = await endAllSessions(db, userId, await hashPassword(new_password));
    if (!changed) return errorResponse(c, 404, 'not_found', 'this user no longer exists');
    await endSessionsOf(c.env, userId, { epochFrom: changed.session_epoch });
    return c.json(await startSession(db, config, changed));
  },
);

route(
  auth,
  createRoute({
    method: 'get',
    path: '/me',
    tags: ['accounts'],
    summary: 'Who the credential is, and what it may do',
    responses: {
      200: json(Me, 'the user, how the credential was presented, its scopes', {
        id: EXAMPLE_TOKENS.user.id,
        email: 'asha@example.com',
        role: 'user',
        created_at: '2026-01-05T09:45:12.000Z',
        via: 'api_key',
        key_id: 'ak_0123456789abcdef',
        scopes: ['read'],
      }),
      404: problem('the user no longer exists', 'not_found', 'this user no longer exists'),
    },
  }),
  requires(USER, { limit: 'api' }),
  async (c) => {
    const principal = principalOf(c);
    const {
      rows: [user],
    } = await database(c).query<{ id: string; email: string; role: Role; created_at: string }>('SELECT id, email, role, created_at FROM users WHERE id = $1', [
      principal.userId,
    ]);
    if (!user) return errorResponse(c, 404, 'not_found', 'this user no longer exists');
    return c.json({ ...user, via: principal.via, ...(principal.keyId ? { key_id: principal.keyId } : {}), scopes: [...principal.scopes] });
  },
);

function locked(c: Context<AuthEnv>, retryAfterS: number): Response {
  c.header('Retry-After', String(retryAfterS));
  return errorResponse(c, 429, 'account_locked', `too many failed logins for this e-mail or from this address: try again in ${retryAfterS} s`);
}
