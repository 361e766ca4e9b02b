import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { errorResponse, InvalidParameter } from '../errors.ts';
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
export const auth = new Hono<AuthEnv>();

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

const database = (c: Context<AuthEnv>) => {
  const config = edgeConfig(c.env);
  return openDatabase(config.database, config.queryTimeoutMs);
};

auth.post('/register', requires(PUBLIC, { limit: 'auth' }), async (c) => {
  const { email, password } = await parseBody(c, Credentials);
  const weak = weakPasswordReason(password, [email]);
  if (weak) throw new InvalidParameter('password', weak);
  // Hashing first and inserting either way makes both cases the same work, so timing does not tell them apart either.
  await database(c).query('INSERT INTO users (email, password_hash) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING', [email, await hashPassword(password)]);
  return c.json({ message: 'registration accepted: log in with this e-mail and password (POST /auth/login)' }, 202);
});

auth.post('/login', requires(PUBLIC, { limit: 'auth' }), async (c) => {
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
});

auth.post('/refresh', requires(PUBLIC, { limit: 'auth' }), async (c) => {
  const { refresh_token } = await parseBody(c, Refresh);
  const result = await rotateSession(database(c), edgeConfig(c.env), refresh_token);
  if (typeof result === 'object' && !('reuse' in result)) return c.json(result);
  c.header('WWW-Authenticate', 'Bearer realm="kite-edge", error="invalid_token"');
  if (result === 'expired') return errorResponse(c, 401, 'token_expired', 'the refresh token has expired: log in again');
  if (result === 'invalid') return errorResponse(c, 401, 'unauthorized', 'the refresh token is not one this platform issued');
  // Reuse means theft or a confused client: the access tokens issued before, and the sessions they opened, end with the family.
  if (result !== 'revoked') await endSessionsOf(c.env, result.reuse.userId, { epochFrom: result.reuse.epochFrom });
  return errorResponse(c, 401, 'token_revoked', 'the refresh token was already used or revoked: its session has ended; log in again');
});

auth.post('/logout', requires(SESSION, { limit: 'api' }), async (c) => {
  const { userId } = principalOf(c);
  const ended = await endAllSessions(database(c), userId);
  if (ended) await endSessionsOf(c.env, userId, { epochFrom: ended.session_epoch });
  return c.body(null, 204);
});

auth.post('/password', requires(SESSION, { limit: 'auth' }), async (c) => {
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
});

auth.get('/me', requires(USER, { limit: 'api' }), async (c) => {
  const principal = principalOf(c);
  const {
    rows: [user],
  } = await database(c).query<{ id: string; email: string; role: Role; created_at: string }>('SELECT id, email, role, created_at FROM users WHERE id = $1', [
    principal.userId,
  ]);
  if (!user) return errorResponse(c, 404, 'not_found', 'this user no longer exists');
  return c.json({ ...user, via: principal.via, ...(principal.keyId ? { key_id: principal.keyId } : {}), scopes: [...principal.scopes] });
});

function locked(c: Context<AuthEnv>, retryAfterS: number): Response {
  c.header('Retry-After', String(retryAfterS));
  return errorResponse(c, 429, 'account_locked', `too many failed logins for this e-mail or from this address: try again in ${retryAfterS} s`);
}
