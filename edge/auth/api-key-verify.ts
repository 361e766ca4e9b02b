import { type Database, DatabaseUnavailable } from '../../storage/database.ts';
import { type Principal, type Role, SCOPES_OF_ROLE, type Scope } from './principal.ts';
import { digest } from './secrets.ts';
import { type Trust, TrustCache } from './trust-cache.ts';

/**
 * Verifying an API key: one SHA-256 of the presented secret, then a lookup
 * by (key id, digest) that this isolate answers from memory for
 * AUTH_CACHE_TTL_MS after one query. The query also stamps `last_used_at`,
 * so the stamp is as fresh as that TTL without a write per request.
 *
 * Entries are keyed by id *and* digest: a wrong secret for someone's public
 * key id caches a refusal for that pair only, never for the real secret.
 */
type KeyRecord = { userId: string; role: Role; scopes: Scope[]; revoked: boolean };

const verified = new TrustCache<KeyRecord | undefined>(10_000, (error) => error instanceof DatabaseUnavailable);

export async function verifyApiKey(db: Database, keyId: string, secret: string, trust: Trust): Promise<Principal | 'invalid' | 'revoked'> {
  const secretHash = await digest(secret);
  const record = await verified.get(cacheKey(keyId, secretHash), trust, async () => {
    const { rows } = await db.query<{ user_id: string; role: Role; scopes: Scope[]; revoked: boolean }>(
      `UPDATE api_keys k SET last_used_at = CASE WHEN k.revoked_at IS NULL THEN now() ELSE k.last_used_at END
       FROM users u WHERE k.id = $1 AND k.secret_hash = $2 AND u.id = k.user_id
       RETURNING k.user_id, u.role, k.scopes, k.revoked_at IS NOT NULL AS revoked`,
      [keyId, secretHash],
    );
    const row = rows[0];
    return row && { userId: row.user_id, role: row.role, scopes: row.scopes, revoked: row.revoked };
  });
  if (!record) return 'invalid';
  if (record.revoked) return 'revoked';
  const allowed = SCOPES_OF_ROLE[record.role];
  return {
    userId: record.userId,
    role: record.role,
    via: 'api_key',
    keyId,
    scopes: new Set(record.scopes.filter((s) => allowed.has(s))),
  };
}

/** After this isolate revoked a key: refused here at once, elsewhere within the TTL. */
export function forgetApiKey(keyId: string, secretHash: string): void {
  verified.forget(cacheKey(keyId, secretHash));
}

const cacheKey = (keyId: string, secretHash: string) => `${keyId}:${secretHash}`;
