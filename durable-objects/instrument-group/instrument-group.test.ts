import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { packetToken } from '../../contracts/kite-ticks/packet-layout.ts';
import { encodeTickBatch, LINK_CLOSE_REPLACED, LINK_PROTOCOL_VERSION } from '../../contracts/origin-link.ts';
import { base64, ltpPacket, TestOrigin } from '../../test/workers/test-origin.ts';
import { decodeHeldChunk } from './held-packets.ts';
import { type InstrumentGroup, SNAPSHOT_INTERVAL_MS } from './instrument-group.ts';
import { MAX_HELD_INSTRUMENTS, UNDEMANDED_RETENTION_MS } from './latest-packets.ts';

/** Every test has its own group (its own object), so none sees another's state. */
const group = (name: string) => `fno:NFO:${name}`;
const stub = (key: string) => env.INSTRUMENT_GROUP.getByName(key);
const link = (key: string) => TestOrigin.connect(`/origin/groups/${key}`);
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 20 });
/** An RPC call as a plain promise: matchers probing an RPC promise's properties would start calls of their own. */
const settle = async <T>(call: PromiseLike<T>): Promise<T> => await call;

/** The snapshot as stored, by token. */
const rows = (key: string) =>
  runInDurableObject(stub(key), (_instance: InstrumentGroup, state) =>
    state.storage.sql
      .exec<{ data: ArrayBuffer }>('SELECT data FROM latest_chunks ORDER BY chunk')
      .toArray()
      .flatMap((row) => decodeHeldChunk(row.data))
      .map((held) => ({ token: packetToken(held.packet), packet: base64(held.packet), received_at: held.receivedAt }))
      .sort((a, b) => a.token - b.token),
  );

describe('InstrumentGroup: tick batches', () => {
  it('keeps the latest packet of each token, exactly as Kite sent it', async () => {
    const key = group('LATEST');
    const origin = await link(key);
    expect(await origin.next()).toEqual({ type: 'demand', tokens: {} });
    const at = Date.now();
    origin.sendBatch([ltpPacket(101, 10), ltpPacket(102, 20)], at - 1_000);
    origin.sendBatch([ltpPacket(101, 11.25)], at);
    await settled(async () => expect((await stub(key).state()).ticks_received).toBe(3));

    expect(await stub(key).latest()).toEqual([
      { token: 102, received_at: at - 1_000, packet: base64(ltpPacket(102, 20)) },
      { token: 101, received_at: at, packet: base64(ltpPacket(101, 11.25)) },
    ]);
    expect(await stub(key).latest([101, 999])).toEqual([{ token: 101, received_at: at, packet: base64(ltpPacket(101, 11.25)) }]);
    const state = await stub(key).state();
    expect(state).toMatchObject({ group: key, link: { connected: true }, instruments_held: 2 });
    expect(state.last_tick_age_ms).toBeGreaterThanOrEqual(0);
    origin.close();
  });

  it('answers a malformed frame with a bad_frame error and keeps working', async () => {
    const key = group('MALFORMED');
    const origin = await link(key);
    await origin.next();
    const batch = encodeTickBatch(1, [ltpPacket(7, 1)]);

    origin.socket.send(batch.subarray(0, batch.byteLength - 3));
    expect(await origin.next()).toEqual({ type: 'error', code: 'bad_frame', message: expect.stringContaining('bad length') });
    const wrongVersion = batch.slice();
    wrongVersion[0] = LINK_PROTOCOL_VERSION + 1;
    origin.socket.send(wrongVersion);
    expect(await origin.next()).toMatchObject({ code: 'bad_frame', message: expect.stringContaining('version') });
    origin.socket.send('not json');
    expect(await origin.next()).toMatchObject({ code: 'bad_frame', message: expect.stringContaining('JSON') });
    // Nine bytes is no Kite packet: held and forwarded, it failed the hubs' flush for every session.
    origin.socket.send(encodeTickBatch(1, [ltpPacket(7, 1), new Uint8Array(9)]));
    expect(await origin.next()).toMatchObject({ code: 'bad_frame', message: expect.stringContaining('packet 2 of 2 has a bad length 9') });
    origin.sendJson({ type: 'feed', state: 'sideways', at: 1 });
    expect(await origin.next()).toMatchObject({ code: 'bad_frame', message: expect.stringMatching(/^frame refused: state: /) });

    origin.sendBatch([ltpPacket(7, 42)]);
    await settled(async () => expect(await stub(key).latest([7])).toEqual([expect.objectContaining({ packet: base64(ltpPacket(7, 42)) })]));
    expect((await stub(key).state()).ticks_received).toBe(1);
    origin.close();
  });

  it('keeps the feed state and the capacity rejections the origin reports', async () => {
    const key = group('FEEDSTATE');
    const origin = await link(key);
    await origin.next();
    origin.sendJson({ type: 'feed', state: 'token_expired', reason: 'access token expired at 06:00', at: 5 });
    origin.sendJson({ type: 'capacity', rejected: [{ token: 9, reason: 'all 3 connections hold 3000 instruments' }] });
    await settled(async () => expect((await stub(key).state()).capacity).not.toBeNull());
    const state = await stub(key).state();
    expect(state.feed).toMatchObject({ state: 'token_expired', reason: 'access token expired at 06:00', at: 5 });
    expect(state.capacity).toMatchObject({ rejected_count: 1, rejected: [{ token: 9, reason: 'all 3 connections hold 3000 instruments' }] });
    origin.close();
  });
});

