import { z } from 'zod';

/**
 * The answers of the account, session and API key routes (docs/auth.md),
 * shared by the edge and the typed client.
 */
export const Scope = z.enum(['read', 'alerts', 'admin']);
export type Scope = z.infer<typeof Scope>;
export const Role = z.enum(['user', 'admin']);
export type Role = z.infer<typeof Role>;

const isoTime = z.iso.datetime({ offset: true });

/** POST /auth/register: the same answer whether or not the address was registered before. */
export const Registration = z.object({ message: z.string() });

/** A session's tokens: POST /auth/login, /auth/refresh and /auth/password. */
export const SessionTokens = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    /** Seconds the access token is valid. */
    expires_in: z.number().int(),
    /** Spent by its first use at POST /auth/refresh, which answers the next pair. */
    refresh_token: z.string(),
    refresh_expires_in: z.number().int(),
    user: z.object({ id: z.uuid(), email: z.string(), role: Role }),
  })
  .meta({ id: 'SessionTokens' });
export type SessionTokens = z.infer<typeof SessionTokens>;

/** GET /auth/me: who the credential is, how it was presented and what it may do. */
export const Me = z.object({
  id: z.uuid(),
  email: z.string(),
  role: Role,
  created_at: isoTime,
  via: z.enum(['session', 'api_key']),
  /** The API key presented, for `via: api_key`. */
  key_id: z.string().optional(),
  scopes: z.array(Scope),
});
export type Me = z.infer<typeof Me>;

/** An API key as its owner sees it (never its secret, but once at creation). */
export const ApiKey = z
  .object({
    id: z.string().regex(/^ak_[0-9a-f]{16}$/),
    name: z.string(),
    scopes: z.array(Scope),
    created_at: isoTime,
    last_used_at: isoTime.nullable(),
    revoked_at: isoTime.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof ApiKey>;

/** POST /api-keys: the key with its secret, shown this once. */
export const NewApiKey = ApiKey.extend({ secret: z.string() });
export type NewApiKey = z.infer<typeof NewApiKey>;

export const ApiKeyList = z.object({ keys: z.array(ApiKey) });
export type ApiKeyList = z.infer<typeof ApiKeyList>;
