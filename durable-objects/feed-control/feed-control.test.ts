import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LINK_CLOSE_REPLACED, type OriginStatus, STATUS_INTERVAL_MS } from '../../contracts/origin-link.ts';
import { ltpPacket, TestOrigin } from '../../test/workers/test-origin.ts';
import { STALE_STATUS_MS, STALE_TICK_MS } from './feed-control.ts';

/** This file's FeedControl is its own (each test file runs in a fresh runtime); its tests run in order. */
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
