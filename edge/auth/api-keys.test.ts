import { describe, expect, it } from 'vitest';
import { call, errorOf, keyAuth, newKey, newUser, sql, type TestKey } from '../../test/workers/test-users.ts';
import { MAX_ACTIVE_KEYS } from './api-key-routes.ts';
import { digest } from './secrets.ts';

const meWith = (key: TestKey) => call('/auth/me', { method: 'GET', headers: keyAuth(key) });

describe('API keys', () => {
  it('are shown once with their secret, then listed without it; the database holds only the secret’s digest', async () => {
    const user = await newUser();
    const created = await call('/api-keys', { json: { name: 'my bot', scopes: ['read', 'alerts'] }, bearer: user.tokens.access_token });
    expect(created.status).toBe(201);
    const key = (await created.json()) as TestKey & Record<string, unknown>;
    expect(key).toEqual({
      id: expect.stringMatching(/^ak_[0-9a-f]{16}$/),
      name: 'my bot',
      scopes: ['read', 'alerts'],
      created_at: expect.any(String),
      last_used_at: null,
      revoked_at: null,
      secret: expect.stringMatching(/^sk_[\w-]{43}$/),
    });
    const listed = (await (await call('/api-keys', { method: 'GET', bearer: user.tokens.access_token })).json()) as { keys: Record<string, unknown>[] };
    const { secret: _secret, ...withoutSecret } = key;
    expect(listed.keys).toEqual([withoutSecret]);
    const [row] = await sql<{ secret_hash: string }>('SELECT secret_hash FROM api_keys WHERE id = $1', [key.id]);
    expect(row?.secret_hash).toBe(await digest(key.secret));
  });

  it('let a program act as its owner with the key’s scopes, and record when it was last used', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const response = await meWith(key);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: user.id, via: 'api_key', key_id: key.id, scopes: ['read'] });
    const shown = (await (await call(`/api-keys/${key.id}`, { method: 'GET', bearer: user.tokens.access_token })).json()) as { last_used_at: string | null };
    expect(Date.now() - Date.parse(shown.last_used_at ?? '')).toBeLessThan(60_000);
  });

  it('refuse a wrong secret for a real key id, without locking the real secret out', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const wrong = await meWith({ ...key, secret: `sk_${'x'.repeat(43)}` });
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toEqual({ code: 'unauthorized', message: 'no such API key, or the secret is not its secret' });
    expect((await meWith(key)).status).toBe(200);
  });

  it('refuse a key without the scope a route needs with 403: a read key of an admin on the admin routes', async () => {
    const admin = await newUser({ admin: true });
    const readOnly = await newKey(admin, ['read']);
    const response = await call('/internal/feed', { method: 'GET', headers: keyAuth(readOnly) });
    expect(response.status).toBe(403);
    expect(response.headers.get('WWW-Authenticate')).toContain('error="insufficient_scope"');
    expect(await errorOf(response)).toMatchObject({ code: 'forbidden', message: expect.stringContaining('scope admin') });
    expect((await call('/internal/feed', { method: 'GET', headers: keyAuth(await newKey(admin, ['admin'])) })).status).toBe(200);
  });

  it('cannot be given more than the owner’s role allows', async () => {
    const user = await newUser();
    const response = await call('/api-keys', { json: { name: 'sneaky', scopes: ['read', 'admin'] }, bearer: user.tokens.access_token });
    expect(response.status).toBe(403);
    expect(await errorOf(response)).toMatchObject({ code: 'forbidden', message: expect.stringContaining('scope admin') });
  });

  it('cannot mint or manage keys themselves: /api-keys takes a user’s session only', async () => {
    const admin = await newUser({ admin: true });
    const key = await newKey(admin, ['read', 'alerts', 'admin']);
    for (const [path, method] of [
      ['/api-keys', 'GET'],
      [`/api-keys/${key.id}`, 'DELETE'],
    ] as const) {
      const response = await call(path, { method, headers: keyAuth(key) });
      expect(response.status).toBe(403);
      expect((await errorOf(response)).message).toMatch(/access token/);
    }
    const minted = await call('/api-keys', { json: { name: 'child', scopes: ['read'] }, headers: keyAuth(key) });
    expect(minted.status).toBe(403);
  });

  it('stop working once revoked, which the list shows; revoking again changes nothing', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    expect((await meWith(key)).status).toBe(200);
    const revoked = await call(`/api-keys/${key.id}`, { method: 'DELETE', bearer: user.tokens.access_token });
    expect(revoked.status).toBe(200);
    const view = (await revoked.json()) as { revoked_at: string };
    expect(view.revoked_at).toEqual(expect.any(String));
    const refused = await meWith(key);
    expect(refused.status).toBe(401);
    expect(await errorOf(refused)).toMatchObject({ code: 'token_revoked' });
    const again = (await (await call(`/api-keys/${key.id}`, { method: 'DELETE', bearer: user.tokens.access_token })).json()) as { revoked_at: string };
    expect(again.revoked_at).toBe(view.revoked_at);
  });

  it('lose the admin scope when their owner is no longer an admin', async () => {
    const admin = await newUser({ admin: true });
    const key = await newKey(admin, ['read', 'admin']);
    await sql("UPDATE users SET role = 'user' WHERE id = $1", [admin.id]);
    // (Unused until now, so nothing cached it: a key in use sees a demotion within AUTH_CACHE_TTL_MS.)
    expect((await call('/internal/feed', { method: 'GET', headers: keyAuth(key) })).status).toBe(403);
    expect(await (await meWith(key)).json()).toMatchObject({ role: 'user', scopes: ['read'] });
  });

  it('refuse malformed requests with 400 naming the field', async () => {
    const user = await newUser();
    const cases: [unknown, string][] = [
      [{ name: '', scopes: ['read'] }, 'name'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: 'x', scopes: ['trade'] }, 'scopes.0'],
      [{ name: 'x', scopes: ['read', 'read'] }, 'scopes'],
      [{ name: 'x', scopes: ['read'], secret: 'mine' }, 'secret'],
    ];
    for (const [json, param] of cases) {
      const response = await call('/api-keys', { json, bearer: user.tokens.access_token });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: 'invalid_parameter', param });
    }
    const badId = await call('/api-keys/not-a-key', { method: 'GET', bearer: user.tokens.access_token });
    expect(await errorOf(badId)).toMatchObject({ code: 'invalid_parameter', param: 'id' });
  });

  it('refuse a name Postgres cannot store, naming it, and keep a name with any real character exactly as given', async () => {
    const user = await newUser();
    const refused: [string, string][] = [
      ['bot\u0000one', 'must not contain the NUL character (U+0000)'],
      ['bot \ud83d', 'must not contain a lone surrogate'],
      ['\udca9 bot', 'must not contain a lone surrogate'],
    ];
    for (const [name, message] of refused) {
      const response = await call('/api-keys', { json: { name, scopes: ['read'] }, bearer: user.tokens.access_token });
      expect(response.status, JSON.stringify(name)).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: 'invalid_parameter', param: 'name', message: expect.stringContaining(message) });
    }
    const created = await call('/api-keys', { json: { name: 'bot 💩 €', scopes: ['read'] }, bearer: user.tokens.access_token });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'bot 💩 €' });
    const path = await call('/api-keys/ak_%00', { method: 'DELETE', bearer: user.tokens.access_token });
    expect(await errorOf(path)).toMatchObject({ code: 'invalid_parameter', param: 'id', message: expect.stringContaining('NUL') });
  });

  it(`are limited to ${MAX_ACTIVE_KEYS} active ones per user; revoking one makes room`, async () => {
    const user = await newUser();
    const keys = await Promise.all(Array.from({ length: MAX_ACTIVE_KEYS }, (_, i) => newKey(user, ['read'], `bot ${i}`)));
    const over = await call('/api-keys', { json: { name: 'one too many', scopes: ['read'] }, bearer: user.tokens.access_token });
    expect(over.status).toBe(409);
    expect((await errorOf(over)).code).toBe('limit_exceeded');
    await call(`/api-keys/${keys[0]?.id}`, { method: 'DELETE', bearer: user.tokens.access_token });
    expect((await call('/api-keys', { json: { name: 'fits now', scopes: ['read'] }, bearer: user.tokens.access_token })).status).toBe(201);
  });
});
