import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { BINARY_FRAME_TYPE, decodeBinaryTickFrame } from '../../contracts/binary-tick-frame.ts';
import type { ServerMessage } from '../../contracts/client-protocol.ts';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import { SESSION_HEADERS } from '../../contracts/session-handoff.ts';
import { originOf } from '../../test/workers/test-origin.ts';
import { EDGE, fullPacket, instrumentsOfOneGroup, type TestInstrument, TestSession } from '../../test/workers/test-session.ts';
import { newUser, type TestUser } from '../../test/workers/test-users.ts';

/**
 * /v2/ws?format=binary in workerd, through the worker's route: control
 * messages stay JSON text, ticks and snapshots come as binary frames of
 * Kite's packets (contracts/binary-tick-frame.ts) that decode to exactly
 * the ticks a JSON session of the same subscriptions receives.
 */
const open = (user: TestUser, format?: string) =>
  TestSession.open('/v2/ws', `access_token=${user.tokens.access_token}${format === undefined ? '' : `&format=${format}`}`);
const settled = (check: () => Promise<void> | void) => vi.waitFor(check, { timeout: 5_000, interval: 20 });

async function subscribe(session: TestSession, instruments: number[], mode: string, id: string | number = 'sub') {
  session.send({ action: 'subscribe', id, instruments, mode });
  return session.nextOf('ack');
}

type Received = { type: 'ticks' | 'snapshot'; ticks: Tick[]; binary: boolean };

/** The tick frames a session gets within `ms` (text or binary, decoded), in order. */
async function tickFramesWithin(session: TestSession, ms: number): Promise<Received[]> {
  const out: Received[] = [];
  for (const frame of await session.drain(ms)) {
    if (frame instanceof Uint8Array) out.push({ ...decodeBinaryTickFrame(frame), binary: true });
    else if (frame.type === 'ticks' || frame.type === 'snapshot') out.push({ type: frame.type, ticks: frame.ticks, binary: false });
  }
  return out;
}

const byToken = (frames: Received[]) => new Map(frames.flatMap((frame) => frame.ticks.map((tick) => [tick.instrument_token, tick] as const)));

