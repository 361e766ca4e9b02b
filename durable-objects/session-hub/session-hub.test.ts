import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { CloseCode, type ServerMessage } from '../../contracts/client-protocol.ts';
import { hubName } from '../../contracts/hub-config.ts';
import { forEachPacket } from '../../contracts/kite-ticks/decode.ts';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import { originOf } from '../../test/workers/test-origin.ts';
import { fullPacket, instrumentsOfOneGroup, type TestInstrument, TestSession } from '../../test/workers/test-session.ts';
import { call, login, newKey, newUser, PASSWORD, type TestUser, type Tokens } from '../../test/workers/test-users.ts';

/**
 * The fan-out tier in workerd: sessions through the worker's /v2/ws and
 * /kite/ws, a test origin feeding the group objects, real instruments of the
 * test registry. Limits come from vitest.config.ts (6 instruments a session,
 * 3 sessions a key, 5 control messages a second, 4 KB frames).
 */
const v2 = (user: TestUser) => TestSession.open('/v2/ws', `access_token=${user.tokens.access_token}`);
/** An instrument's names as an ack gives them back. */
const namesOf = ({ symbol }: TestInstrument) => ({ exchange: symbol.slice(0, symbol.indexOf(':')), tradingsymbol: symbol.slice(symbol.indexOf(':') + 1) });
const settled = (check: () => Promise<void> | void) => vi.waitFor(check, { timeout: 5_000, interval: 20 });

/** The next status frame of one state (an earlier one may say what was known before). */
async function statusOf(session: TestSession, state: string) {
  for (;;) {
    const status = await session.nextOf('status');
    if (status.state === state) return status;
  }
}

/** The user's hub restarted, and its session lost to that back with `?resume=`. */
async function resumeAfterHubRestart(user: TestUser, session: TestSession, id: string) {
  await env.SESSION_HUB.getByName(hubName(user.id, 4))
    .restart()
    .catch(() => undefined);
  expect((await session.closed).code).not.toBe(1000);
  return TestSession.open('/v2/ws', `access_token=${user.tokens.access_token}&resume=${id}`);
}

async function subscribe(session: TestSession, instruments: unknown[], mode = 'quote', id: string | number = 'sub') {
  session.send({ action: 'subscribe', id, instruments, mode });
  return session.nextOf('ack');
}

/** Ticks (from snapshot and ticks frames) a session gets within `ms`, by token. */
async function ticksWithin(session: TestSession, ms: number): Promise<Map<number, Tick>> {
  const out = new Map<number, Tick>();
  for (const frame of await session.drain(ms)) {
    if (frame instanceof Uint8Array) continue;
    if (frame.type === 'ticks' || frame.type === 'snapshot') for (const tick of frame.ticks) out.set(tick.instrument_token, tick);
  }
  return out;
}

