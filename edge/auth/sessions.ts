import { issueAccessToken } from '../../contracts/access-token.ts';
import type { SessionTokens } from '../../contracts/auth-api.ts';
import type { EdgeConfig } from '../../contracts/worker-config.ts';
import type { Database } from '../../storage/database.ts';
import { authNotConfigured } from './authenticate.ts';
import type { Role } from './principal.ts';
import { digest, newRefreshToken } from './secrets.ts';
import { forgetStanding } from './user-standing.ts';

/**
 * A session is a family of rotating refresh tokens plus the short-lived
 * access tokens issued from it. Refresh tokens are stored as digests; each
 * is good for one use, which replaces it with the next of its family.
 * Presenting a used or revoked one again revokes the whole family and moves
 * the user's session epoch on, so the access tokens already issued (to the
 * thief, perhaps) are refused too: either the token was stolen or its client
 * is confused, and in both cases the safe answer is to make its owner log
 * in again. The user's other families go on: their next refresh brings
 * access tokens of the new epoch.
 */
export type SessionUser = { id: string; email: string; role: Role; session_epoch: number };

export function jwtSecretOf(config: EdgeConfig): string {
  if (config.auth.jwtSecret === undefined) throw authNotConfigured();
  return config.auth.jwtSecret;
}

/**
 * A new session (a new family) for a user who just proved who they are.
 * Their expired refresh tokens go at the same time: past expiry a token
 * is refused whether or not its row is kept.
 */
export async function startSession(db: Database, config: EdgeConfig, user: SessionUser): Promise<SessionTokens> {
  const refresh = newRefreshToken();
  await db.query(
    `WITH expired AS (DELETE FROM refresh_tokens WHERE user_id = $2 AND expires_at < now())
     INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at)
     VALUES ($1, $2, gen_random_uuid(), now() + make_interval(secs => $3))`,
    [await digest(refresh), user.id, config.auth.refreshTokenTtlS],
  );
  return tokens(config, user, refresh);
}

/** A spent or revoked refresh token presented again: its family is revoked and its user's access tokens before `epochFrom` are refused. */
export type RefreshReuse = { reuse: { userId: string; epochFrom: number } };

/**
 * Trades a refresh token for the next one of its family and a fresh access
 * token, in one statement (the old one is spent only if the new one is
 * stored). Otherwise says why not, ending the family and the user's access
 * tokens on reuse (the caller then ends the sessions they opened). A token
 * of a family already revoked (by a logout, or an earlier reuse) ends
 * nothing more: `revoked`, or whoever holds one could sign its user out at
 * will.
 */
export async function rotateSession(
  db: Database,
  config: EdgeConfig,
  presented: string,
): Promise<SessionTokens | RefreshReuse | 'invalid' | 'expired' | 'revoked'> {
  const next = newRefreshToken();
  const presentedHash = await digest(presented);
  const { rows } = await db.query<SessionUser>(
    `WITH spent AS (
       UPDATE refresh_tokens SET rotated_at = now()
       WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now()
       RETURNING user_id, family_id
     ), fresh AS (
       INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at)
       SELECT $2, user_id, family_id, now() + make_interval(secs => $3) FROM spent
       RETURNING user_id
     )
     SELECT u.id, u.email, u.role, u.session_epoch FROM users u JOIN fresh ON fresh.user_id = u.id`,
    [presentedHash, await digest(next), config.auth.refreshTokenTtlS],
  );
  const user = rows[0];
  if (user) return tokens(config, user, next);

  const {
    rows: [known],
  } = await db.query<{ spent: boolean; expired: boolean; family_id: string; user_id: string }>(
    `SELECT rotated_at IS NOT NULL OR revoked_at IS NOT NULL AS spent, expires_at <= now() AS expired, family_id, user_id
     FROM refresh_tokens WHERE token_hash = $1`,
    [presentedHash],
  );
  if (!known) return 'invalid';
  if (!known.spent) return 'expired';
  const {
    rows: [ended],
  } = await db.query<{ session_epoch: number }>(
    `WITH revoked AS (UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL RETURNING 1)
     UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $2 AND EXISTS (SELECT 1 FROM revoked) RETURNING session_epoch`,
    [known.family_id, known.user_id],
  );
  if (!ended) return 'revoked';
  forgetStanding(known.user_id);
  return { reuse: { userId: known.user_id, epochFrom: ended.session_epoch } };
}

/**
 * Ends every session of a user: their refresh tokens are revoked and their
 * session epoch moves on, so access tokens issued before are refused too
 * (here at once, in other isolates within AUTH_CACHE_TTL_MS). With a new
 * password hash, the password changes in the same statement.
 */
export async function endAllSessions(db: Database, userId: string, newPasswordHash?: string): Promise<SessionUser | undefined> {
  const { rows } = await db.query<SessionUser>(
    `WITH changed AS (
       UPDATE users SET session_epoch = session_epoch + 1,
                        password_hash = COALESCE($2::text, password_hash),
                        password_changed_at = CASE WHEN $2::text IS NULL THEN password_changed_at ELSE now() END
       WHERE id = $1 RETURNING id, email, role, session_epoch
     ), revoked AS (
       UPDATE refresh_tokens SET revoked_at = now() WHERE user_id IN (SELECT id FROM changed) AND revoked_at IS NULL
     )
     SELECT * FROM changed`,
    [userId, newPasswordHash ?? null],
  );
  forgetStanding(userId);
  return rows[0];
}

async function tokens(config: EdgeConfig, user: SessionUser, refresh: string): Promise<SessionTokens> {
  return {
    access_token: await issueAccessToken(jwtSecretOf(config), user.id, user.session_epoch, config.auth.accessTokenTtlS),
    token_type: 'Bearer',
    expires_in: config.auth.accessTokenTtlS,
    refresh_token: refresh,
    refresh_expires_in: config.auth.refreshTokenTtlS,
    user: { id: user.id, email: user.email, role: user.role },
  };
}