describe('InstrumentGroup: the link', () => {
  it('lets a newer link replace the older, which is closed with 4001', async () => {
    const key = group('REPLACE');
    await stub(key).setDemand('hub-a', { 5: 'quote' });
    const older = await link(key);
    await older.next();
    const newer = await link(key);
    expect(await older.closed).toEqual({ code: LINK_CLOSE_REPLACED, reason: 'replaced by a newer link' });
    expect(await newer.next()).toEqual({ type: 'demand', tokens: { 5: 'quote' } });
    newer.sendBatch([ltpPacket(5, 1)]);
    await settled(async () => expect((await stub(key).state()).ticks_received).toBe(1));
    expect((await stub(key).state()).link.connected).toBe(true);

    newer.close();
    await settled(async () => expect((await stub(key).state()).link).toMatchObject({ connected: false, disconnected_at: expect.any(Number) }));
    await stub(key).setDemand('hub-a', {});
  });
});

describe('InstrumentGroup: demand', () => {
  it('is ref-counted over consumers and reaches the origin at connect and on every change', async () => {
    const key = group('DEMAND');
    await stub(key).setDemand('hub-a', { 1: 'ltp', 2: 'quote' });
    const origin = await link(key);
    expect(await origin.next()).toEqual({ type: 'demand', tokens: { 1: 'ltp', 2: 'quote' } });

    await stub(key).setDemand('hub-b', { 2: 'full', 3: 'ltp' });
    expect(await origin.next()).toEqual({ type: 'demand', tokens: { 1: 'ltp', 2: 'full', 3: 'ltp' } });

    // Wanting what is already wanted, as richly, changes nothing the origin needs to hear.
    const summary = await stub(key).setDemand('hub-c', { 1: 'ltp' });
    expect(summary).toEqual({ group: key, tokens: 3, consumers: { 'hub-a': 2, 'hub-b': 2, 'hub-c': 1 } });

    await stub(key).setDemand('hub-b', {});
    expect(await origin.next()).toEqual({ type: 'demand', tokens: { 1: 'ltp', 2: 'quote' } });
    expect(origin.pending).toBe(0);
    expect((await stub(key).state()).demand).toEqual({ tokens: { 1: 'ltp', 2: 'quote' }, consumers: { 'hub-a': 2, 'hub-c': 1 } });
    origin.close();
  });

  it('tells FeedControl when the group gains its first demand and loses its last', async () => {
    const key = group('FEEDTOLD');
    const groups = async () => (await env.FEED_CONTROL.getByName('feed').feedHealth()).groups_with_demand;
    expect(await groups()).not.toContain(key);
    await stub(key).setDemand('hub-a', { 1: 'ltp' });
    expect(await groups()).toContain(key);
    await stub(key).setDemand('hub-b', { 2: 'ltp' });
    await stub(key).setDemand('hub-a', {});
    expect(await groups()).toContain(key);
    await stub(key).setDemand('hub-b', {});
    expect(await groups()).not.toContain(key);
  });

  it('refuses a malformed demand without changing it', async () => {
    const key = group('BADDEMAND');
    await stub(key).setDemand('hub-a', { 1: 'ltp' });
    await expect(settle(stub(key).setDemand('hub-a', { x: 'ltp' } as never))).rejects.toThrow('tokens.x: must be an instrument token');
    await expect(settle(stub(key).setDemand('hub a', { 1: 'ltp' }))).rejects.toThrow(/^consumer: must be/);
    expect((await stub(key).state()).demand.tokens).toEqual({ 1: 'ltp' });
    await stub(key).setDemand('hub-a', {});
  });
});