describe('SessionHub: sessions are isolated', () => {
  it('gives two sessions of one user exactly their own instruments, in their own modes, and an unsubscribe touches only its session', async () => {
    const user = await newUser();
    const [a, b, c] = (await instrumentsOfOneGroup('NSE', 3, 0)) as [TestInstrument, TestInstrument, TestInstrument];
    const { origin, demand } = await originOf(a.group);
    const one = await v2(user);
    const two = await v2(user);
    expect((await one.nextOf('welcome')).limits.instruments).toBe(6);
    await two.nextOf('welcome');

    const ackOne = await subscribe(one, [a.token], 'full', 1);
    expect(ackOne).toMatchObject({
      id: 1,
      action: 'subscribe',
      accepted: [{ instrument: a.token, instrument_token: a.token, mode: 'full' }],
      rejected: [],
      subscribed: 1,
    });
    const ackTwo = await subscribe(two, [b.symbol, c.token], 'ltp', 'x');
    expect(ackTwo.accepted).toEqual([
      { instrument: b.symbol, instrument_token: b.token, ...namesOf(b), mode: 'ltp' },
      { instrument: c.token, instrument_token: c.token, ...namesOf(c), mode: 'ltp' },
    ]);
    // The union reaches the origin, each token in the richest mode wanted.
    await settled(() => expect(demand()).toEqual({ [a.token]: 'full', [b.token]: 'ltp', [c.token]: 'ltp' }));

    origin.sendBatch([fullPacket(a.token, 101), fullPacket(b.token, 202), fullPacket(c.token, 303)]);
    const seenOne = await ticksWithin(one, 300);
    const seenTwo = await ticksWithin(two, 300);
    expect([...seenOne.keys()]).toEqual([a.token]);
    expect(seenOne.get(a.token)).toMatchObject({ mode: 'full', last_price: 101, volume_traded: 1000 });
    expect(seenOne.get(a.token)).toHaveProperty('depth');
    expect([...seenTwo.keys()].sort()).toEqual([b.token, c.token].sort());
    expect(seenTwo.get(b.token)).toEqual({ tradable: true, mode: 'ltp', instrument_token: b.token, last_price: 202 });

    two.send({ action: 'unsubscribe', id: 'u', instruments: [c.symbol] });
    expect(await two.nextOf('ack')).toMatchObject({ action: 'unsubscribe', accepted: [{ instrument: c.symbol, instrument_token: c.token }], subscribed: 1 });
    await settled(() => expect(demand()).toEqual({ [a.token]: 'full', [b.token]: 'ltp' }));
    origin.sendBatch([fullPacket(a.token, 102), fullPacket(b.token, 203), fullPacket(c.token, 304)]);
    expect([...(await ticksWithin(one, 300)).values()].map((t) => t.last_price)).toEqual([102]);
    expect([...(await ticksWithin(two, 300)).values()].map((t) => t.last_price)).toEqual([203]);
    for (const s of [one, two]) s.close();
    origin.close();
  });

  it('sends the latest tick of a new subscription as a snapshot, after the ack and before any live tick', async () => {
    const user = await newUser();
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 1)) as [TestInstrument];
    const { origin } = await originOf(a.group);
    // Someone else's demand makes the group hold the instrument before this session exists.
    const other = await v2(await newUser());
    await subscribe(other, [a.token]);
    origin.sendBatch([fullPacket(a.token, 500)]);
    await ticksWithin(other, 200);

    const session = await v2(user);
    await session.nextOf('welcome');
    session.send({ action: 'subscribe', id: 7, instruments: [a.symbol], mode: 'quote' });
    const first = (await session.next()) as ServerMessage;
    expect(first.type).toBe('ack');
    const snapshot = (await session.next()) as ServerMessage;
    expect(snapshot).toMatchObject({ type: 'snapshot', ticks: [{ instrument_token: a.token, mode: 'quote', last_price: 500 }] });
    origin.sendBatch([fullPacket(a.token, 501)]);
    expect(await session.nextOf('ticks')).toMatchObject({ ticks: [{ instrument_token: a.token, last_price: 501 }] });
    for (const s of [session, other]) s.close();
    origin.close();
  });

  it('changes the mode of a subscription, and the union at the origin follows', async () => {
    const user = await newUser();
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 2)) as [TestInstrument];
    const { origin, demand } = await originOf(a.group);
    const session = await v2(user);
    await subscribe(session, [a.token], 'ltp');
    await settled(() => expect(demand()).toEqual({ [a.token]: 'ltp' }));
    session.send({ action: 'mode', id: 'm', instruments: [a.token], mode: 'full' });
    // A token the hub holds already is not looked up again; its names come back all the same.
    expect(await session.nextOf('ack')).toMatchObject({
      action: 'mode',
      accepted: [{ instrument: a.token, instrument_token: a.token, ...namesOf(a), mode: 'full' }],
    });
    await settled(() => expect(demand()).toEqual({ [a.token]: 'full' }));
    origin.sendBatch([fullPacket(a.token, 42)]);
    const tick = (await ticksWithin(session, 300)).get(a.token);
    expect(tick).toMatchObject({ mode: 'full', last_price: 42, depth: { buy: expect.any(Array) } });
    session.close();
    origin.close();
  });
});

