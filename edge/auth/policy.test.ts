import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { call, errorOf, newUser } from '../../test/workers/test-users.ts';
import { createApp } from '../app.ts';
import { describePolicy, requires, routePolicies } from './policy.ts';
import { ADMIN, PUBLIC, SESSION } from './principal.ts';

describe('route policies', () => {
  const app = createApp();
  const table = routePolicies(app);

  it('cover every registered route with exactly one declared policy', () => {
    expect(table.length).toBeGreaterThan(15);
    const wrong = table.filter((route) => route.policies.length !== 1).map((r) => `${r.method} ${r.path}: ${r.policies.length} policies`);
    expect(wrong).toEqual([]);
  });

  it('give each area the access it was designed with', () => {
    const policyOf = (method: string, path: string) => {
      const route = table.find((r) => r.method === method && r.path === path);
      return route?.policies.map(describePolicy).join();
    };
    expect(policyOf('GET', '/health')).toBe('public');
    expect(policyOf('GET', '/instruments/list')).toBe('public (limit: api)');
    expect(policyOf('POST', '/auth/login')).toBe('public (limit: auth)');
    expect(policyOf('GET', '/auth/me')).toBe('user (limit: api)');
    expect(policyOf('POST', '/auth/logout')).toBe('session (limit: api)');
    expect(policyOf('POST', '/api-keys')).toBe('session (limit: api)');
    expect(policyOf('GET', '/watchlists/:id')).toBe('scope:read (limit: api)');
    expect(policyOf('PUT', '/watchlists/:id/instruments')).toBe('session (limit: api)');
    expect(policyOf('GET', '/origin/feed')).toBe('origin');
    expect(policyOf('GET', '/metrics')).toBe('metrics');
    expect(policyOf('POST', '/internal/groups/:group/restart')).toBe('admin');
  });

  it('find a route that declares nothing, and one that declares twice', () => {
    const sloppy = new Hono();
    sloppy.get('/forgotten', (c) => c.text('oops'));
    sloppy.use('/twice/*', requires(PUBLIC));
    sloppy.get('/twice/x', requires(SESSION), (c) => c.text('which?'));
    sloppy.get('/fine', requires(ADMIN), (c) => c.text('ok'));
    expect(routePolicies(sloppy).map((r) => [r.path, r.policies.length])).toEqual([
      ['/forgotten', 0],
      ['/twice/x', 2],
      ['/fine', 1],
    ]);
  });
});

describe('the origin’s link and the operator routes', () => {
  it('/origin refuses a user’s access token, even an admin’s: only the link secret opens it', async () => {
    const admin = await newUser({ admin: true });
    const response = await call('/origin/feed', { method: 'GET', bearer: admin.tokens.access_token, headers: { Upgrade: 'websocket' } });
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('not the origin link secret') });
  });

  it('/internal answers 401 without credentials, 403 to a user, and serves an admin', async () => {
    const none = await call('/internal/feed', { method: 'GET' });
    expect(none.status).toBe(401);
    expect(none.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="kite-edge"/);
    const user = await newUser();
    const asUser = await call('/internal/feed', { method: 'GET', bearer: user.tokens.access_token });
    expect(asUser.status).toBe(403);
    expect(await errorOf(asUser)).toEqual({ code: 'forbidden', message: 'this route is for admins' });
    const admin = await newUser({ admin: true });
    expect((await call('/internal/feed', { method: 'GET', bearer: admin.tokens.access_token })).status).toBe(200);
  });
});
