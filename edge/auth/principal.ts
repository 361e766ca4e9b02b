import type { Role, Scope } from '../../contracts/auth-api.ts';

/**
 * Who a request acts for, and what a route asks of it. One table of what
 * each role may do: a session carries everything its role allows; an API
 * key carries the scopes it was created with, cut down to what its owner's
 * role allows today (a demoted admin's admin-scoped keys lose `admin`).
 */
export { Role, Scope } from '../../contracts/auth-api.ts';

export const SCOPES_OF_ROLE: Record<Role, ReadonlySet<Scope>> = {
  user: new Set(['read', 'alerts']),
  admin: new Set(['read', 'alerts', 'admin']),
};

export type Principal = {
  /** The user's UUID (users.id). */
  userId: string;
  role: Role;
  /** `session`: a user's access token; `api_key`: a program's key. */
  via: 'session' | 'api_key';
  /** The API key's public id, for `via: 'api_key'`. */
  keyId?: string;
  /** The session epoch the access token was issued under, for `via: 'session'`: what a logout ends. */
  epoch?: number;
  /** When the access token expires (ms since the epoch), for `via: 'session'`: when a WebSocket session it opens ends. */
  expiresAt?: number;
  scopes: ReadonlySet<Scope>;
};

/**
 * What a route needs (docs/auth.md has the table of every route's):
 * - `public`: nothing; on a route budgeted per credential (limit `api`)
 *   a credential, if sent, must be valid, and the request is charged to it;
 * - `origin`: the origin's link secret, and nothing else;
 * - `metrics`: the metrics token (METRICS_TOKEN), and nothing else;
 * - `user`: any signed-in principal (access token or API key);
 * - `session`: a user's access token, not an API key;
 * - `scope`: an access token, or an API key with that scope;
 * - `admin`: an admin's access token, or an admin's key with scope `admin`.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'origin' }
  | { kind: 'metrics' }
  | { kind: 'user' }
  | { kind: 'session' }
  | { kind: 'scope'; scope: Scope }
  | { kind: 'admin' };

export const PUBLIC: Access = { kind: 'public' };
export const ORIGIN: Access = { kind: 'origin' };
export const METRICS: Access = { kind: 'metrics' };
export const USER: Access = { kind: 'user' };
export const SESSION: Access = { kind: 'session' };
export const ADMIN: Access = { kind: 'admin' };
export const scope = (needed: Scope): Access => ({ kind: 'scope', scope: needed });

export function describeAccess(access: Access): string {
  return access.kind === 'scope' ? `scope:${access.scope}` : access.kind;
}

/** Why `principal` may not do what `access` needs, or undefined when it may. */
export function shortfall(principal: Principal, access: Access): string | undefined {
  switch (access.kind) {
    case 'public':
    case 'user':
      return undefined;
    case 'origin':
      return 'this route is the origin’s link: only the origin link secret opens it';
    case 'metrics':
      return 'this route is for the metrics scraper: only the metrics token opens it';
    case 'session':
      return principal.via === 'session' ? undefined : 'this route needs a user’s access token (log in); an API key cannot use it';
    case 'scope':
      if (principal.scopes.has(access.scope)) return undefined;
      return `this route needs scope ${access.scope}; this ${principal.via === 'api_key' ? 'API key' : 'session'} has ${[...principal.scopes].join(', ')}`;
    case 'admin':
      if (principal.role === 'admin' && principal.scopes.has('admin')) return undefined;
      return principal.role === 'admin' ? 'this route needs an API key with scope admin, or an admin’s access token' : 'this route is for admins';
  }
}
