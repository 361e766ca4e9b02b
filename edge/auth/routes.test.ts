import { describe, expect, it } from 'vitest';
import { call, callWith, errorOf, login, newIp, newUser, PASSWORD, signAccessToken, sql, type Tokens } from '../../test/workers/test-users.ts';
import { base64url } from './secrets.ts';

const me = (access: string) => call('/auth/me', { bearer: access, method: 'GET' });

describe('register', () => {
  it('answers 202 with one and the same body for a new and an already registered e-mail, changing nothing for the latter', async () => {
    const email = `twice-${crypto.randomUUID()}@example.test`;
    const first = await call('/auth/register', { json: { email, password: PASSWORD } });
    const second = await call('/auth/register', { json: { email, password: 'another password entirely' } });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(await second.json()).toEqual(await first.json());
    // The first password still holds; the second registration did not take over the account.
    expect((await login(email)).user.email).toBe(email);
    expect((await call('/auth/login', { json: { email, password: 'another password entirely' } })).status).toBe(401);
  });

  it('stores the e-mail as typed but normalised, and the password only as a PBKDF2 string with its parameters', async () => {
    const local = `Mixed-${crypto.randomUUID()}`;
    expect((await call('/auth/register', { json: { email: `  ${local}@Example.TEST `, password: PASSWORD } })).status).toBe(202);
    const [row] = await sql<{ email: string; password_hash: string }>('SELECT email, password_hash FROM users WHERE email = $1', [
      `${local.toLowerCase()}@example.test`,
    ]);
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/);
    expect(row?.password_hash).not.toContain(PASSWORD);
    expect((await login(`${local}@EXAMPLE.test`)).user.email).toBe(`${local.toLowerCase()}@example.test`);
  });

  it('raises a password hashed with weaker parameters to today’s at the next login', async () => {
    const user = await newUser();
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(PASSWORD), 'PBKDF2', false, ['deriveBits']);
    const hash = new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 1000 }, key, 256));
    await sql('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, `pbkdf2-sha256$1000$${base64url(salt)}$${base64url(hash)}`]);
    expect((await login(user.email)).user.id).toBe(user.id);
    const [row] = await sql<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [user.id]);
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect((await login(user.email)).user.id).toBe(user.id);
  });

  it('refuses a malformed body with 400 naming the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ email: 'not-an-address', password: PASSWORD }, 'email', /e-mail/],
      [{ email: 'a@example.test', password: 'short' }, 'password', /at least 10/],
      [{ email: 'a@example.test' }, 'password', /string/],
      [{ email: 'a@example.test', password: PASSWORD, role: 'admin' }, 'role', /unknown field/],
      // Issue 21, defect 12: long enough, and guessed at once.
      [{ email: 'a@example.test', password: 'aaaaaaaaaa' }, 'password', /repeats a character/],
      [{ email: 'a@example.test', password: ' '.repeat(10) }, 'password', /repeats a character/],
      [{ email: 'someone.special@example.test', password: 'someone.special@example.test' }, 'password', /contains your e-mail address/],
      [{ email: 'a@example.test', password: 'password123' }, 'password', /commonly used password/],
      [{ email: 'a@example.test', password: 'qwertyuiop' }, 'password', /most common passwords|keys on the keyboard/],
    ];
    for (const [json, param, message] of cases) {
      const response = await call('/auth/register', { json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      const problem = await errorOf(response);
      expect(problem).toMatchObject({ code: 'invalid_parameter', param });
      expect(problem.message).toMatch(message);
    }
  });
});

describe('login and me', () => {
  it('gives an access and a refresh token, and /auth/me says who they belong to', async () => {
    const user = await newUser();
    expect(user.tokens).toMatchObject({ token_type: 'Bearer', expires_in: 900, refresh_expires_in: 2_592_000, user: { email: user.email, role: 'user' } });
    expect(user.tokens.refresh_token).toMatch(/^rt_/);
    const response = await me(user.tokens.access_token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: user.id,
      email: user.email,
      role: 'user',
      created_at: expect.any(String),
      via: 'session',
      scopes: ['read', 'alerts'],
    });
  });

  it('answers a wrong password and an unknown e-mail alike: 401 invalid_credentials with WWW-Authenticate', async () => {
    const user = await newUser();
    const wrong = await call('/auth/login', { json: { email: user.email, password: 'not the password' } });
    const unknown = await call('/auth/login', { json: { email: `nobody-${crypto.randomUUID()}@example.test`, password: 'not the password' } });
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
    }
    expect(await errorOf(wrong)).toEqual({ code: 'invalid_credentials', message: 'wrong e-mail or password' });
    expect(await errorOf(unknown)).toEqual(await errorOf(await call('/auth/login', { json: { email: user.email, password: 'still not it' } })));
  });

  it('answers /auth/me without a credential with 401 and the schemes it takes', async () => {
    const response = await call('/auth/me', { method: 'GET' });
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="kite-edge", token realm="kite-edge"');
    expect((await errorOf(response)).code).toBe('unauthorized');
  });

  it('answers 503 naming AUTH_JWT_SECRET when the deployment has none', async () => {
    const response = await callWith({ AUTH_JWT_SECRET: undefined }, '/auth/login', { json: { email: 'a@example.test', password: PASSWORD } });
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({
      code: 'config_invalid',
      problems: [{ variable: 'AUTH_JWT_SECRET', problem: expect.stringContaining('not set') }],
    });
  });
});

