import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { NoQuery } from '../../contracts/instruments-api.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { errorResponse } from '../errors.ts';
import { parseBody, parsePathParam, parseQuery } from '../validate.ts';
import { endSessionsOf } from '../ws/end-sessions.ts';
import { forgetApiKey } from './api-key-verify.ts';
import { type AuthEnv, principalOf, requires } from './policy.ts';
import { SCOPES_OF_ROLE, Scope, SESSION } from './principal.ts';
import { digest, FORMAT, newKeyId, newKeySecret } from './secrets.ts';

/**
 * API keys for programs (docs/auth.md). A user's own session manages them;
 * an API key cannot, not even one with scope admin, so a leaked key cannot
 * mint more keys or hide its tracks by revoking others.
 *
 *   POST   /api-keys        {name, scopes}   201 the key with its secret, shown this once
 *   GET    /api-keys                         the user's keys, newest first (revoked ones too)
 *   GET    /api-keys/:id                     one of them
 *   DELETE /api-keys/:id                     revokes it (idempotent)
 *
 * Another user's key id answers 404 exactly like an unknown one.
 */
export const apiKeys = new Hono<AuthEnv>();
apiKeys.use('*', requires(SESSION, { limit: 'api' }));

/** Active keys one user may hold: enough for every program, bounded so no account can grow the table without end. */
export const MAX_ACTIVE_KEYS = 50;

const CreateKey = z.strictObject({
  name: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  scopes: z
    .array(Scope, { error: 'must be an array of scopes: read, alerts, admin' })
    .min(1, 'must name at least one scope: read, alerts, admin')
    .refine((scopes) => new Set(scopes).size === scopes.length, 'must not repeat a scope'),
});

const KEY_COLUMNS = 'id, name, scopes, created_at, last_used_at, revoked_at';
type KeyView = { id: string; name: string; scopes: Scope[]; created_at: string; last_used_at: string | null; revoked_at: string | null };

const database = (c: Context<AuthEnv>) => {
  const config = edgeConfig(c.env);
  return openDatabase(config.database, config.queryTimeoutMs);
};

apiKeys.post('/', async (c) => {
  const { name, scopes } = await parseBody(c, CreateKey);
  const { userId, role } = principalOf(c);
  const beyondRole = scopes.filter((s) => !SCOPES_OF_ROLE[role].has(s));
  if (beyondRole.length > 0) {
    return errorResponse(c, 403, 'forbidden', `scopes: a ${role} cannot create a key with scope ${beyondRole.join(', ')}`);
  }
  const secret = newKeySecret();
  const {
    rows: [key],
  } = await database(c).query<KeyView>(
    `INSERT INTO api_keys (id, user_id, name, scopes, secret_hash)
     SELECT $1, $2, $3, $4, $5
     WHERE (SELECT count(*) FROM api_keys WHERE user_id = $2 AND revoked_at IS NULL) < $6
     RETURNING ${KEY_COLUMNS}`,
    [newKeyId(), userId, name, scopes, await digest(secret), MAX_ACTIVE_KEYS],
  );
  if (!key) return errorResponse(c, 409, 'limit_exceeded', `a user may hold ${MAX_ACTIVE_KEYS} active API keys: revoke one first`);
  return c.json({ ...key, secret }, 201);
});

apiKeys.get('/', async (c) => {
  parseQuery(c, NoQuery);
  const { rows } = await database(c).query<KeyView>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id`, [
    principalOf(c).userId,
  ]);
  return c.json({ keys: rows });
});

apiKeys.get('/:id', async (c) => {
  const id = keyIdParam(c);
  const {
    rows: [key],
  } = await database(c).query<KeyView>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND user_id = $2`, [id, principalOf(c).userId]);
  return key ? c.json(key) : noSuchKey(c, id);
});

apiKeys.delete('/:id', async (c) => {
  const id = keyIdParam(c);
  const {
    rows: [key],
  } = await database(c).query<KeyView & { secret_hash: string }>(
    `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${KEY_COLUMNS}, secret_hash`,
    [id, principalOf(c).userId],
  );
  if (!key) return noSuchKey(c, id);
  const { secret_hash, ...view } = key;
  forgetApiKey(id, secret_hash);
  await endSessionsOf(c.env, principalOf(c).userId, { keyId: id });
  return c.json(view);
});

const KeyId = z.string().regex(FORMAT.keyId, 'must be an API key id: ak_ and 16 hex digits');

function keyIdParam(c: Context<AuthEnv>): string {
  return parsePathParam(c, 'id', KeyId);
}

const noSuchKey = (c: Context<AuthEnv>, id: string) => errorResponse(c, 404, 'not_found', `you have no API key ${id}`);
