import { describe, expect, it } from 'vitest';
import { forEachPacket } from '../../contracts/kite-ticks/decode.ts';
import { kiteFrame } from '../../contracts/kite-ticks/frame.ts';
import { decodeTickBatch, encodeTickBatch } from '../../contracts/origin-link.ts';
import { type BatchSink, TickRouter } from './tick-router.ts';

/**
 * The router writes tick batches itself, straight from Kite's frame: each
 * must be exactly what the shared encoder makes of the same packets, and a
 * malformed frame must be refused as the shared decoder refuses it.
 */
const packet = (token: number, length: number, fill = token & 0xff): Uint8Array => {
  const bytes = new Uint8Array(length).fill(fill);
  new DataView(bytes.buffer).setUint32(0, token);
  return bytes;
};

function harness(groupOf: (token: number) => string | undefined) {
  const sent: { group: string; batch: Uint8Array; packets: number }[] = [];
  const logs: string[] = [];
  const sinks = new Map<string, BatchSink>();
  const sinkFor = (group: string) =>
    sinks.get(group) ?? sinks.set(group, { sendBatch: (batch, packets) => sent.push({ group, batch: batch.slice(), packets }) }).get(group);
  const router = new TickRouter(groupOf, sinkFor, (line) => logs.push(line));
  return { router, sent, logs };
}

describe('TickRouter', () => {
  it('writes one batch per group per frame, byte for byte what encodeTickBatch makes of its packets', () => {
    const packets = [packet(256265, 184), packet(738561, 44), packet(260105, 32), packet(2885, 8), packet(0xfffffff0, 184), packet(12, 28)];
    const groups = new Map([
      [256265, 'index:NSE'],
      [260105, 'index:NSE'],
      [738561, 'cash:NSE:03'],
      [2885, 'cash:NSE:03'],
      [0xfffffff0, 'fno:NFO:NIFTY'],
    ]);
    const { router, sent } = harness((token) => groups.get(token));
    const receivedAt = 1_767_000_000_123.5;
    router.route(kiteFrame(packets), receivedAt);

    expect(sent.map((s) => s.group)).toEqual(['index:NSE', 'cash:NSE:03', 'fno:NFO:NIFTY']);
    for (const { group, batch, packets: count } of sent) {
      const own = packets.filter((p) => groups.get(new DataView(p.buffer).getUint32(0)) === group);
      expect(batch).toEqual(encodeTickBatch(receivedAt, own));
      expect(count).toBe(own.length);
    }
    expect(router.unroutedPackets).toBe(1);
    expect(router.lastTickAt).toBe(receivedAt);
  });

  it('splits a group’s share of a frame beyond 32,767 packets into more batches', () => {
    const count = 40_000;
    const frame = new Uint8Array(2 + count * 10);
    const view = new DataView(frame.buffer);
    view.setUint16(0, count);
    for (let i = 0; i < count; i++) {
      view.setUint16(2 + i * 10, 8);
      view.setUint32(4 + i * 10, i + 1);
    }
    const { router, sent } = harness(() => 'cash:NSE:00');
    router.route(frame, 1);
    expect(sent.map((s) => s.packets)).toEqual([0x7fff, count - 0x7fff]);
    const tokens = sent.flatMap((s) => decodeTickBatch(s.batch).packets.map((p) => new DataView(p.buffer, p.byteOffset).getUint32(0)));
    expect(tokens).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it('drops a malformed frame with the shared decoder’s reason, and keeps routing', () => {
    const good = kiteFrame([packet(256265, 184), packet(2885, 8)]);
    const malformed = [
      new Uint8Array(0),
      good.slice(0, good.length - 1), // truncated
      Uint8Array.from([...good, 0]), // a trailing byte
      kiteFrame([packet(1, 9)]), // a length Kite never sends
      Uint8Array.from([0, 3, ...good.slice(2)]), // more packets declared than sent
    ];
    for (const frame of malformed) {
      const { router, sent, logs } = harness(() => 'g');
      router.route(frame, 20_000);
      expect(router.malformedFrames).toBe(1);
      expect(sent).toEqual([]);
      let reason = '';
      try {
        forEachPacket(frame, () => {});
      } catch (error) {
        reason = (error as Error).message;
      }
      expect(reason).not.toBe('');
      expect(logs).toEqual([`dropped a malformed Kite frame (1 so far): ${reason}`]);
      router.route(good, 20_001);
      expect(sent.map((s) => s.packets)).toEqual([2]);
    }
  });

  it('looks each token up once, and again after forget() (links or registry changed)', () => {
    let groups = new Map([[1, 'a']]);
    let lookups = 0;
    const { router, sent } = harness((token) => {
      lookups++;
      return groups.get(token);
    });
    const frame = kiteFrame([packet(1, 8), packet(2, 8)]);
    router.route(frame, 1);
    router.route(frame, 2);
    expect(lookups).toBe(2);
    expect(router.unroutedPackets).toBe(2);
    groups = new Map([
      [1, 'a'],
      [2, 'b'],
    ]);
    router.forget();
    router.route(frame, 3);
    expect(lookups).toBe(4);
    expect(sent.map((s) => s.group)).toEqual(['a', 'a', 'a', 'b']);
  });

  it('sends nothing for a heartbeat or an empty frame', () => {
    const { router, sent } = harness(() => 'g');
    router.route(new Uint8Array([0]), 1);
    router.route(new Uint8Array([0, 0]), 2);
    expect(sent).toEqual([]);
    expect(router.malformedFrames).toBe(0);
  });
});
