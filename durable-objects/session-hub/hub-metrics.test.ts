import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { hubName } from '../../contracts/hub-config.ts';
import { scrape, seriesValue } from '../../test/workers/metrics-text.ts';
import { originOf } from '../../test/workers/test-origin.ts';
import { fullPacket, instrumentsOfOneGroup, type TestInstrument, TestSession } from '../../test/workers/test-session.ts';
import { newUser } from '../../test/workers/test-users.ts';

/**
 * A hub's counters as GET /metrics reports them: the ticks a session got,
 * and a session that closed, by its close code. Other files' sessions may
 * share the hubs, so the ticks are compared as at least what this one got.
 */
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 50 });
const DELIVERED = 'kite_edge_ticks_delivered_total';

describe('SessionHub metrics', () => {
  it('count the ticks that reach a session and those conflated, report its group’s feed age, and count its close by code', async () => {
    const user = await newUser();
    const [a, b] = (await instrumentsOfOneGroup('NSE', 2, 9)) as [TestInstrument, TestInstrument];
    const { origin, demand } = await originOf(a.group);
    const session = await TestSession.open('/v2/ws', `access_token=${user.tokens.access_token}`);
    await session.nextOf('welcome');
    session.send({ action: 'subscribe', id: 1, instruments: [a.token, b.token], mode: 'ltp' });
    await session.nextOf('ack');
    await settled(async () => expect(Object.keys(demand()).length).toBe(2));
    const before = await scrape();

    let received = 0;
    for (let i = 0; i < 3; i++) {
      origin.sendBatch([fullPacket(a.token, 100 + i), fullPacket(b.token, 200 + i)]);
      for (const frame of await session.drain(300)) {
        if (!(frame instanceof Uint8Array) && (frame.type === 'snapshot' || frame.type === 'ticks')) received += frame.ticks.length;
      }
    }
    // Two ticks of one instrument in one batch: the session gets the newer, and the older counts as conflated.
    const conflated = 'kite_edge_frames_conflated_total';
    origin.sendBatch([fullPacket(a.token, 300), fullPacket(a.token, 301)]);
    const merged = await session.nextOf('ticks');
    expect(merged.ticks.map((tick) => tick.last_price)).toEqual([301]);
    received += merged.ticks.length;
    const after = await scrape();
    expect(seriesValue(after, conflated) - seriesValue(before, conflated)).toBeGreaterThanOrEqual(1);
    expect(received).toBeGreaterThanOrEqual(5);
    expect(seriesValue(after, DELIVERED) - seriesValue(before, DELIVERED)).toBeGreaterThanOrEqual(received);
    expect(seriesValue(after, 'kite_edge_ws_sessions{protocol="v2"}')).toBeGreaterThanOrEqual(1);
    const age = after.get(`kite_edge_feed_age_seconds{group="${a.group}"}`);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5);

    // A code no other test closes with: its series moves by exactly this session.
    const closed = 'kite_edge_sessions_closed_total{code="4321"}';
    session.socket.close(4321, 'done with metrics');
    await settled(async () => expect(seriesValue(await scrape(), closed) - seriesValue(before, closed)).toBe(1));

    // The counters are kept in the hub's storage: a restart does not set them back (Prometheus would see a reset).
    await env.SESSION_HUB.getByName(hubName(user.id, 4))
      .restart()
      .catch(() => undefined);
    const restarted = await scrape();
    expect(seriesValue(restarted, DELIVERED)).toBeGreaterThanOrEqual(seriesValue(after, DELIVERED));
    expect(seriesValue(restarted, closed) - seriesValue(before, closed)).toBe(1);
    origin.close();
  });
});