describe('SessionHub: bad input', () => {
  it('answers malformed frames and unknown actions with error frames and stays open', async () => {
    const session = await v2(await newUser());
    await session.nextOf('welcome');
    session.send('not json {');
    expect(await session.nextOf('error')).toMatchObject({ code: 'bad_json' });
    session.send({ action: 'dance', id: 3 });
    expect(await session.nextOf('error')).toMatchObject({ code: 'bad_message', id: 3, message: expect.stringContaining('subscribe, unsubscribe, mode, ping') });
    session.send({ action: 'subscribe', instruments: [1], mode: 'turbo' });
    expect(await session.nextOf('error')).toMatchObject({ code: 'bad_message', message: expect.stringContaining('ltp, quote, full') });
    session.socket.send(new Uint8Array([1, 2, 3]));
    expect(await session.nextOf('error')).toMatchObject({ code: 'binary_not_supported' });
    session.send({ action: 'ping', id: 'p' });
    expect(await session.nextOf('pong')).toMatchObject({ id: 'p' });
    session.close();
  });

  it('rejects each bad, unknown, unsubscribed or over-the-limit instrument by name, and takes the rest', async () => {
    const session = await v2(await newUser());
    const seven = await instrumentsOfOneGroup('NSE', 7, 3);
    const ack = await subscribe(session, ['NSE:NO_SUCH_THING', 'INFY', -5, ...seven.map((i) => i.token)]);
    expect(ack.rejected).toEqual([
      { instrument: 'INFY', code: 'bad_instrument', reason: expect.any(String) },
      { instrument: -5, code: 'bad_instrument', reason: expect.any(String) },
      { instrument: 'NSE:NO_SUCH_THING', code: 'unknown_instrument', reason: expect.any(String) },
      { instrument: seven[6]?.token, code: 'limit_reached', reason: 'a session holds at most 6 instruments' },
    ]);
    expect(ack.accepted.map((a) => a.instrument_token)).toEqual(seven.slice(0, 6).map((i) => i.token));
    session.send({ action: 'mode', instruments: [seven[6]?.token], mode: 'full' });
    expect((await session.nextOf('ack')).rejected).toMatchObject([{ code: 'not_subscribed' }]);
    session.close();
  });

  it('drops control messages over the rate with an error, and closes a session that keeps on (4008)', async () => {
    const session = await v2(await newUser());
    await session.nextOf('welcome');
    for (let i = 0; i < 12; i++) session.send({ action: 'ping', id: i });
    expect(await session.nextOf('error')).toMatchObject({ code: 'rate_limited' });
    for (let i = 0; i < 40; i++) session.send({ action: 'ping' });
    expect(await session.closed).toMatchObject({ code: CloseCode.RATE_LIMIT_ABUSE });
  });

  it('closes a session that sends a frame over the size limit (1009)', async () => {
    const session = await v2(await newUser());
    session.send({ action: 'ping', id: 'x'.repeat(5_000) });
    expect(await session.closed).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE });
  });

  it('counts the size limit in UTF-8 bytes on both protocols: 2,000 € are 2,000 UTF-16 units but 6,000 bytes', async () => {
    const user = await newUser();
    const euros = '€'.repeat(2_000);
    const v2Frame = JSON.stringify({ action: 'ping', id: euros });
    const kiteFrame = JSON.stringify({ a: 'subscribe', v: [euros] });
    for (const frame of [v2Frame, kiteFrame]) {
      expect(frame.length).toBeLessThan(4096);
      expect(new TextEncoder().encode(frame).byteLength).toBeGreaterThan(4096);
    }
    const session = await v2(user);
    await session.nextOf('welcome');
    session.send(v2Frame);
    const bytes = new TextEncoder().encode(v2Frame).byteLength;
    expect(await session.closed).toEqual({ code: CloseCode.FRAME_TOO_LARGE, reason: `frames are at most 4096 bytes (UTF-8); this one was ${bytes}` });
    const kite = await TestSession.open('/kite/ws', `access_token=${user.tokens.access_token}`);
    kite.send(kiteFrame);
    expect((await kite.closed).code).toBe(CloseCode.FRAME_TOO_LARGE);
    // Within the limit in bytes, the same characters are read as usual.
    const within = await v2(user);
    await within.nextOf('welcome');
    within.send({ action: 'ping', id: '€'.repeat(20) });
    expect(await within.nextOf('pong')).toMatchObject({ id: '€'.repeat(20) });
    within.close();
  });

  it('refuses a message carrying the NUL character or a lone surrogate with an error frame naming the field, and the session goes on', async () => {
    const user = await newUser();
    const session = await v2(user);
    await session.nextOf('welcome');
    session.send({ action: 'subscribe', id: 'nul', instruments: [256265, 'NSE:INF\u0000Y'] });
    expect(await session.nextOf('error')).toEqual({
      type: 'error',
      id: 'nul',
      code: 'bad_message',
      message: 'instruments.1: must not contain the NUL character (U+0000)',
    });
    session.send({ action: 'unsubscribe', id: 7, instruments: ['NSE:\ud800X'] });
    expect(await session.nextOf('error')).toMatchObject({
      id: 7,
      code: 'bad_message',
      message: expect.stringMatching(/^instruments\.0: must not contain a lone surrogate/),
    });
    session.send({ action: 'ping', id: '\u0000' });
    expect(await session.nextOf('error')).toEqual({ type: 'error', code: 'bad_message', message: 'id: must not contain the NUL character (U+0000)' });
    session.send({ action: 'ping', id: 'still here' });
    expect(await session.nextOf('pong')).toMatchObject({ id: 'still here' });
    session.close();

    const kite = await TestSession.open('/kite/ws', `access_token=${user.tokens.access_token}`);
    kite.send({ a: 'subscribe', v: [256265, 'NSE:INF\u0000Y'] });
    expect(await kite.nextOf('error')).toEqual({ type: 'error', data: 'v.1: must not contain the NUL character (U+0000)' });
    kite.close();
  });

  it('refuses an upgrade without credentials (401), with a key lacking the read scope (403), and a session over the per-key limit (429)', async () => {
    expect((await TestSession.request('/v2/ws', '')).status).toBe(401);
    const user = await newUser();
    const alertsOnly = await newKey(user, ['alerts']);
    expect((await TestSession.request('/v2/ws', `api_key=${alertsOnly.id}&access_token=${alertsOnly.secret}`)).status).toBe(403);
    const key = await newKey(user, ['read']);
    const query = `api_key=${key.id}&access_token=${key.secret}`;
    const open = [await TestSession.open('/v2/ws', query), await TestSession.open('/v2/ws', query), await TestSession.open('/v2/ws', query)];
    const fourth = await TestSession.request('/v2/ws', query);
    expect(fourth.status).toBe(429);
    expect(((await fourth.json()) as { error: { code: string } }).error.code).toBe('limit_exceeded');
    // The user's own access token is another owner: it still gets in.
    const mine = await v2(user);
    for (const s of [...open, mine]) s.close();
  });
});

