import { sign, verify } from 'hono/jwt';
import { z } from 'zod';

/**
 * Access tokens: short-lived JWTs (HS256, AUTH_JWT_SECRET) naming the user
 * and the session epoch they were issued under. The worker issues them
 * (edge/auth/sessions.ts) and reads them on every request; a SessionHub
 * reads the fresh one a live session sends to extend itself (`reauth`), so
 * the format lives here. The signature and expiry are checked here, with no
 * I/O; whether the epoch is still the user's is the caller's check
 * (storage/user-standing.ts), which is how logout and a password change end
 * tokens that have not expired yet.
 */
const Claims = z.object({
  sub: z.uuid(),
  /** users.session_epoch when the token was issued. */
  ver: z.number().int().nonnegative(),
  iat: z.number(),
  exp: z.number(),
});
export type AccessClaims = z.infer<typeof Claims>;

export async function issueAccessToken(secret: string, userId: string, epoch: number, ttlS: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, ver: epoch, iat: now, exp: now + ttlS }, await hmacKey(secret), 'HS256');
}

export async function verifyAccessToken(secret: string, token: string): Promise<AccessClaims | 'expired' | 'invalid'> {
  try {
    const claims = Claims.safeParse(await verify(token, await hmacKey(secret), 'HS256'));
    return claims.success ? claims.data : 'invalid';
  } catch (error) {
    return (error as Error).name === 'JwtTokenExpired' ? 'expired' : 'invalid';
  }
}

const importKey = (secret: string) =>
  crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);

// Importing the key costs more than the HMAC itself: keep one per secret (one per deployment).
let cached: { secret: string; key: ReturnType<typeof importKey> } | undefined;

function hmacKey(secret: string): ReturnType<typeof importKey> {
  if (cached?.secret !== secret) cached = { secret, key: importKey(secret) };
  return cached.key;
}
