import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CloseCode } from '../../contracts/client-protocol.ts';
import { hubName } from '../../contracts/hub-config.ts';
import { originOf } from '../../test/workers/test-origin.ts';
import { fullPacket, instrumentsOfOneGroup, type TestInstrument, TestSession } from '../../test/workers/test-session.ts';
import { accessTokenFor, call, newKey, newUser, PASSWORD, type TestUser } from '../../test/workers/test-users.ts';

/**
 * The lifetime of the tokens these tests wait out: long enough to open a session on a loaded machine (a full run once took
 * over 2 s from minting to the upgrade), short enough to wait out; and how long after it a session must have been told.
 */
const SHORT_LIFE_S = 4;
const EXPIRY_WAIT_MS = (SHORT_LIFE_S + 4) * 1000;

/**
 * A session opened with an access token lives as long as that token
 * (docs/websocket.md, "Session lifetime"): the hub's alarm closes it at the
 * token's expiry, hibernation or not, unless the client sent a fresh token
 * in a `reauth`. Tokens here expire two seconds after they are made.
 */
const TOKEN_EXPIRED = 'access token expired: reconnect with a fresh one (or send a reauth before it expires)';
const hubNameOf = (user: TestUser) => hubName(user.id, 4);
const hubOf = (user: TestUser) => env.SESSION_HUB.getByName(hubNameOf(user));
const opened = (path: '/v2/ws' | '/kite/ws', token: string) => TestSession.open(path, `access_token=${token}`);
/** The hub's alarm, as set now. */
const alarmOf = (user: TestUser) => runInDurableObject(hubOf(user), (_hub, state) => state.storage.getAlarm());

/** `count` new users whose sessions live on `count` different hubs (of the tests' four). */
async function usersOnDistinctHubs(count: number): Promise<TestUser[]> {
  const byHub = new Map<string, TestUser>();
  while (byHub.size < count) {
    for (const user of await Promise.all(Array.from({ length: count }, () => newUser()))) {
      if (!byHub.has(hubNameOf(user))) byHub.set(hubNameOf(user), user);
    }
  }
  return [...byHub.values()].slice(0, count);
}

// The three wait out their tokens side by side, each user on a hub no other test of them touches: one evicts its
// hub, and the others' sessions must close by their own hub's alarm.
describe.concurrent('SessionHub: sessions end when their access token expires', () => {
  let users: TestUser[] = [];
  beforeAll(async () => {
    users = await usersOnDistinctHubs(3);
  });
  const ownHubUser = () => users.pop() as TestUser;

  it('closes a /v2/ws session at its token’s expiry (4001, told why first), and its welcome says when', async () => {
    const user = ownHubUser();
    const { token, expiresAt } = await accessTokenFor(user, SHORT_LIFE_S);
    const session = await opened('/v2/ws', token);
    expect(await session.nextOf('welcome')).toMatchObject({ expires_at: expiresAt });
    expect(await session.nextOf('error', EXPIRY_WAIT_MS)).toEqual({ type: 'error', code: 'closing', message: TOKEN_EXPIRED, close_code: 4001 });
    expect(await session.closedWithin(1_000)).toEqual({ code: CloseCode.ACCESS_TOKEN_EXPIRED, reason: TOKEN_EXPIRED });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  });

  it('closes it at expiry though the hub hibernated in between, while the user’s API key session goes on', async () => {
    const user = ownHubUser();
    const key = await newKey(user, ['read']);
    const { token } = await accessTokenFor(user, SHORT_LIFE_S);
    const session = await opened('/v2/ws', token);
    await session.nextOf('welcome');
    const viaKey = await TestSession.open('/v2/ws', `api_key=${key.id}&access_token=${key.secret}`);
    expect((await viaKey.nextOf('welcome')).expires_at).toBeNull();
    await evictDurableObject(hubOf(user));

    expect(await session.closedWithin(EXPIRY_WAIT_MS)).toEqual({ code: CloseCode.ACCESS_TOKEN_EXPIRED, reason: TOKEN_EXPIRED });
    viaKey.send({ action: 'ping', id: 'still here' });
    expect(await viaKey.nextOf('pong')).toMatchObject({ id: 'still here' });
    viaKey.close();
  });

  it('closes a /kite/ws session opened with an access token at its expiry too', async () => {
    const user = ownHubUser();
    const { token } = await accessTokenFor(user, SHORT_LIFE_S);
    const session = await opened('/kite/ws', token);
    expect(await session.closedWithin(EXPIRY_WAIT_MS)).toEqual({ code: CloseCode.ACCESS_TOKEN_EXPIRED, reason: TOKEN_EXPIRED });
  });
});