describe('InstrumentGroup: the snapshot', () => {
  it('writes changed packets within about a second, from the alarm', async () => {
    const key = group('ALARM');
    const origin = await link(key);
    await origin.next();
    const before = Date.now();
    origin.sendBatch([ltpPacket(11, 1), ltpPacket(12, 2)], before - 5);
    await settled(async () => expect((await stub(key).state()).ticks_received).toBe(2));
    const alarm = await runInDurableObject(stub(key), (_instance: InstrumentGroup, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThanOrEqual(before);
    expect(alarm).toBeLessThanOrEqual(Date.now() + SNAPSHOT_INTERVAL_MS);

    await runDurableObjectAlarm(stub(key));
    expect(await rows(key)).toEqual([
      { token: 11, packet: base64(ltpPacket(11, 1)), received_at: before - 5 },
      { token: 12, packet: base64(ltpPacket(12, 2)), received_at: before - 5 },
    ]);
    expect((await stub(key).state()).snapshot).toMatchObject({ pending_writes: 0, last_written_at: expect.any(Number) });
    origin.close();
  });

  it('survives restart(): the fresh instance starts with the latest packets, counters and demand', async () => {
    const key = group('RESTART');
    await stub(key).setDemand('hub-a', { 21: 'full' });
    const origin = await link(key);
    await origin.next();
    origin.sendBatch([ltpPacket(21, 99.5), ltpPacket(22, 1)]);
    origin.sendJson({ type: 'feed', state: 'live', at: 778 });
    await settled(async () => expect((await stub(key).state()).feed?.state).toBe('live'));
    const latestBefore = await stub(key).latest();

    await expect(settle(stub(key).restart())).rejects.toThrow('restart requested');
    // The restart dropped the link; the fresh instance loaded everything from SQLite.
    expect((await origin.closed).code).toBe(1006);
    expect(await stub(key).latest()).toEqual(latestBefore);
    const state = await stub(key).state();
    expect(state).toMatchObject({
      ticks_received: 2,
      instruments_held: 2,
      feed: { state: 'live', at: 778 },
      link: { connected: false, disconnected_at: expect.any(Number) },
      demand: { tokens: { 21: 'full' }, consumers: { 'hub-a': 1 } },
    });
    // And it still takes a link and ticks.
    const again = await link(key);
    expect(await again.next()).toEqual({ type: 'demand', tokens: { 21: 'full' } });
    again.sendBatch([ltpPacket(21, 100)]);
    await settled(async () => expect((await stub(key).state()).ticks_received).toBe(3));
    again.close();
    await stub(key).setDemand('hub-a', {});
  });

  it(`holds at most ${MAX_HELD_INSTRUMENTS} instruments, dropping the least recently ticked`, async () => {
    const key = group('CAP');
    const origin = await link(key);
    await origin.next();
    const packets = Array.from({ length: MAX_HELD_INSTRUMENTS + 1 }, (_, i) => ltpPacket(1_000 + i, i));
    origin.sendBatch(packets.slice(0, 10));
    origin.sendBatch([ltpPacket(1_000, 5)]); // token 1000 is now the most recent, 1001 the least
    origin.sendBatch(packets.slice(10));
    await settled(async () => expect((await stub(key).state()).ticks_received).toBe(MAX_HELD_INSTRUMENTS + 2));
    expect((await stub(key).state()).instruments_held).toBe(MAX_HELD_INSTRUMENTS);
    expect(await stub(key).latest([1_000, 1_001, 1_002])).toEqual([expect.objectContaining({ token: 1_000 }), expect.objectContaining({ token: 1_002 })]);
    await runDurableObjectAlarm(stub(key));
    expect((await rows(key)).length).toBe(MAX_HELD_INSTRUMENTS);
    origin.close();
  });

  it('drops a token no consumer wants once its last packet is older than the retention', async () => {
    const key = group('PRUNE');
    await stub(key).setDemand('hub-a', { 31: 'ltp' });
    const origin = await link(key);
    await origin.next();
    const old = Date.now() - UNDEMANDED_RETENTION_MS - 60_000;
    origin.sendBatch([ltpPacket(31, 1), ltpPacket(32, 2)], old);
    origin.sendBatch([ltpPacket(33, 3)]);
    await settled(async () => expect((await stub(key).state()).ticks_received).toBe(3));
    await runDurableObjectAlarm(stub(key));
    // 31 is old but wanted, 33 unwanted but fresh: both stay; 32 goes, from memory and from the snapshot.
    expect((await stub(key).latest()).map((p) => p.token).sort()).toEqual([31, 33]);
    expect((await rows(key)).map((r) => r.token)).toEqual([31, 33]);
    origin.close();
    await stub(key).setDemand('hub-a', {});
  });
});
