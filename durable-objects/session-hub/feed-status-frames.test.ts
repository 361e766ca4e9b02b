import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServerMessage } from '../../contracts/client-protocol.ts';
import type { OriginStatus } from '../../contracts/origin-link.ts';
import { originOf, TestOrigin } from '../../test/workers/test-origin.ts';
import { fullPacket, instrumentsOfOneGroup, type TestInstrument, TestSession } from '../../test/workers/test-session.ts';
import { newUser } from '../../test/workers/test-users.ts';

/**
 * The status frames a session gets are the feed's true state (issue 21,
 * defect 9): no `down` before `live` on a subscribe, no state of the
 * origin's previous run when it comes back, and a new reason within the
 * same state (Kite's token expired, after a drop) is told. The test plays
 * the origin on both links: the feed link to FeedControl (this file's own)
 * and each group's link.
 */
let feedLink: TestOrigin;
const settled = (check: () => Promise<void> | void) => vi.waitFor(check, { timeout: 5_000, interval: 20 });

function originStatus(fields: Partial<OriginStatus> = {}): OriginStatus {
  const at = Date.now();
  return { type: 'status', state: 'live', last_tick_at: at, instruments: 1, token_expires_at: null, at, ...fields };
}

async function subscribed(a: TestInstrument) {
  const session = await TestSession.open('/v2/ws', `access_token=${(await newUser()).tokens.access_token}`);
  await session.nextOf('welcome');
  session.send({ action: 'subscribe', id: 's', instruments: [a.token], mode: 'quote' });
  await session.nextOf('ack');
  return session;
}

/** The JSON frames up to and including the first of `type`. */
async function framesUntil(session: TestSession, type: ServerMessage['type']): Promise<ServerMessage[]> {
  const frames: ServerMessage[] = [];
  for (;;) {
    const frame = await session.next();
    if (frame instanceof Uint8Array) continue;
    frames.push(frame);
    if (frame.type === type) return frames;
  }
}

beforeAll(async () => {
  feedLink = await TestOrigin.connect('/origin/feed');
  feedLink.sendJson(originStatus());
  await settled(async () => expect((await env.FEED_CONTROL.getByName('feed').feedHealth()).health.status).toBe('live'));
});

describe('status frames on a subscribe', () => {
  it('gives nothing but ticks when the group nobody wanted gets linked on a live feed: no transient down', async () => {
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 12)) as [TestInstrument];
    const session = await subscribed(a);
    // The origin hears the group is wanted, links it and reports, as the real one does.
    for (let frame = await feedLink.next<{ groups: string[] }>(); !frame.groups.includes(a.group); frame = await feedLink.next()) {
      // An earlier list of groups.
    }
    const { origin, demand } = await originOf(a.group);
    await settled(() => expect(demand()).toEqual({ [a.token]: 'quote' }));
    origin.sendBatch([fullPacket(a.token, 10)]);
    expect((await framesUntil(session, 'ticks')).map((f) => f.type)).toEqual(['ticks']);
    session.close();
    origin.close();
  });

  it('gives the feed’s state with its reason first when the feed is not live, not down', async () => {
    feedLink.sendJson(originStatus({ state: 'stale', reason: '1 of 3 Kite connections are not live' }));
    await settled(async () => expect((await env.FEED_CONTROL.getByName('feed').feedHealth()).health.status).toBe('stale'));
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 13)) as [TestInstrument];
    const session = await subscribed(a);
    expect(await session.nextOf('status')).toEqual({
      type: 'status',
      group: a.group,
      state: 'stale',
      reason: "the origin reports Kite's ticks stale: 1 of 3 Kite connections are not live",
      instruments: [a.token],
    });
    session.close();
    feedLink.sendJson(originStatus());
  });
});

describe('status frames as the origin’s link changes', () => {
  it('tells a new reason within the same state: a drop, then the token’s expiry', async () => {
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 14)) as [TestInstrument];
    const { origin } = await originOf(a.group, { state: 'down', reason: 'closed by Kite (1006)' });
    const session = await subscribed(a);
    expect(await session.nextOf('status')).toMatchObject({ state: 'down', reason: 'closed by Kite (1006)' });
    const expired = "Kite access token expired at 2026-12-07T00:30:00.000Z: log in at the origin's /login";
    origin.sendJson({ type: 'feed', state: 'token_expired', reason: expired, at: Date.now() });
    expect(await session.nextOf('status')).toMatchObject({ state: 'down', reason: expired });
    session.close();
    origin.close();
  });

  it('reports an origin that comes back by its first report on the new link, not by the last of its previous run', async () => {
    const [a] = (await instrumentsOfOneGroup('NSE', 1, 15)) as [TestInstrument];
    const first = await originOf(a.group);
    const session = await subscribed(a);
    await settled(() => expect(first.demand()).toEqual({ [a.token]: 'quote' }));
    first.origin.close();
    expect(await session.nextOf('status')).toMatchObject({ state: 'stale', reason: 'the origin link dropped; it is reconnecting' });

    const starting = { state: 'stale', reason: 'the origin started and has not connected to Kite yet' };
    const back = await originOf(a.group, starting);
    expect(await session.nextOf('status')).toMatchObject(starting);
    back.origin.sendJson({ type: 'feed', state: 'live', at: Date.now() });
    expect(await session.nextOf('status')).toMatchObject({ state: 'live' });
    session.close();
    back.origin.close();
  });
});
