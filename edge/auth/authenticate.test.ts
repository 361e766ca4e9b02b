import { env } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import { call, claimsOf, EDGE, errorOf, keyAuth, newKey, newUser, signAccessToken, sql } from '../../test/workers/test-users.ts';
import { type AuthFailure, authenticate, failureResponse, isAuthFailure, type Principal } from './authenticate.ts';
import { scope } from './principal.ts';

const me = (access: string) => call('/auth/me', { bearer: access, method: 'GET' });
const now = () => Math.floor(Date.now() / 1000);

async function who(init: RequestInit, path = '/v2/ws'): Promise<Principal | AuthFailure> {
  return authenticate(env, new Request(`${EDGE}${path}`, init));
}

describe('access tokens', () => {
  it('refuses an expired one with 401 token_expired, telling the client to refresh', async () => {
    const user = await newUser();
    const expired = await signAccessToken({ sub: user.id, ver: 0, iat: now() - 1000, exp: now() - 10 });
    const response = await me(expired);
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: 'token_expired', message: expect.stringContaining('refresh') });
    expect(response.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a tampered one: another user put in the payload, or the signature changed', async () => {
    const [victim, attacker] = [await newUser(), await newUser()];
    const [header, payload, signature] = attacker.tokens.access_token.split('.');
    const claims = JSON.parse(atob((payload ?? '').replace(/-/g, '+').replace(/_/g, '/')));
    const forged = btoa(JSON.stringify({ ...claims, sub: victim.id }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    const flipped = `${signature?.slice(0, -2)}${signature?.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const token of [`${header}.${forged}.${signature}`, `${header}.${payload}.${flipped}`]) {
      const response = await me(token);
      expect(response.status).toBe(401);
      expect(await errorOf(response)).toEqual({ code: 'unauthorized', message: 'the access token is not one this platform signed' });
    }
  });

  it('refuses one signed with another key, or with alg none', async () => {
    const user = await newUser();
    const claims = { sub: user.id, ver: 0, iat: now(), exp: now() + 600 };
    const otherKey = await signAccessToken(claims, 'some-other-deployment-secret-0123456789');
    const unsigned = `${btoa(JSON.stringify({ alg: 'none', typ: 'JWT' })).replace(/=+$/, '')}.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.x`;
    for (const token of [otherKey, unsigned]) expect((await errorOf(await me(token))).code).toBe('unauthorized');
    // The same claims under the right key pass: the refusals above were about the signature.
    expect((await me(await signAccessToken(claims))).status).toBe(200);
  });

  it('refuses one of a session that ended (revoked) and one of a user who no longer exists', async () => {
    const user = await newUser();
    const stale = await signAccessToken({ sub: user.id, ver: 0, iat: now(), exp: now() + 600 });
    await call('/auth/logout', { bearer: user.tokens.access_token, method: 'POST' });
    expect((await errorOf(await me(stale))).code).toBe('token_revoked');

    const gone = await newUser();
    await sql('DELETE FROM users WHERE id = $1', [gone.id]);
    expect((await errorOf(await me(gone.tokens.access_token))).code).toBe('token_revoked');
  });

  it('refuses a malformed Authorization header, naming the forms it takes', async () => {
    for (const header of ['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer not-a-jwt', 'token ak_0123456789abcdef']) {
      const response = await call('/auth/me', { method: 'GET', headers: { Authorization: header } });
      expect(response.status, header).toBe(401);
      expect((await errorOf(response)).code).toBe('unauthorized');
    }
  });
});

describe('authenticate(): the credential forms WebSocket routes take', () => {
  it('reads an access token from the header, the query of an upgrade, or a bearer. subprotocol', async () => {
    const user = await newUser();
    const token = user.tokens.access_token;
    const upgrade = { Upgrade: 'websocket' };
    const forms: [string, RequestInit, string?][] = [
      ['header', { headers: { Authorization: `Bearer ${token}` } }],
      ['query', { headers: upgrade }, `/v2/ws?access_token=${token}`],
      ['subprotocol', { headers: { ...upgrade, 'Sec-WebSocket-Protocol': `kite-edge.v2, bearer.${token}` } }],
    ];
    for (const [form, init, path] of forms) {
      expect(await who(init, path), form).toEqual({
        userId: user.id,
        role: 'user',
        via: 'session',
        epoch: expect.any(Number),
        expiresAt: claimsOf(token).exp * 1000,
        scopes: new Set(['read', 'alerts']),
      });
    }
  });

  it('reads an API key from Kite’s header, Kite’s ticker query, or an apikey. subprotocol', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const upgrade = { Upgrade: 'websocket' };
    const forms: [string, RequestInit, string?][] = [
      ['header', { headers: { Authorization: `token ${key.id}:${key.secret}` } }],
      ['query', { headers: upgrade }, `/kite/ws?api_key=${key.id}&access_token=${key.secret}`],
      ['subprotocol', { headers: { ...upgrade, 'Sec-WebSocket-Protocol': `apikey.${key.id}.${key.secret}` } }],
    ];
    for (const [form, init, path] of forms) {
      expect(await who(init, path), form).toEqual({ userId: user.id, role: 'user', via: 'api_key', keyId: key.id, scopes: new Set(['read']) });
    }
  });

  it('ignores credentials in the query of a plain HTTP request (they would end up in logs)', async () => {
    const user = await newUser();
    expect(await who({}, `/auth/me?access_token=${user.tokens.access_token}`)).toMatchObject({ failure: 'missing' });
  });

  it('says forbidden, with the scope, when the principal lacks what the caller needs, and answers it with 403', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const result = await authenticate(env, new Request(`${EDGE}/x`, { headers: { Authorization: `token ${key.id}:${key.secret}` } }), scope('alerts'));
    expect(result).toMatchObject({ failure: 'forbidden', scope: 'alerts', message: expect.stringContaining('scope alerts') });
    if (!isAuthFailure(result)) throw new Error('expected a failure');
    const response = failureResponse(result);
    expect(response.status).toBe(403);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="kite-edge", error="insufficient_scope", scope="alerts"');
    expect(await errorOf(response)).toMatchObject({ code: 'forbidden' });
  });

  it('says unavailable, naming the variable, when the worker cannot check an access token', async () => {
    const user = await newUser();
    const result = await authenticate(
      { ...env, AUTH_JWT_SECRET: undefined },
      new Request(`${EDGE}/x`, { headers: { Authorization: `Bearer ${user.tokens.access_token}` } }),
    );
    expect(result).toMatchObject({ failure: 'unavailable', problems: [{ variable: 'AUTH_JWT_SECRET' }] });
    if (!isAuthFailure(result)) throw new Error('expected a failure');
    expect(failureResponse(result).status).toBe(503);
  });
});

describe('a Postgres outage', () => {
  // Issue 21, defect 13: once the auth cache lapsed, every authenticated request failed while Postgres was down.
  const verifyWith = (overrides: Record<string, string>, headers: Record<string, string>) =>
    authenticate({ ...env, AUTH_CACHE_TTL_MS: '0', ...overrides }, new Request(`${EDGE}/v2/ws`, { headers }));
  const down = { DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${inject('deadPort')}/kite_edge`, QUERY_TIMEOUT_MS: '500' };

  it('keeps serving a key and a session verified before it, within AUTH_OUTAGE_GRACE_MS', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const bearer = { Authorization: `Bearer ${user.tokens.access_token}` };
    for (const headers of [keyAuth(key), bearer]) {
      expect(isAuthFailure(await verifyWith({}, headers))).toBe(false);
      expect(await verifyWith(down, headers)).toMatchObject({ userId: user.id });
    }
  });

  it('refuses what this isolate never verified, and everything once the grace is 0', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    expect(await verifyWith(down, keyAuth(key))).toMatchObject({ failure: 'unavailable' });
    expect(isAuthFailure(await verifyWith({}, keyAuth(key)))).toBe(false);
    expect(await verifyWith({ ...down, AUTH_OUTAGE_GRACE_MS: '0' }, keyAuth(key))).toMatchObject({ failure: 'unavailable' });
  });
});
