import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyChainUpdate, type FnoChain, FnoChainUpdate } from '../../contracts/fno-chain.ts';
import { hubName } from '../../contracts/hub-config.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { fullPacket, TestOrigin } from '../../test/workers/test-origin.ts';
import { TestSession } from '../../test/workers/test-session.ts';
import { call, newUser, type TestUser } from '../../test/workers/test-users.ts';

/**
 * `subscribe_chain` on /v2/ws in workerd: a session subscribes a chain of
 * the test registry, a test origin answers the chain's demand with full
 * packets, and the session gets the ack, the chain whole, then updates
 * with only what changed; a session that streams nothing hears none of it.
 * A session's chains are stored with it: a resume (after a dropped socket
 * or a restart of the hub) streams them again, and an ended session's go.
 */
type Contract = { instrument_token: number; strike: number; instrument_type: 'CE' | 'PE' | 'FUT' };

const db = () => openDatabase(edgeConfig(env).database, 10_000);
let user: TestUser;
let name = '';
let expiry = '';
let group = '';
const v2 = (who: TestUser = user) => TestSession.open('/v2/ws', `access_token=${who.tokens.access_token}`);
const resume = (who: TestUser, id: string) => TestSession.open('/v2/ws', `access_token=${who.tokens.access_token}&resume=${id}`);
const hubOf = (who: TestUser) => env.SESSION_HUB.getByName(hubName(who.id, 4));

beforeAll(async () => {
  user = await newUser();
  const { rows } = await db().query<{ name: string; expiry: string }>(
    `SELECT name, min(expiry)::text AS expiry FROM instruments
     WHERE is_active AND exchange = 'NFO' AND instrument_type = 'CE' AND expiry > current_date + 1
       AND name NOT IN ('NIFTY', 'BANKNIFTY') AND name ~ '^[A-Z0-9]+$'
     GROUP BY name ORDER BY md5(name || ':hub-chains') LIMIT 1`,
  );
  ({ name, expiry } = rows[0] as { name: string; expiry: string });
  group = `fno:NFO:${name}`;
});

/** Every demanded contract priced flat (a call and put at each strike alike), OI 100, or `oi` (150) for `bumped`. */
function round(contracts: Contract[], bumped?: number, oi = 150): Uint8Array[] {
  return contracts.map((c) => fullPacket(c.instrument_token, { last: c.instrument_type === 'FUT' ? 1_000 : 10, oi: c.instrument_token === bumped ? oi : 100 }));
}

/** A contract in the middle of a chain (its OI is the one to move). */
function middleOf(chain: { strikes: FnoChain['strikes'] }): number {
  const middle = chain.strikes[Math.floor(chain.strikes.length / 2)];
  const option = middle?.CE ?? middle?.PE;
  if (!option) throw new Error('a chain without options');
  return option.instrument_token;
}

/** A session streaming the chain `strikes` each side, with its id and the chain's contracts; the origin has sent a first round. */
async function streaming(origin: TestOrigin, who: TestUser, strikes: number) {
  const session = await v2(who);
  const { session: id } = await session.nextOf('welcome');
  session.send({ action: 'subscribe_chain', id: 'keep', name, expiry, strikes });
  const contracts = await contractsOf(origin);
  expect(await session.nextChainAck()).toMatchObject({ action: 'subscribe_chain', strikes, chains: 1 });
  origin.sendBatch(round(contracts));
  const chain = await session.nextOf('chain');
  expect(chain).toMatchObject({ name, expiry, window: strikes });
  return { session, id, contracts, chain };
}

/** The hub's streams of this test's chain. */
async function hubStreams(who: TestUser) {
  return (await hubOf(who).state()).chains.filter((stream) => stream.group === group && stream.expiry === expiry);
}

async function contractsOf(origin: TestOrigin): Promise<Contract[]> {
  for (;;) {
    const frame = await origin.next<{ type: string; tokens: Record<string, string> }>();
    if (frame.type !== 'demand' || Object.keys(frame.tokens).length === 0) continue;
    const { rows } = await db().query<Contract>(
      `SELECT instrument_token::float8 AS instrument_token, strike::float8 AS strike, instrument_type
       FROM instruments WHERE instrument_token = ANY($1::bigint[]) ORDER BY strike, instrument_type`,
      [Object.keys(frame.tokens)],
    );
    return rows;
  }
}