describe('refresh', () => {
  const refresh = (refresh_token: string) => call('/auth/refresh', { json: { refresh_token } });

  it('trades a refresh token for new tokens once; the new ones work', async () => {
    const user = await newUser();
    const response = await refresh(user.tokens.refresh_token);
    expect(response.status).toBe(200);
    const next = (await response.json()) as Tokens;
    expect(next.refresh_token).not.toBe(user.tokens.refresh_token);
    expect((await me(next.access_token)).status).toBe(200);
    expect((await refresh(next.refresh_token)).status).toBe(200);
  });

  it('treats reuse of a spent refresh token as theft: refused, the whole family with it, and the access tokens already issued', async () => {
    const user = await newUser();
    const otherFamily = await login(user.email);
    const next = (await (await refresh(user.tokens.refresh_token)).json()) as Tokens;
    const reused = await refresh(user.tokens.refresh_token);
    expect(reused.status).toBe(401);
    expect(await errorOf(reused)).toMatchObject({ code: 'token_revoked' });
    // The thief's successor dies too, whichever side held it, and so do the access tokens issued until now.
    const successor = await refresh(next.refresh_token);
    expect(successor.status).toBe(401);
    expect((await errorOf(successor)).code).toBe('token_revoked');
    for (const access of [user.tokens.access_token, next.access_token, otherFamily.access_token]) {
      expect((await errorOf(await me(access))).code).toBe('token_revoked');
    }
    // Another session of the same user (its own family) refreshes into working tokens.
    const refreshed = await refresh(otherFamily.refresh_token);
    expect(refreshed.status).toBe(200);
    expect((await me(((await refreshed.json()) as Tokens).access_token)).status).toBe(200);
  });

  it('does not mind an expired access token sent along out of habit', async () => {
    const user = await newUser();
    const expired = await signAccessToken({ sub: user.id, ver: 0, iat: 1, exp: 2 });
    const response = await call('/auth/refresh', { json: { refresh_token: user.tokens.refresh_token }, bearer: expired });
    expect(response.status).toBe(200);
  });

  it('refuses an unknown refresh token with 401 and a malformed one with 400', async () => {
    const unknown = await refresh(`rt_${'A'.repeat(43)}`);
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe('unauthorized');
    const malformed = await refresh('eyJhbGciOi.not-a-refresh.token');
    expect(malformed.status).toBe(400);
    expect(await errorOf(malformed)).toMatchObject({ code: 'invalid_parameter', param: 'refresh_token' });
  });

  it('refuses an expired refresh token with token_expired', async () => {
    const user = await newUser();
    await sql("UPDATE refresh_tokens SET issued_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE user_id = $1", [user.id]);
    const response = await refresh(user.tokens.refresh_token);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe('token_expired');
  });
});

describe('logout', () => {
  it('ends every session of the user: access tokens and refresh tokens of each are refused', async () => {
    const user = await newUser();
    const other = await login(user.email);
    const response = await call('/auth/logout', { bearer: user.tokens.access_token, method: 'POST' });
    expect(response.status).toBe(204);
    for (const tokens of [user.tokens, other]) {
      const access = await me(tokens.access_token);
      expect(access.status).toBe(401);
      expect(await errorOf(access)).toMatchObject({ code: 'token_revoked' });
      expect(access.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
      const refreshed = await call('/auth/refresh', { json: { refresh_token: tokens.refresh_token } });
      expect((await errorOf(refreshed)).code).toBe('token_revoked');
    }
    // Logging in again starts afresh.
    expect((await me((await login(user.email)).access_token)).status).toBe(200);
  });
});

describe('password change', () => {
  const change = (access: string, json: unknown, ip = newIp()) => call('/auth/password', { bearer: access, json, ip });

  it('needs the current password: a wrong one is 403 and changes nothing', async () => {
    const user = await newUser();
    const response = await change(user.tokens.access_token, { current_password: 'not the password', new_password: 'a brand new password' });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe('invalid_credentials');
    expect((await me(user.tokens.access_token)).status).toBe(200);
    expect((await login(user.email)).user.id).toBe(user.id);
  });

  it('changes it, ends every other session, and keeps this client signed in with new tokens', async () => {
    const user = await newUser();
    const other = await login(user.email);
    const response = await change(user.tokens.access_token, { current_password: PASSWORD, new_password: 'a brand new password' });
    expect(response.status).toBe(200);
    const fresh = (await response.json()) as Tokens;
    expect((await me(fresh.access_token)).status).toBe(200);
    for (const old of [user.tokens.access_token, other.access_token]) expect((await errorOf(await me(old))).code).toBe('token_revoked');
    expect((await call('/auth/login', { json: { email: user.email, password: PASSWORD } })).status).toBe(401);
    expect((await login(user.email, 'a brand new password')).user.id).toBe(user.id);
  });

  it('refuses a new password that breaks the rules, naming the field', async () => {
    const user = await newUser();
    const response = await change(user.tokens.access_token, { current_password: PASSWORD, new_password: 'short' });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_parameter', param: 'new_password' });
    // The account's own e-mail is no password either.
    const own = await change(user.tokens.access_token, { current_password: PASSWORD, new_password: user.email });
    expect(own.status).toBe(400);
    expect(await errorOf(own)).toMatchObject({ param: 'new_password', message: expect.stringMatching(/contains your e-mail address/) });
  });
});