describe('SessionHub: credentials that end', () => {
  it("closes the sessions of a revoked API key (4003, with the reason) and leaves the user's other sessions streaming", async () => {
    const user = await newUser();
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 10)) as [TestInstrument];
    const { origin } = await originOf(a.group);
    const revoked = await newKey(user, ['read']);
    const kept = await newKey(user, ['read']);
    const viaRevoked = await TestSession.open('/v2/ws', `api_key=${revoked.id}&access_token=${revoked.secret}`);
    const kiteViaRevoked = await TestSession.open('/kite/ws', `api_key=${revoked.id}&access_token=${revoked.secret}`);
    const viaKept = await TestSession.open('/v2/ws', `api_key=${kept.id}&access_token=${kept.secret}`);
    const viaToken = await v2(user);
    for (const session of [viaRevoked, viaKept, viaToken]) {
      await session.nextOf('welcome');
      expect((await subscribe(session, [a.token])).accepted).toHaveLength(1);
    }

    expect((await call(`/api-keys/${revoked.id}`, { method: 'DELETE', bearer: user.tokens.access_token })).status).toBe(200);
    expect(await viaRevoked.nextOf('error')).toMatchObject({ code: 'closing', message: `API key ${revoked.id} was revoked` });
    expect(await viaRevoked.closed).toEqual({ code: CloseCode.CREDENTIAL_ENDED, reason: `API key ${revoked.id} was revoked` });
    expect((await kiteViaRevoked.closed).code).toBe(CloseCode.CREDENTIAL_ENDED);
    // Nor can it come back: the key is refused at the upgrade.
    expect((await TestSession.request('/v2/ws', `api_key=${revoked.id}&access_token=${revoked.secret}`)).status).toBe(401);

    origin.sendBatch([fullPacket(a.token, 1234.5)]);
    for (const session of [viaKept, viaToken]) {
      expect((await session.nextOf('ticks')).ticks.map((t) => t.last_price)).toContain(1234.5);
    }
    for (const session of [viaKept, viaToken]) session.close();
    origin.close();
  });

  it("closes the sessions of a user's access tokens on logout and on a password change, not those of the user's API key or of another user", async () => {
    const user = await newUser();
    const other = await newUser();
    const key = await newKey(user, ['read']);
    const viaToken = await v2(user);
    const viaKey = await TestSession.open('/v2/ws', `api_key=${key.id}&access_token=${key.secret}`);
    const othersSession = await v2(other);
    for (const session of [viaToken, viaKey, othersSession]) await session.nextOf('welcome');

    expect((await call('/auth/logout', { method: 'POST', bearer: user.tokens.access_token })).status).toBe(204);
    expect((await viaToken.closed).code).toBe(CloseCode.CREDENTIAL_ENDED);
    for (const session of [viaKey, othersSession]) {
      session.send({ action: 'ping', id: 'still there' });
      expect(await session.nextOf('pong')).toMatchObject({ id: 'still there' });
    }

    // Signed in again: a new session, ended in turn by a password change, whose answer's token opens the next.
    const tokens = await login(user.email);
    const afterLogin = await v2({ ...user, tokens });
    await afterLogin.nextOf('welcome');
    const changed = await call('/auth/password', {
      json: { current_password: PASSWORD, new_password: 'another correct horse battery' },
      bearer: tokens.access_token,
    });
    expect(changed.status).toBe(200);
    expect((await afterLogin.closed).code).toBe(CloseCode.CREDENTIAL_ENDED);
    const fresh = await v2({ ...user, tokens: (await changed.json()) as Tokens });
    await fresh.nextOf('welcome');
    viaKey.send({ action: 'ping', id: 'after the change' });
    expect(await viaKey.nextOf('pong')).toMatchObject({ id: 'after the change' });
    for (const session of [fresh, viaKey, othersSession]) session.close();
  });
});