describe('SessionHub: /v2/ws?format=binary', () => {
  it('answers control messages in JSON and sends ticks as binary frames that decode to the JSON session’s ticks, in ltp, quote and full', async () => {
    const user = await newUser();
    const [a, b, c] = (await instrumentsOfOneGroup('BSE', 3, 12)) as [TestInstrument, TestInstrument, TestInstrument];
    const { origin, demand } = await originOf(a.group);
    const json = await open(user);
    const binary = await open(user, 'binary');
    await json.nextOf('welcome');
    const welcome = (await binary.next()) as ServerMessage;
    expect(welcome.type).toBe('welcome');
    for (const [session, id] of [
      [json, 'j'],
      [binary, 'b'],
    ] as const) {
      expect((await subscribe(session, [a.token], 'ltp', `${id}1`)).accepted).toHaveLength(1);
      expect((await subscribe(session, [b.token], 'quote', `${id}2`)).accepted).toHaveLength(1);
      expect(await subscribe(session, [c.token], 'full', `${id}3`)).toMatchObject({ id: `${id}3`, subscribed: 3 });
    }
    await settled(() => expect(demand()).toEqual({ [a.token]: 'ltp', [b.token]: 'quote', [c.token]: 'full' }));

    origin.sendBatch([fullPacket(a.token, 101.5), fullPacket(b.token, 202.25), fullPacket(c.token, 303.05, 77)]);
    const fromJson = await tickFramesWithin(json, 300);
    const fromBinary = await tickFramesWithin(binary, 300);
    expect(fromJson.every((frame) => !frame.binary && frame.type === 'ticks')).toBe(true);
    expect(fromBinary.length).toBeGreaterThan(0);
    expect(fromBinary.every((frame) => frame.binary && frame.type === 'ticks')).toBe(true);
    const ticks = byToken(fromBinary);
    expect(ticks).toEqual(byToken(fromJson));
    expect(ticks.get(a.token)).toEqual({ tradable: true, mode: 'ltp', instrument_token: a.token, last_price: 101.5 });
    expect(ticks.get(b.token)).toMatchObject({ mode: 'quote', last_price: 202.25, volume_traded: 1000 });
    expect(ticks.get(b.token)).not.toHaveProperty('depth');
    expect(ticks.get(c.token)).toMatchObject({ mode: 'full', last_price: 303.05, volume_traded: 77 });
    expect(ticks.get(c.token)).toHaveProperty('depth.buy.0', { quantity: 10, price: 303, orders: 2 });
    for (const s of [json, binary]) s.close();
    origin.close();
  });

  it('sends a new subscription’s snapshot as a binary snapshot frame after the JSON ack, and follows a mode change', async () => {
    const user = await newUser();
    const [a] = (await instrumentsOfOneGroup('BSE', 1, 13)) as [TestInstrument];
    const { origin } = await originOf(a.group);
    // Someone else's demand makes the hub hold the instrument's latest tick before this session subscribes.
    const other = await open(await newUser());
    await subscribe(other, [a.token], 'full');
    origin.sendBatch([fullPacket(a.token, 500)]);
    await settled(async () => expect((await tickFramesWithin(other, 50)).length).toBeGreaterThan(0));

    const session = await open(user, 'binary');
    await session.nextOf('welcome');
    session.send({ action: 'subscribe', id: 7, instruments: [a.token], mode: 'ltp' });
    expect(await session.next()).toMatchObject({ type: 'ack', id: 7, accepted: [{ instrument_token: a.token, mode: 'ltp' }] });
    const snapshot = (await session.next()) as Uint8Array;
    expect(snapshot).toBeInstanceOf(Uint8Array);
    expect(snapshot[0]).toBe(BINARY_FRAME_TYPE.snapshot);
    expect(snapshot.byteLength).toBe(1 + 2 + 2 + 8); // type, count, one ltp packet after its length
    expect(decodeBinaryTickFrame(snapshot).ticks).toEqual([{ tradable: true, mode: 'ltp', instrument_token: a.token, last_price: 500 }]);

    session.send({ action: 'mode', id: 'm', instruments: [a.token], mode: 'full' });
    expect(await session.nextOf('ack')).toMatchObject({ action: 'mode', accepted: [{ instrument_token: a.token, mode: 'full' }] });
    origin.sendBatch([fullPacket(a.token, 501)]);
    const frames = await tickFramesWithin(session, 300);
    expect(frames.map((frame) => frame.type)).toEqual(['ticks']);
    expect(frames[0]?.ticks).toEqual([expect.objectContaining({ mode: 'full', instrument_token: a.token, last_price: 501, oi: 0 })]);
    for (const s of [session, other]) s.close();
    origin.close();
  });

  it('keeps a JSON session’s ticks in JSON when format is json or absent', async () => {
    const user = await newUser();
    const [a] = (await instrumentsOfOneGroup('BSE', 1, 14)) as [TestInstrument];
    const { origin } = await originOf(a.group);
    const sessions = [await open(user, 'json'), await open(user)];
    for (const session of sessions) await subscribe(session, [a.token], 'quote');
    origin.sendBatch([fullPacket(a.token, 42)]);
    for (const session of sessions) {
      const frames = await tickFramesWithin(session, 300);
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.every((frame) => !frame.binary)).toBe(true);
      session.close();
    }
    origin.close();
  });

  it('refuses a format it does not know, or one given twice, with a 400 naming the parameter, before the upgrade', async () => {
    const user = await newUser();
    for (const [query, message] of [
      ['format=cbor', 'must be json or binary, not "cbor"'],
      ['format=BINARY', 'must be json or binary, not "BINARY"'],
      ['format=', 'must be json or binary, not ""'],
      ['format=binary&format=json', 'must be given once'],
    ]) {
      const response = await TestSession.request('/v2/ws', `access_token=${user.tokens.access_token}&${query}`);
      expect(response.status, query).toBe(400);
      expect(response.webSocket).toBeNull();
      expect(await response.json()).toEqual({ error: { code: 'invalid_parameter', message: `format: ${message}`, param: 'format' } });
    }
  });

  it('has a hub refuse a format header that the worker would never send', async () => {
    const user = await newUser();
    const headers = new Headers({ Upgrade: 'websocket', [SESSION_HEADERS.user]: user.id, [SESSION_HEADERS.protocol]: 'v2', [SESSION_HEADERS.format]: 'cbor' });
    const response = await env.SESSION_HUB.getByName('hub-0').fetch(new Request(`${EDGE}/v2/ws`, { headers }));
    expect(response.status).toBe(400);
  });
});
