import type { Context, MiddlewareHandler } from 'hono';
import type { RouterRoute } from 'hono/types';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { errorResponse } from '../errors.ts';
import { requireMetricsToken } from '../metrics/metrics-auth.ts';
import { requireOriginSecret } from '../origin/link-auth.ts';
import { type AuthFailure, authenticate, failureResponse, isAuthFailure } from './authenticate.ts';
import { type Access, describeAccess, type Principal } from './principal.ts';
import { type Bucket, clientIp, rateLimit } from './rate-limit.ts';

/**
 * Every route states what it needs with `requires(access, { limit })` in
 * its handler chain (or once for an area with `use('*', …)`). The same
 * call enforces it and records it, so routePolicies() can list every
 * registered route with its policy, and a test fails on a route without one.
 *
 * `limit` puts the route under a budget (rate-limit.ts): `api` counts per
 * API key or user (per address without credentials), `auth` per address.
 * Refused credentials count against the address under either. `refused`
 * counts only those: the WebSocket upgrades, whose sessions have limits of
 * their own (per key, per message), but whose guessed keys must run out.
 */
export type Limit = 'api' | 'auth' | 'refused';
export type AuthEnv = { Bindings: Cloudflare.Env; Variables: { principal?: Principal } };
export type Policy = { access: Access; limit?: Limit };

const declared = new WeakMap<object, Policy>();

export function requires(access: Access, options: { limit?: Limit } = {}): MiddlewareHandler<AuthEnv> {
  const policy: Policy = { access, ...options };
  const middleware: MiddlewareHandler<AuthEnv> = async (c, next) => {
    if (access.kind === 'origin') return requireOriginSecret(c, next);
    if (access.kind === 'metrics') return requireMetricsToken(c, next);
    const ip = clientIp(c.req.raw);
    const principal = await principalFor(c, policy);
    if (principal && isAuthFailure(principal)) {
      // Refused credentials count against the address, so guessing keys from one place runs out.
      if (policy.limit && principal.failure !== 'unavailable') {
        const refused = await overBudget(c, policy.limit === 'auth' ? 'auth' : 'ip', `ip:${ip}`);
        if (refused) return refused;
      }
      return failureResponse(principal);
    }
    if (principal) c.set('principal', principal);
    if (policy.limit && policy.limit !== 'refused') {
      const [bucket, identity] = budgetOf(policy.limit, principal, ip);
      const refused = await overBudget(c, bucket, identity);
      if (refused) return refused;
    }
    await next();
  };
  declared.set(middleware, policy);
  return middleware;
}

/** The request's principal; undefined for an anonymous request a public route admits; or why it is refused. */
async function principalFor(c: Context<AuthEnv>, { access, limit }: Policy): Promise<Principal | AuthFailure | undefined> {
  // A public route looks at a credential only to charge the request to it; elsewhere (a refresh
  // that sends an expired access token out of habit, say) the credential is none of its business.
  if (access.kind === 'public' && limit !== 'api') return undefined;
  const result = await authenticate(c.env, c.req.raw, access);
  return access.kind === 'public' && isAuthFailure(result) && result.failure === 'missing' ? undefined : result;
}

function budgetOf(limit: 'api' | 'auth', principal: Principal | undefined, ip: string): [Bucket, string] {
  if (limit === 'auth') return ['auth', `ip:${ip}`];
  if (!principal) return ['ip', `ip:${ip}`];
  return ['api', principal.keyId ? `key:${principal.keyId}` : `user:${principal.userId}`];
}

const WHO: Record<Bucket, string> = { api: 'this API key or user', ip: 'this address', auth: 'this address on the credential routes' };

async function overBudget(c: Context<AuthEnv>, bucket: Bucket, identity: string): Promise<Response | undefined> {
  const config = edgeConfig(c.env);
  const verdict = await rateLimit(config, bucket, identity, (count) => c.executionCtx.waitUntil(count));
  if (verdict.allowed) return undefined;
  c.header('Retry-After', String(verdict.retryAfterS));
  return errorResponse(
    c,
    429,
    'rate_limited',
    `too many requests from ${WHO[bucket]}: at most ${verdict.limit} per ${config.rateLimits.windowS} s; retry in ${verdict.retryAfterS} s`,
  );
}

/** The principal a `requires(…)` before this handler admitted; only routes that need one call this. */
export function principalOf(c: Context<AuthEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new Error(`${c.req.method} ${c.req.path} reads the principal but its policy admits anonymous requests`);
  return principal;
}

export type RoutePolicy = { method: string; path: string; policies: Policy[] };

/**
 * Every route handler registered on `app` with the policies that cover it:
 * the `requires(…)` registered for the same method (or for all) on its own
 * path or on a `/*` path above it. Exactly one is right; none or two is a bug.
 */
export function routePolicies(app: { routes: RouterRoute[] }): RoutePolicy[] {
  const { routes } = app;
  const guards = routes.flatMap((route) => {
    const policy = declared.get(route.handler);
    return policy ? [{ method: route.method, path: route.path, policy }] : [];
  });
  return routes
    .filter((route) => !declared.has(route.handler) && route.handler.length < 2)
    .map(({ method, path }) => ({
      method,
      path,
      policies: guards.filter((g) => (g.method === 'ALL' || g.method === method) && covers(g.path, path)).map((g) => g.policy),
    }));
}

function covers(guard: string, path: string): boolean {
  if (guard === path) return true;
  if (!guard.endsWith('/*')) return false;
  const base = guard.slice(0, -2);
  return path === base || path.startsWith(`${base}/`);
}

export function describePolicy(policy: Policy): string {
  return `${describeAccess(policy.access)}${policy.limit ? ` (limit: ${policy.limit})` : ''}`;
}