describe('SessionHub: feed status and restarts', () => {
  it('turns a session stale when the origin link drops and live again when it returns, on the same socket', async () => {
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 4)) as [TestInstrument];
    const first = await originOf(a.group);
    const session = await v2(await newUser());
    await subscribe(session, [a.token]);
    // The link drops while the group is wanted (a link the origin closes for want of demand is no outage).
    await settled(() => expect(first.demand()).toEqual({ [a.token]: 'quote' }));
    first.origin.close();
    expect(await statusOf(session, 'stale')).toMatchObject({ group: a.group, instruments: [a.token], reason: 'the origin link dropped; it is reconnecting' });
    const again = await originOf(a.group);
    expect(await statusOf(session, 'live')).toMatchObject({ group: a.group, instruments: [a.token] });
    again.origin.sendBatch([fullPacket(a.token, 77)]);
    expect((await ticksWithin(session, 300)).get(a.token)).toMatchObject({ last_price: 77 });
    session.close();
    again.origin.close();
  });

  it('keeps a session subscribed through a restart of its group', async () => {
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 5)) as [TestInstrument];
    const { origin } = await originOf(a.group);
    const session = await v2(await newUser());
    await subscribe(session, [a.token], 'ltp');
    await env.INSTRUMENT_GROUP.getByName(a.group)
      .restart()
      .catch(() => undefined);
    await origin.closed;
    const back = await originOf(a.group);
    // The hub relinks and says its want again; the origin sees it in the demand.
    await settled(() => expect(back.demand()).toEqual({ [a.token]: 'ltp' }));
    back.origin.sendBatch([fullPacket(a.token, 88)]);
    await settled(async () => expect((await ticksWithin(session, 100)).get(a.token)).toMatchObject({ last_price: 88 }));
    session.close();
    back.origin.close();
  });

  it('gives a session back with its subscriptions when it resumes after a restart of its hub', async () => {
    const user = await newUser();
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 6)) as [TestInstrument];
    const { origin } = await originOf(a.group);
    const session = await v2(user);
    const { session: id } = await session.nextOf('welcome');
    await subscribe(session, [a.token], 'ltp');
    origin.sendBatch([fullPacket(a.token, 98)]);
    await ticksWithin(session, 200);

    const back = await resumeAfterHubRestart(user, session, id);
    expect(await back.nextOf('welcome')).toMatchObject({ session: id, resumed: true, subscribed: 1 });
    // Its instrument's latest tick comes again at once, then live ones, with no subscribe.
    expect(await back.nextOf('snapshot')).toMatchObject({ ticks: [{ instrument_token: a.token, mode: 'ltp', last_price: 98 }] });
    origin.sendBatch([fullPacket(a.token, 99)]);
    expect(await back.nextOf('ticks')).toMatchObject({ ticks: [{ instrument_token: a.token, last_price: 99 }] });

    // Someone else cannot take the session over with its id.
    back.socket.close(4000, 'gone for a moment');
    const stranger = await TestSession.open('/v2/ws', `access_token=${(await newUser()).tokens.access_token}&resume=${id}`);
    expect(await stranger.nextOf('welcome')).toMatchObject({ resumed: false, subscribed: 0 });
    stranger.close();
    origin.close();
  });
});

