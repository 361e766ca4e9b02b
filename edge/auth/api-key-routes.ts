import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { ApiKey, ApiKeyList, NewApiKey } from '../../contracts/auth-api.ts';
import { NoQuery } from '../../contracts/instruments-api.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { errorResponse } from '../errors.ts';
import { invalidParameter, json, problem, route } from '../openapi/describe.ts';
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
export const apiKeys = new OpenAPIHono<AuthEnv>();
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

const KeyId = z.string().regex(FORMAT.keyId, 'must be an API key id: ak_ and 16 hex digits');

const KEY_COLUMNS = 'id, name, scopes, created_at, last_used_at, revoked_at';
const EXAMPLE_KEY: ApiKey = {
  id: 'ak_0123456789abcdef',
  name: 'my trading bot',
  scopes: ['read'],
  created_at: '2026-01-05T09:45:12.000Z',
  last_used_at: null,
  revoked_at: null,
};

const database = (c: Context<AuthEnv>) => {
  const config = edgeConfig(c.env);
  return openDatabase(config.database, config.queryTimeoutMs);
};

route(
  apiKeys,
  createRoute({
    method: 'post',
    path: '/',
    tags: ['API keys'],
    summary: 'Create an API key: its secret is shown this once',
    request: { body: { required: true, content: { 'application/json': { schema: CreateKey, example: { name: 'my trading bot', scopes: ['read'] } } } } },
    responses: {
      201: json(NewApiKey, 'the key with its secret; present it as `Authorization: token <id>:<secret>`', { ...EXAMPLE_KEY, secret: 'sk_…' }),
      400: invalidParameter('scopes', 'must name at least one scope: read, alerts, admin'),
      403: problem(
        'a scope beyond the user’s role, or a credential other than the user’s access token',
        'forbidden',
        'scopes: a user cannot create a key with scope admin',
      ),
      409: problem('the user holds as many active keys as one may', 'limit_exceeded', `a user may hold ${MAX_ACTIVE_KEYS} active API keys: revoke one first`),
    },
  }),
  async (c) => {
    const { name, scopes } = await parseBody(c, CreateKey);
    const { userId, role } = principalOf(c);
    const beyondRole = scopes.filter((s) => !SCOPES_OF_ROLE[role].has(s));
    if (beyondRole.length > 0) {
      return errorResponse(c, 403, 'forbidden', `scopes: a ${role} cannot create a key with scope ${beyondRole.join(', ')}`);
    }
    const secret = newKeySecret();
    const {
      rows: [key],
    } = await database(c).query<ApiKey>(
      `INSERT INTO api_keys (id, user_id, name, scopes, secret_hash)
     SELECT $1, $2, $3, $4, $5
     WHERE (SELECT count(*) FROM api_keys WHERE user_id = $2 AND revoked_at IS NULL) < $6
     RETURNING ${KEY_COLUMNS}`,
      [newKeyId(), userId, name, scopes, await digest(secret), MAX_ACTIVE_KEYS],
    );
    if (!key) return errorResponse(c, 409, 'limit_exceeded', `a user may hold ${MAX_ACTIVE_KEYS} active API keys: revoke one first`);
    return c.json({ ...key, secret }, 201);
  },
);

route(
  apiKeys,
  createRoute({
    method: 'get',
    path: '/',
    tags: ['API keys'],
    summary: 'The user’s API keys, newest first (revoked ones too)',
    request: { query: NoQuery },
    responses: {
      200: json(ApiKeyList, 'the keys, never their secrets', { keys: [EXAMPLE_KEY] }),
      400: invalidParameter('x', 'unknown parameter; this route takes none'),
    },
  }),
  async (c) => {
    parseQuery(c, NoQuery);
    const { rows } = await database(c).query<ApiKey>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id`, [
      principalOf(c).userId,
    ]);
    return c.json({ keys: rows });
  },
);

route(
  apiKeys,
  createRoute({
    method: 'get',
    path: '/{id}',
    tags: ['API keys'],
    summary: 'One of the user’s API keys',
    request: { params: z.object({ id: KeyId }) },
    responses: {
      200: json(ApiKey, 'the key', EXAMPLE_KEY),
      400: invalidParameter('id', 'must be an API key id: ak_ and 16 hex digits'),
      404: problem('the user has no such key (another user’s key answers the same)', 'not_found', 'you have no API key ak_0123456789abcdef'),
    },
  }),
  async (c) => {
    const id = keyIdParam(c);
    const {
      rows: [key],
    } = await database(c).query<ApiKey>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND user_id = $2`, [id, principalOf(c).userId]);
    return key ? c.json(key) : noSuchKey(c, id);
  },
);

route(
  apiKeys,
  createRoute({
    method: 'delete',
    path: '/{id}',
    tags: ['API keys'],
    summary: 'Revoke an API key (idempotent): its WebSocket sessions close',
    request: { params: z.object({ id: KeyId }) },
    responses: {
      200: json(ApiKey, 'the revoked key', { ...EXAMPLE_KEY, revoked_at: '2026-01-06T10:00:00.000Z' }),
      400: invalidParameter('id', 'must be an API key id: ak_ and 16 hex digits'),
      404: problem('the user has no such key', 'not_found', 'you have no API key ak_0123456789abcdef'),
    },
  }),
  async (c) => {
    const id = keyIdParam(c);
    const {
      rows: [key],
    } = await database(c).query<ApiKey & { secret_hash: string }>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${KEY_COLUMNS}, secret_hash`,
      [id, principalOf(c).userId],
    );
    if (!key) return noSuchKey(c, id);
    const { secret_hash, ...view } = key;
    forgetApiKey(id, secret_hash);
    await endSessionsOf(c.env, principalOf(c).userId, { keyId: id });
    return c.json(view);
  },
);

function keyIdParam(c: Context<AuthEnv>): string {
  return parsePathParam(c, 'id', KeyId);
}

const noSuchKey = (c: Context<AuthEnv>, id: string) => errorResponse(c, 404, 'not_found', `you have no API key ${id}`);
