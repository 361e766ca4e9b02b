import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../contracts/client-protocol.ts';
import { hubName } from '../../contracts/hub-config.ts';
import { TestSession } from '../../test/workers/test-session.ts';
import { call, claimsOf, errorOf, login, newKey, newUser, PASSWORD, type TestUser, type Tokens } from '../../test/workers/test-users.ts';

/**
 * When a credential ends, the sessions it opened end before the answer that
 * ended it (docs/auth.md, "How fast a revocation takes effect"): idle ones
 * too (subscribed to nothing, no ticks, no client frames), on whichever hub
 * holds them, and no session opens with it afterwards, whatever an
 * isolate's cache still believes. The close is sent before the answer; the
 * tests allow its frame a moment to be delivered.
 */
const SIGNED_OUT = 'signed out: the access token this session opened with has ended (logout, password change or a reused refresh token)';
const DELIVERY_MS = 1_000;
const idle = async (query: string) => {
  const session = await TestSession.open('/v2/ws', query);
  await session.nextOf('welcome');
  return session;
};
const viaToken = (tokens: Tokens) => idle(`access_token=${tokens.access_token}`);

/** The session was told why, and closed with the code and the reason. */
async function endedBy(session: TestSession, code: number, reason: string) {
  expect(await session.closedWithin(DELIVERY_MS)).toEqual({ code, reason });
  expect(await session.nextOf('error', 1)).toMatchObject({ code: 'closing', message: reason, close_code: code });
}

async function stillOpen(session: TestSession) {
  session.send({ action: 'ping', id: 'still open' });
  expect(await session.nextOf('pong')).toMatchObject({ id: 'still open' });
}

describe('ended credentials reach idle sessions before the answer', () => {
  it('logout', async () => {
    const user = await newUser();
    const session = await viaToken(user.tokens);
    expect((await call('/auth/logout', { method: 'POST', bearer: user.tokens.access_token })).status).toBe(204);
    await endedBy(session, CloseCode.CREDENTIAL_ENDED, SIGNED_OUT);
  });

  it('password change', async () => {
    const user = await newUser();
    const session = await viaToken(user.tokens);
    const changed = await call('/auth/password', {
      json: { current_password: PASSWORD, new_password: 'another correct horse battery' },
      bearer: user.tokens.access_token,
    });
    expect(changed.status).toBe(200);
    await endedBy(session, CloseCode.CREDENTIAL_ENDED, SIGNED_OUT);
  });

  it('API key revocation', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const session = await idle(`api_key=${key.id}&access_token=${key.secret}`);
    expect((await call(`/api-keys/${key.id}`, { method: 'DELETE', bearer: user.tokens.access_token })).status).toBe(200);
    await endedBy(session, CloseCode.CREDENTIAL_ENDED, `API key ${key.id} was revoked`);
  });

  it('a reused refresh token: the sessions of the user’s access tokens end, its API key’s go on, and the other family refreshes into the new epoch', async () => {
    const user = await newUser();
    const otherDevice = await login(user.email);
    const key = await newKey(user, ['read']);
    const stolen = user.tokens.refresh_token;
    const rotated = await call('/auth/refresh', { json: { refresh_token: stolen } });
    const next = (await rotated.json()) as Tokens;
    const sessions = [await viaToken(user.tokens), await viaToken(next), await viaToken(otherDevice)];
    const viaKey = await idle(`api_key=${key.id}&access_token=${key.secret}`);

    const reused = await call('/auth/refresh', { json: { refresh_token: stolen } });
    expect(reused.status).toBe(401);
    expect(await errorOf(reused)).toMatchObject({ code: 'token_revoked' });
    for (const session of sessions) await endedBy(session, CloseCode.CREDENTIAL_ENDED, SIGNED_OUT);
    await stillOpen(viaKey);
    // The stolen family is dead; the other device's refreshes into the new epoch and opens sessions again.
    expect((await call('/auth/refresh', { json: { refresh_token: next.refresh_token } })).status).toBe(401);
    const refreshed = await call('/auth/refresh', { json: { refresh_token: otherDevice.refresh_token } });
    expect(refreshed.status).toBe(200);
    const again = (await refreshed.json()) as Tokens;
    expect(claimsOf(again.access_token).ver).toBe(claimsOf(otherDevice.access_token).ver + 1);
    (await viaToken(again)).close();
    viaKey.close();
  });
});

describe('ended credentials reach every hub, and later upgrades', () => {
  /** A hub other than the user's under HUB_SHARDS=4: where a worker with another shard count would have put the session. */
  const anotherHub = (user: TestUser) => `hub-${(Number(hubName(user.id, 4).slice(4)) + 1) % 4}`;

  it('closes a session of the user on a hub other than the one its id maps to', async () => {
    const user = await newUser();
    const { ver, exp } = claimsOf(user.tokens.access_token);
    const elsewhere = await TestSession.openAtHub(anotherHub(user), { user: user.id, epoch: ver, expiresAt: exp * 1000 });
    await elsewhere.nextOf('welcome');
    expect((await call('/auth/logout', { method: 'POST', bearer: user.tokens.access_token })).status).toBe(204);
    await endedBy(elsewhere, CloseCode.CREDENTIAL_ENDED, SIGNED_OUT);
  });

  it('refuses an upgrade that an isolate still trusting the ended credential hands over after the answer', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const { ver, exp } = claimsOf(user.tokens.access_token);
    const hub = hubName(user.id, 4);
    expect((await call(`/api-keys/${key.id}`, { method: 'DELETE', bearer: user.tokens.access_token })).status).toBe(200);
    expect((await call('/auth/logout', { method: 'POST', bearer: user.tokens.access_token })).status).toBe(204);

    const byToken = await TestSession.toHub(hub, { user: user.id, epoch: ver, expiresAt: exp * 1000 });
    expect(byToken.status).toBe(401);
    expect(await errorOf(byToken)).toMatchObject({ code: 'token_revoked', message: expect.stringMatching(/^signed out/) });
    const byKey = await TestSession.toHub(hub, { user: user.id, key: key.id });
    expect(byKey.status).toBe(401);
    expect(await errorOf(byKey)).toMatchObject({ code: 'token_revoked', message: expect.stringContaining(`API key ${key.id} was revoked`) });
    // What came after is not ended: a login's new epoch opens sessions.
    (await viaToken(await login(user.email))).close();
  });

  it('remembers it across a restart of the hub', async () => {
    const user = await newUser();
    const { ver } = claimsOf(user.tokens.access_token);
    const hub = hubName(user.id, 4);
    expect((await call('/auth/logout', { method: 'POST', bearer: user.tokens.access_token })).status).toBe(204);
    await env.SESSION_HUB.getByName(hub)
      .restart()
      .catch(() => undefined);
    expect((await TestSession.toHub(hub, { user: user.id, epoch: ver })).status).toBe(401);
  });
});