describe('SessionHub: subscriptions in storage', () => {
  it('restores exactly the last subscriptions after subscribes, a mode change and an unsubscribe, through a restart of the hub', async () => {
    const user = await newUser();
    const [a, b, c] = (await instrumentsOfOneGroup('NSE', 3, 8)) as [TestInstrument, TestInstrument, TestInstrument];
    const { origin, demand } = await originOf(a.group);
    const session = await v2(user);
    const { session: id } = await session.nextOf('welcome');
    await subscribe(session, [a.token, b.token, c.token], 'ltp');
    session.send({ action: 'mode', instruments: [b.token], mode: 'full' });
    await session.nextOf('ack');
    session.send({ action: 'unsubscribe', instruments: [c.token] });
    await session.nextOf('ack');

    const back = await resumeAfterHubRestart(user, session, id);
    expect(await back.nextOf('welcome')).toMatchObject({ session: id, resumed: true, subscribed: 2 });
    await settled(() => expect(demand()).toEqual({ [a.token]: 'ltp', [b.token]: 'full' }));
    origin.sendBatch([fullPacket(a.token, 11), fullPacket(b.token, 22), fullPacket(c.token, 33)]);
    const seen = new Map<number, Tick>();
    await settled(async () => {
      for (const [token, tick] of await ticksWithin(back, 100)) seen.set(token, tick);
      expect([...seen.keys()].sort()).toEqual([a.token, b.token].sort());
    });
    expect(seen.get(a.token)).toMatchObject({ mode: 'ltp', last_price: 11 });
    expect(seen.get(b.token)).toMatchObject({ mode: 'full', last_price: 22 });
    back.close();
    origin.close();
  });
});

describe('SessionHub: the Kite protocol at /kite/ws', () => {
  it('sends binary frames of Kite packets cut to each instrument mode, and heartbeats when idle', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const [a, b] = (await instrumentsOfOneGroup('NSE', 2, 7)) as [TestInstrument, TestInstrument];
    const { origin, demand } = await originOf(a.group);
    const session = await TestSession.open('/kite/ws', `api_key=${key.id}&access_token=${key.secret}`);
    session.send({ a: 'subscribe', v: [a.token, b.token] });
    session.send({ a: 'mode', v: ['ltp', [b.token]] });
    await settled(() => expect(demand()).toEqual({ [a.token]: 'quote', [b.token]: 'ltp' }));
    origin.sendBatch([fullPacket(a.token, 10), fullPacket(b.token, 20)]);
    const lengths = new Map<number, number>();
    await settled(async () => {
      for (const frame of await session.drain(50)) {
        if (frame instanceof Uint8Array && frame.byteLength > 1) forEachPacket(frame, (token, packet) => lengths.set(token, packet.byteLength));
      }
      expect(Object.fromEntries(lengths)).toEqual({ [a.token]: 44, [b.token]: 8 });
    });
    // Idle now: Kite's one-byte heartbeat within 2.5 s (it comes each second nothing else was sent).
    const until = Date.now() + 2_500;
    const isHeartbeat = (frame: unknown) => frame instanceof Uint8Array && frame.byteLength === 1;
    while (!isHeartbeat(await session.next(Math.max(1, until - Date.now())))) {}
    session.send({ a: 'subscribe' });
    expect(await session.next()).toMatchObject({ type: 'error' });
    session.close();
    origin.close();
  });

  it('refuses bad credentials with 403, as Kite does', async () => {
    expect((await TestSession.request('/kite/ws', 'api_key=nope&access_token=nope')).status).toBe(403);
  });
});