describe('SessionHub: reauth', () => {
  it('extends a live session with a fresh token of its user: it outlives the first and keeps its ticks', async () => {
    const user = await newUser();
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 11)) as [TestInstrument];
    const { origin } = await originOf(a.group);
    const first = await accessTokenFor(user, SHORT_LIFE_S);
    const session = await opened('/v2/ws', first.token);
    await session.nextOf('welcome');
    session.send({ action: 'subscribe', id: 's', instruments: [a.token], mode: 'ltp' });
    await session.nextOf('ack');

    const fresh = await accessTokenFor(user, 60);
    session.send({ action: 'reauth', id: 'r', access_token: fresh.token });
    expect(await session.nextOf('reauthed')).toEqual({ type: 'reauthed', id: 'r', expires_at: fresh.expiresAt });
    // The alarm set for the first token's expiry fires, finds nothing due, and waits for the fresh one's.
    await vi.waitFor(async () => expect(await alarmOf(user)).toBe(fresh.expiresAt), { timeout: EXPIRY_WAIT_MS, interval: 100 });
    expect(Date.now()).toBeGreaterThanOrEqual(first.expiresAt);
    origin.sendBatch([fullPacket(a.token, 321)]);
    expect(await session.nextOf('ticks')).toMatchObject({ ticks: [{ instrument_token: a.token, last_price: 321 }] });
    session.close();
    origin.close();
  });

  it('refuses a token of another user, an expired one, a forged one and an ended one, and the session keeps its own expiry', async () => {
    const user = await newUser();
    const other = await newUser();
    const mine = await accessTokenFor(user, 30);
    const session = await opened('/v2/ws', mine.token);
    await session.nextOf('welcome');
    const refusal = async (access_token: string, id: string) => {
      session.send({ action: 'reauth', id, access_token });
      const error = await session.nextOf('error');
      expect(error).toMatchObject({ id, code: 'reauth_refused' });
      return error.message;
    };

    expect(await refusal((await accessTokenFor(other, 60)).token, 'other')).toMatch(/another user's/);
    expect(await refusal((await accessTokenFor(user, -5)).token, 'expired')).toMatch(/has expired/);
    expect(await refusal(`${mine.token.slice(0, -4)}AAAA`, 'forged')).toMatch(/not one this platform signed/);
    // A token of the user's previous epoch, signed and unexpired, but ended by a password change: the change
    // closes this session too, so the refusal is asked of a session of the new epoch.
    const ended = await accessTokenFor(user, 60);
    const changed = await call('/auth/password', { json: { current_password: PASSWORD, new_password: 'another correct horse battery' }, bearer: mine.token });
    expect(changed.status).toBe(200);
    expect((await session.closedWithin(1_000)).code).toBe(CloseCode.CREDENTIAL_ENDED);
    const next = await opened('/v2/ws', ((await changed.json()) as { access_token: string }).access_token);
    await next.nextOf('welcome');
    next.send({ action: 'reauth', id: 'ended', access_token: ended.token });
    expect(await next.nextOf('error')).toMatchObject({ id: 'ended', code: 'reauth_refused', message: expect.stringMatching(/has ended/) });
    next.close();
  });

  it('refuses a reauth on a session opened with an API key, which has no expiry to move', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const session = await TestSession.open('/v2/ws', `api_key=${key.id}&access_token=${key.secret}`);
    await session.nextOf('welcome');
    session.send({ action: 'reauth', id: 1, access_token: (await accessTokenFor(user, 60)).token });
    expect(await session.nextOf('error')).toMatchObject({ id: 1, code: 'reauth_refused', message: expect.stringMatching(/API key/) });
    session.close();
  });
});
