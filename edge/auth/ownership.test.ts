import { describe, expect, it } from 'vitest';
import { call, errorOf, keyAuth, newKey, newUser, PASSWORD, type TestUser } from '../../test/workers/test-users.ts';

/** User A holds a valid session and tries, one resource at a time, to reach what is user B's. */
describe('one user cannot reach another’s', () => {
  const as = (user: TestUser, path: string, method = 'GET') => call(path, { method, bearer: user.tokens.access_token });

  it('API key, to read it: 404, as for a key that does not exist', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const bKey = await newKey(b, ['read']);
    const response = await as(a, `/api-keys/${bKey.id}`);
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toEqual({ code: 'not_found', message: `you have no API key ${bKey.id}` });
    const unknown = `ak_${'0'.repeat(16)}`;
    expect(await errorOf(await as(a, `/api-keys/${unknown}`))).toEqual({ code: 'not_found', message: `you have no API key ${unknown}` });
  });

  it('API keys, in a list: each sees only their own', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const aKey = await newKey(a, ['read']);
    const bKey = await newKey(b, ['alerts']);
    const ids = async (user: TestUser) => ((await (await as(user, '/api-keys')).json()) as { keys: { id: string }[] }).keys.map((k) => k.id);
    expect(await ids(a)).toEqual([aKey.id]);
    expect(await ids(b)).toEqual([bKey.id]);
  });

  it('API key, to revoke it: 404, and the key goes on working for B', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const bKey = await newKey(b, ['read']);
    expect((await as(a, `/api-keys/${bKey.id}`, 'DELETE')).status).toBe(404);
    expect((await call('/auth/me', { method: 'GET', headers: keyAuth(bKey) })).status).toBe(200);
    const shown = (await (await as(b, `/api-keys/${bKey.id}`)).json()) as { revoked_at: string | null };
    expect(shown.revoked_at).toBeNull();
  });

  it('sessions: A changing password or logging out ends only A’s, and A’s token always names A', async () => {
    const [a, b] = [await newUser(), await newUser()];
    expect(((await (await as(a, '/auth/me')).json()) as { id: string }).id).toBe(a.id);
    const changed = await call('/auth/password', {
      bearer: a.tokens.access_token,
      json: { current_password: PASSWORD, new_password: 'another fine password' },
    });
    expect(changed.status).toBe(200);
    expect((await as(b, '/auth/me')).status).toBe(200);
    const { access_token } = (await changed.json()) as { access_token: string };
    expect((await call('/auth/logout', { method: 'POST', bearer: access_token })).status).toBe(204);
    expect((await as(b, '/auth/me')).status).toBe(200);
    expect((await call('/auth/refresh', { json: { refresh_token: b.tokens.refresh_token } })).status).toBe(200);
  });
});
