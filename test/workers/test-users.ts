import { env } from 'cloudflare:workers';
import { sign } from 'hono/jwt';
import { ErrorBody } from '../../contracts/errors.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import type { Scope } from '../../edge/auth/principal.ts';
import { openDatabase } from '../../storage/database.ts';
import { fetchEdge, fetchEdgeWith } from './documented.ts';

/**
 * Users, keys and requests as the workers tests make them: through the
 * worker's own routes, each test from a client address of its own (so one
 * test's failed logins and budgets never reach another's).
 */
export const EDGE = 'http://edge.test';
export const PASSWORD = 'correct horse battery staple';

export type CallInit = RequestInit & { ip?: string; bearer?: string; json?: unknown };

/**
 * A fresh client address, from 2001:db8::/32 (set aside for documentation, never a real client), with 64 random bits:
 * every request of every runtime draws one, and they share the rate limits in Redis. The 65,536 addresses of 198.18.0.0/15
 * drawn before are few enough to meet again within a run, when a test of a budget of two would count another's request.
 */
export function newIp(): string {
  const words = [...crypto.getRandomValues(new Uint16Array(4))].map((word) => word.toString(16));
  return `2001:db8:${words.join(':')}::1`;
}

function request(path: string, init: CallInit): Request {
  const { ip, bearer, json, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set('CF-Connecting-IP', ip ?? newIp());
  if (bearer !== undefined) headers.set('Authorization', `Bearer ${bearer}`);
  if (json !== undefined) headers.set('Content-Type', 'application/json');
  return new Request(`${EDGE}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? 'POST' } : {}) });
}

/** A request to the worker as deployed for the tests. */
export function call(path: string, init: CallInit = {}): Promise<Response> {
  return fetchEdge(request(path, init));
}

/** A request to the worker with some variables replaced, as a differently configured deployment would see it. */
export async function callWith(overrides: Record<string, string | undefined>, path: string, init: CallInit = {}): Promise<Response> {
  return fetchEdgeWith(overrides, request(path, init));
}

export const errorOf = async (response: Response) => ErrorBody.parse(await response.json()).error;

/** A statement on the test database, within the worker's query deadline unless `timeoutMs` says otherwise. */
export async function sql<T extends Record<string, unknown>>(text: string, values: unknown[] = [], timeoutMs?: number): Promise<T[]> {
  const config = edgeConfig(env);
  return (await openDatabase(config.database, timeoutMs ?? config.queryTimeoutMs).query<T>(text, values)).rows;
}

export type Tokens = {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in: number;
  token_type: string;
  user: { id: string; email: string; role: string };
};
export type TestUser = { id: string; email: string; ip: string; tokens: Tokens };

export async function login(email: string, password = PASSWORD, ip = newIp(), overrides: Record<string, string | undefined> = {}): Promise<Tokens> {
  const response = await callWith(overrides, '/auth/login', { json: { email, password }, ip });
  if (response.status !== 200) throw new Error(`login of ${email} failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Tokens;
}

/** A registered, logged-in user (an admin when asked: promoted in SQL, as `npm run users -- promote` does). */
export function newUser(options: { admin?: boolean } = {}): Promise<TestUser> {
  return newUserWith({}, async (email) => {
    if (options.admin) await sql("UPDATE users SET role = 'admin' WHERE email = $1", [email]);
  });
}

/** A registered, logged-in user of a differently configured deployment (its own database, say). */
export async function newUserWith(overrides: Record<string, string | undefined>, beforeLogin?: (email: string) => Promise<void>): Promise<TestUser> {
  const email = `user-${crypto.randomUUID()}@example.test`;
  const ip = newIp();
  const registered = await callWith(overrides, '/auth/register', { json: { email, password: PASSWORD }, ip });
  if (registered.status !== 202) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  await beforeLogin?.(email);
  const tokens = await login(email, PASSWORD, ip, overrides);
  return { id: tokens.user.id, email, ip, tokens };
}

export type TestKey = { id: string; secret: string; scopes: Scope[] };

export async function newKey(user: TestUser, scopes: Scope[], name = 'test program'): Promise<TestKey> {
  const response = await call('/api-keys', { json: { name, scopes }, bearer: user.tokens.access_token });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as TestKey;
}

export const keyAuth = (key: TestKey) => ({ Authorization: `token ${key.id}:${key.secret}` });

/** An access token signed with the tests' real key, with whatever claims a test needs (an expired one, say). */
export async function signAccessToken(claims: Record<string, unknown>, secret = env.AUTH_JWT_SECRET ?? ''): Promise<string> {
  return sign(claims, secret, 'HS256');
}

export type AccessClaims = { sub: string; ver: number; iat: number; exp: number };

/** What an access token says (not verified: the tests' own tokens). */
export function claimsOf(token: string): AccessClaims {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as AccessClaims;
}

/** A valid access token of the user's current session epoch that expires `seconds` from now (a JWT's `exp` is whole seconds). */
export async function accessTokenFor(user: TestUser, seconds: number, tokens = user.tokens): Promise<{ token: string; expiresAt: number }> {
  const { sub, ver } = claimsOf(tokens.access_token);
  const now = Math.floor(Date.now() / 1000);
  const exp = now + seconds;
  return { token: await signAccessToken({ sub, ver, iat: now, exp }), expiresAt: exp * 1000 };
}
