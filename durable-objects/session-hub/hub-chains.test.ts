import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyChainUpdate, type FnoChain, FnoChainUpdate } from '../../contracts/fno-chain.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { fullPacket, TestOrigin } from '../../test/workers/test-origin.ts';
import { TestSession } from '../../test/workers/test-session.ts';
import { newUser, type TestUser } from '../../test/workers/test-users.ts';

/**
 * `subscribe_chain` on /v2/ws in workerd: a session subscribes a chain of
 * the test registry, a test origin answers the chain's demand with full
 * packets, and the session gets the ack, the chain whole, then updates
 * with only what changed; a session that streams nothing hears none of it.
 */
type Contract = { instrument_token: number; strike: number; instrument_type: 'CE' | 'PE' | 'FUT' };

const db = () => openDatabase(edgeConfig(env).database, 10_000);
let user: TestUser;
let name = '';
let expiry = '';
let group = '';
const v2 = () => TestSession.open('/v2/ws', `access_token=${user.tokens.access_token}`);

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

/** Every demanded contract priced flat (a call and put at each strike alike), OI 100, or 150 for `bumped`. */
function round(contracts: Contract[], bumped?: number): Uint8Array[] {
  return contracts.map((c) =>
    fullPacket(c.instrument_token, { last: c.instrument_type === 'FUT' ? 1_000 : 10, oi: c.instrument_token === bumped ? 150 : 100 }),
  );
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
    expect(update.rows.map((row) => row.strike)).toEqual([middle?.strike]);
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
