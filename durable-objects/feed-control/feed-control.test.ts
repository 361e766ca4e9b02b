import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LINK_CLOSE_FENCED, LINK_CLOSE_REPLACED, type OriginStatus, STATUS_INTERVAL_MS } from '../../contracts/origin-link.ts';
import { ltpPacket, TEST_ORIGIN_ID, TestOrigin, testOriginToken } from '../../test/workers/test-origin.ts';
import { STALE_STATUS_MS, STALE_TICK_MS } from './feed-control.ts';

/** This file's FeedControl is its own (each test file starts with no objects: test/workers/fresh-objects.ts); its tests run in order. */
const feed = () => env.FEED_CONTROL.getByName('feed');
const group = (key: string) => env.INSTRUMENT_GROUP.getByName(key);
const link = () => TestOrigin.connect('/origin/feed');
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 20 });
const settle = async <T>(call: PromiseLike<T>): Promise<T> => await call;

const status = (fields: Partial<OriginStatus> = {}): OriginStatus => {
  const at = Date.now();
  return { type: 'status', state: 'live', last_tick_at: at - 1_500, instruments: 42, token_expires_at: '2026-11-24T00:30:00.000Z', at, ...fields };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('FeedControl', () => {
  it('reports the feed down before any origin has linked', async () => {
    expect((await feed().feedHealth()).health).toEqual({ status: 'down', last_tick_age_ms: null, reason: 'no origin ticker has connected to the edge' });
  });

  it('sends the groups with demand on connect and whenever they change', async () => {
    await group('index:NSE').setDemand('hub-a', { 256265: 'full' });
    const origin = await link();
    expect(await origin.next()).toEqual({ type: 'groups', groups: ['index:NSE'] });

    await group('fno:NFO:NIFTY').setDemand('hub-a', { 1: 'ltp' });
    expect(await origin.next()).toEqual({ type: 'groups', groups: ['fno:NFO:NIFTY', 'index:NSE'] });
    // A second consumer of a group that already has demand changes nothing here.
    await group('fno:NFO:NIFTY').setDemand('hub-b', { 2: 'ltp' });
    await group('index:NSE').setDemand('hub-a', {});
    expect(await origin.next()).toEqual({ type: 'groups', groups: ['fno:NFO:NIFTY'] });
    expect(origin.pending).toBe(0);

    expect((await feed().feedHealth()).groups_with_demand).toEqual(['fno:NFO:NIFTY']);
    await group('fno:NFO:NIFTY').setDemand('hub-a', {});
    await group('fno:NFO:NIFTY').setDemand('hub-b', {});
    expect(await origin.next()).toEqual({ type: 'groups', groups: [] });
    origin.close();
  });

  it('reports live with the last tick age from the origin’s status', async () => {
    const origin = await link();
    await origin.next();
    expect((await feed().feedHealth()).health).toMatchObject({ status: 'down', reason: expect.stringContaining('not reported its status') });
    origin.sendJson(status());
    await settled(async () => expect((await feed().feedHealth()).kite_state).toBe('live'));
    const view = await feed().feedHealth();
    expect(view.health).toEqual({ status: 'live', last_tick_age_ms: expect.any(Number) });
    expect(view.health.last_tick_age_ms).toBeGreaterThanOrEqual(1_500);
    expect(view.health.last_tick_age_ms).toBeLessThan(1_500 + STATUS_INTERVAL_MS);
    expect(view).toMatchObject({ origin: { connected: true }, instruments: 42, token_expires_at: '2026-11-24T00:30:00.000Z' });
    origin.close();
  });

  it('reports stale when the last status is older than twice the status interval', async () => {
    const origin = await link();
    await origin.next();
    origin.sendJson(status());
    await settled(async () => expect((await feed().feedHealth()).health.status).toBe('live'));
    // The Durable Object runs in the tests' isolate, so it sees the same clock.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + STALE_STATUS_MS + 1_000);
    expect((await feed().feedHealth()).health).toMatchObject({ status: 'stale', reason: expect.stringMatching(/last status is 1\d(\.\d)? s old/) });
    vi.useRealTimers();
    origin.close();
  });

  it('reports stale, not live, when Kite is connected but no tick has arrived for a while', async () => {
    const origin = await link();
    await origin.next();
    origin.sendJson(status({ last_tick_at: Date.now() - STALE_TICK_MS - 17_000 }));
    await settled(async () =>
      expect((await feed().feedHealth()).health).toMatchObject({ status: 'stale', reason: expect.stringMatching(/no tick has arrived for 2\d(\.\d)? s/) }),
    );
    // Nothing subscribed, nothing to arrive: live.
    origin.sendJson(status({ last_tick_at: Date.now() - STALE_TICK_MS - 17_000, instruments: 0 }));
    await settled(async () => expect((await feed().feedHealth()).health.status).toBe('live'));
    origin.close();
  });

  it('reports what the origin says about Kite, and down when the link drops', async () => {
    const origin = await link();
    await origin.next();
    origin.sendJson(status({ state: 'token_expired', reason: 'expired at 06:00 IST' }));
    await settled(async () => expect((await feed().feedHealth()).kite_state).toBe('token_expired'));
    expect((await feed().feedHealth()).health).toMatchObject({
      status: 'down',
      reason: 'the Kite access token has expired; log in again: expired at 06:00 IST',
    });
    origin.sendJson(status({ state: 'stale' }));
    await settled(async () => expect((await feed().feedHealth()).health.status).toBe('stale'));

    origin.close();
    await settled(async () => expect((await feed().feedHealth()).origin.connected).toBe(false));
    expect((await feed().feedHealth()).health).toMatchObject({ status: 'down', reason: expect.stringContaining("the origin's feed link is down since") });
  });

  it('answers frames it cannot read with bad_frame and keeps the last good status', async () => {
    const origin = await link();
    await origin.next();
    origin.sendJson(status({ instruments: 7 }));
    origin.sendBatch([ltpPacket(1, 1)]);
    expect(await origin.next()).toMatchObject({ type: 'error', code: 'bad_frame', message: expect.stringContaining('JSON text frames only') });
    origin.sendJson({ type: 'status', state: 'live' });
    expect(await origin.next()).toMatchObject({ type: 'error', code: 'bad_frame', message: expect.stringMatching(/^frame refused: /) });
    expect((await feed().feedHealth()).instruments).toBe(7);
    origin.close();
  });

  it('lets a newer feed link replace the older, and sends it the groups', async () => {
    await group('cash:NSE:03').setDemand('hub-a', { 1: 'ltp' });
    const older = await link();
    await older.next();
    const newer = await link();
    expect(await older.closed).toEqual({ code: LINK_CLOSE_REPLACED, reason: 'replaced by a newer link' });
    expect(await newer.next()).toEqual({ type: 'groups', groups: ['cash:NSE:03'] });
    expect((await feed().feedHealth()).origin.connected).toBe(true);
    newer.close();
    await group('cash:NSE:03').setDemand('hub-a', {});
  });

  it('refuses a group that is not a group key', async () => {
    await expect(settle(feed().setGroupDemand('NIFTY', true))).rejects.toThrow('"NIFTY" is not an instrument group key');
    expect((await feed().feedHealth()).groups_with_demand).not.toContain('NIFTY');
  });
});

describe('FeedControl: the origin lease', () => {
  const lease = (origin_id: string, fields: { token?: number; release?: true; ttl_ms?: number } = {}) =>
    settle(feed().lease({ origin_id, ttl_ms: 5_000, ...fields }));
  /** Gives the lease to `origin_id` (the test origin gives it up first), as a standby takes it over. */
  const takeOver = async (origin_id: string) => {
    await lease(TEST_ORIGIN_ID, { token: await testOriginToken(), release: true });
    const taken = await lease(origin_id);
    expect(taken.granted).toBe(true);
    return taken.token as number;
  };
  const giveBack = (origin_id: string, token: number) => lease(origin_id, { token, release: true });

  it('is taken by one origin only, renewed by its holder, and refused to the others while held', async () => {
    const token = await takeOver('origin-a');
    expect(await lease('origin-b')).toEqual({ granted: false, holder: 'origin-a', token, expires_in_ms: expect.any(Number) });
    // Renewal needs the holder's own token: another's, or a made-up one, is refused.
    expect((await lease('origin-b', { token })).granted).toBe(false);
    expect((await lease('origin-a', { token: token + 7 })).granted).toBe(false);
    expect(await lease('origin-a', { token })).toMatchObject({ granted: true, holder: 'origin-a', token, expires_in_ms: 5_000 });
    expect((await feed().feedHealth()).lease).toMatchObject({ holder: 'origin-a', token });
    await giveBack('origin-a', token);
  });

  it('lapses after its time to live: the next taker gets a fencing token one higher, and the old holder can no longer renew', async () => {
    const first = await takeOver('origin-a');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5_001);
    const second = await lease('origin-b');
    expect(second).toMatchObject({ granted: true, holder: 'origin-b', token: first + 1, previous_holder: 'origin-a' });
    expect((await lease('origin-a', { token: first })).granted).toBe(false);
    vi.useRealTimers();
    await giveBack('origin-b', second.token as number);
  });

  it('keeps its fencing token in SQLite, so it never goes back after a restart', async () => {
    const token = await takeOver('origin-a');
    const stored = await runInDurableObject(feed(), (_instance: unknown, state: DurableObjectState) =>
      state.storage.sql.exec<{ holder: string; token: number }>('SELECT holder, token FROM lease').one(),
    );
    expect(stored).toEqual({ holder: 'origin-a', token });
    await giveBack('origin-a', token);
    expect((await lease('origin-b')).token).toBe(token + 1);
    await giveBack('origin-b', token + 1);
  });

  it('closes links carrying an old fencing token with 4002, and the older holder’s feed link when a new one takes over', async () => {
    const first = await takeOver('origin-a');
    const older = await TestOrigin.connect('/origin/feed', { fencingToken: first });
    await older.next();
    await giveBack('origin-a', first);
    const second = (await lease('origin-b')).token as number;
    expect(await older.closed).toEqual({ code: LINK_CLOSE_FENCED, reason: `fencing token ${first} refused: the current lease's token is ${second}` });

    // Refused at the upgrade, on the feed link and on a group link alike.
    for (const path of ['/origin/feed', '/origin/groups/index:NSE']) {
      const stale = await TestOrigin.connect(path, { fencingToken: first });
      expect((await stale.closed).code).toBe(LINK_CLOSE_FENCED);
    }
    // The current holder links, and a newer link on the same token only replaces it.
    const current = await TestOrigin.connect('/origin/groups/index:NSE', { fencingToken: second });
    const again = await TestOrigin.connect('/origin/groups/index:NSE', { fencingToken: second });
    expect((await current.closed).code).toBe(LINK_CLOSE_REPLACED);
    again.close();
    await giveBack('origin-b', second);
  });

  it('closes a group link at its next feed report once the lease has changed hands, before it can send a batch', async () => {
    const first = await takeOver('origin-a');
    const stale = await TestOrigin.connect('/origin/groups/cash:NSE:09', { fencingToken: first });
    await giveBack('origin-a', first);
    const second = (await lease('origin-b')).token as number;
    // The woken origin's heartbeat: the group asks FeedControl whose token is current.
    stale.sendJson({ type: 'feed', state: 'live', at: Date.now() });
    expect(await stale.closed).toEqual({ code: LINK_CLOSE_FENCED, reason: `fencing token ${first} refused: the current lease's token is ${second}` });
    await giveBack('origin-b', second);
  });

  it('refuses a malformed lease request', async () => {
    await expect(settle(feed().lease({ origin_id: '', ttl_ms: 5_000 }))).rejects.toThrow(/lease request refused: origin_id/);
    await expect(settle(feed().lease({ origin_id: 'origin-a', ttl_ms: 50 }))).rejects.toThrow(/ttl_ms/);
  });
});