describe('/v2/ws option chains', () => {
  it('acks subscribe_chain, sends the chain whole, then only what changed, at most once a second', async () => {
    const origin = await TestOrigin.connect(`/origin/groups/${group}`);
    const session = await v2();
    const bystander = await v2();
    await session.nextOf('welcome');
    await bystander.nextOf('welcome');
    session.send({ action: 'subscribe_chain', id: 'c1', name, expiry, strikes: 3 });
    const contracts = await contractsOf(origin);
    expect(await session.nextChainAck()).toEqual({ type: 'ack', id: 'c1', action: 'subscribe_chain', name, expiry, strikes: 3, chains: 1 });
    origin.sendBatch(round(contracts));

    const first = await session.nextOf('chain');
    expect(first).toMatchObject({ name, expiry, window: 3 });
    expect(first.strikes.length).toBeLessThanOrEqual(7);
    const { type: _, window: __, ...chain } = first;

    // One option's OI moves: the update carries that row and the OI figures, not the chain.
    const middle = chain.strikes[Math.floor(chain.strikes.length / 2)];
    const bumped = middle?.CE ?? middle?.PE;
    origin.sendBatch(round(contracts, bumped?.instrument_token));
    const update = await session.nextOf('chain_update');
    const { type: ___, window, ...delta } = update;
    expect(window).toBe(3);
    FnoChainUpdate.parse(delta);
    expect(Date.parse(update.as_of) - Date.parse(first.as_of)).toBeGreaterThanOrEqual(1_000);
    const applied: FnoChain = applyChainUpdate(chain as FnoChain, delta);
    // The bumped row, and not the chain: another row may change too when the clock moved its time to expiry past a rounding step (a slow machine).
    expect(update.rows.map((row) => row.strike)).toContain(middle?.strike);
    expect(update.rows.length).toBeLessThan(chain.strikes.length);
    expect(update.summary).toHaveProperty(middle?.CE ? 'total_call_oi' : 'total_put_oi');
    expect(applied.strikes).toHaveLength(chain.strikes.length);
    expect(Object.keys(update.summary)).not.toContain('forward');

    session.send({ action: 'unsubscribe_chain', id: 'c2', name, expiry, strikes: 3 });
    expect(await session.nextChainAck()).toMatchObject({ action: 'unsubscribe_chain', chains: 0 });
    // The bystander streamed nothing: its next frame is the answer to its own ping.
    bystander.send({ action: 'ping', id: 'p' });
    expect(await bystander.next()).toMatchObject({ type: 'pong', id: 'p' });
    session.close();
    bystander.close();
    origin.close();
  });

  it('says which expiries are listed for an unknown one, and refuses to unsubscribe a chain not held', async () => {
    const session = await v2();
    await session.nextOf('welcome');
    session.send({ action: 'subscribe_chain', id: 'x', name, expiry: '2001-01-01' });
    expect(await session.nextOf('error')).toMatchObject({ id: 'x', code: 'unknown_chain', message: expect.stringContaining(expiry) });
    session.send({ action: 'unsubscribe_chain', id: 'y', name, expiry });
    expect(await session.nextOf('error')).toMatchObject({ id: 'y', code: 'chain_refused' });
    session.send({ action: 'subscribe_chain', id: 'z', name: 'nifty', expiry });
    expect(await session.nextOf('error')).toMatchObject({ id: 'z', code: 'bad_message', message: expect.stringContaining('name') });
    session.close();
  });
});

describe('/v2/ws option chains kept with the session', () => {
  it('streams a chain again to a session that resumes after its socket dropped, with no subscribe_chain', async () => {
    const origin = await TestOrigin.connect(`/origin/groups/${group}`);
    const { session, id, contracts, chain } = await streaming(origin, user, 2);
    session.socket.close(4000, 'the network dropped');
    await session.closed;

    const back = await resume(user, id);
    expect(await back.nextOf('welcome')).toMatchObject({ session: id, resumed: true });
    expect(await back.nextOf('chain')).toMatchObject({ name, expiry, window: 2 });
    origin.sendBatch(round(contracts, middleOf(chain), 170));
    expect(await back.nextOf('chain_update')).toMatchObject({ name, expiry, window: 2 });
    expect(await hubStreams(user)).toEqual([{ group, name, expiry, window: 2, sessions: 1 }]);
    back.close();
    origin.close();
  });

  it('streams a chain again to a session that resumes after a restart of its hub', async () => {
    const origin = await TestOrigin.connect(`/origin/groups/${group}`);
    const { session, id, contracts, chain } = await streaming(origin, user, 2);
    await hubOf(user)
      .restart()
      .catch(() => undefined);
    expect((await session.closed).code).not.toBe(1000);

    const back = await resume(user, id);
    expect(await back.nextOf('welcome')).toMatchObject({ session: id, resumed: true });
    expect(await back.nextOf('chain')).toMatchObject({ name, expiry, window: 2 });
    origin.sendBatch(round(contracts, middleOf(chain), 190));
    expect(await back.nextOf('chain_update')).toMatchObject({ name, expiry, window: 2 });
    // The chain is the hub's again after its restart: unsubscribing it works, and the hub stops streaming it.
    back.send({ action: 'unsubscribe_chain', id: 'u', name, expiry, strikes: 2 });
    expect(await back.nextChainAck()).toMatchObject({ action: 'unsubscribe_chain', chains: 0 });
    expect(await hubStreams(user)).toEqual([]);
    back.close();
    origin.close();
  });

  it("forgets an ended session's chains: no resume or restart of the hub streams them again", async () => {
    const who = await newUser();
    const origin = await TestOrigin.connect(`/origin/groups/${group}`);
    const { session, id } = await streaming(origin, who, 1);
    expect(await hubStreams(who)).toEqual([{ group, name, expiry, window: 1, sessions: 1 }]);
    const stored = () =>
      runInDurableObject(hubOf(who), (_hub, state) => state.storage.sql.exec('SELECT chains FROM session_chains WHERE session = ?', id).toArray().length);
    expect(await stored()).toBe(1);

    // Lost, it streams nothing while it may still resume; the logout of its token ends it for good.
    session.socket.close(4000, 'the network dropped');
    await session.closed;
    expect(await hubStreams(who)).toEqual([]);
    expect(await stored()).toBe(1);
    expect((await call('/auth/logout', { method: 'POST', bearer: who.tokens.access_token })).status).toBe(204);
    expect(await stored()).toBe(0);

    await hubOf(who)
      .restart()
      .catch(() => undefined);
    expect(await hubStreams(who)).toEqual([]);
    origin.close();
  });
});
