import { verifyAccessToken } from '../../contracts/access-token.ts';
import { ConfigError } from '../../contracts/config-error.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { DatabaseUnavailable, openDatabase } from '../../storage/database.ts';
import { readStanding } from '../../storage/user-standing.ts';
import type { Attachment } from './session.ts';

/**
 * A `reauth` (docs/websocket.md): a session opened with an access token
 * sends a fresh one to live past the expiry of the one it opened with. It
 * is checked as fully as the worker checks an upgrade: signed by this
 * platform, not expired, of the session's own user, and of the user's
 * current session epoch in Postgres (not ended by a logout, a password
 * change or a reused refresh token). The session then ends at the new
 * token's expiry, and a later logout ends it as it would a session opened
 * with that token.
 */
export type Renewal = { expiresAt: number; epoch: number };

export async function checkReauth(env: Cloudflare.Env, session: Pick<Attachment, 'userId' | 'keyId'>, token: string): Promise<Renewal | { refused: string }> {
  if (session.keyId !== null) return { refused: 'this session was opened with an API key, which does not expire: there is nothing to renew' };
  try {
    const config = edgeConfig(env);
    if (config.auth.jwtSecret === undefined) return { refused: 'access tokens are off here: AUTH_JWT_SECRET is not set' };
    const claims = await verifyAccessToken(config.auth.jwtSecret, token);
    if (claims === 'expired') return { refused: 'the access token has expired: refresh it (POST /auth/refresh) and send the new one' };
    if (claims === 'invalid') return { refused: 'the access token is not one this platform signed' };
    if (claims.sub !== session.userId) return { refused: "the access token is another user's: a session stays with the user who opened it" };
    const standing = await readStanding(openDatabase(config.database, config.queryTimeoutMs), claims.sub);
    if (!standing || standing.epoch !== claims.ver)
      return { refused: 'the access token has ended (logout, password change or a reused refresh token): log in again' };
    return { expiresAt: claims.exp * 1000, epoch: claims.ver };
  } catch (error) {
    if (error instanceof DatabaseUnavailable) return { refused: `the database is unavailable (${error.message}): send it again shortly` };
    if (error instanceof ConfigError) return { refused: 'the worker is misconfigured: access tokens cannot be checked' };
    throw error;
  }
}
