import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nastyJson, nastyNumber, nastyText, nearlyValid } from '../test/fuzz.ts';
import { GroupToHub, HubToGroup } from './hub-link.ts';
import { PACKET_LENGTH, packetKind } from './kite-ticks/packet-layout.ts';
import {
  decodeTickBatch,
  encodeTickBatch,
  FeedToOrigin,
  GroupToOrigin,
  LinkProtocolError,
  OriginToFeed,
  OriginToGroup,
  readLinkFrame,
  SNAPSHOT_BATCH_KIND,
  TICK_BATCH_KIND,
} from './origin-link.ts';

/**
 * The links between the origin, the groups and the hubs, fuzzed at their
 * parsers: a tick batch of any bytes is read whole or refused with a
 * LinkProtocolError, and holds only packets the hubs can write out; a text
 * frame of any content is read into a frame its schema holds, or into a
 * problem to answer or log, never a throw.
 */
const kitePacket = fc.constantFrom(...Object.values(PACKET_LENGTH)).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
const receivedAt = fc.double({ noNaN: true, noDefaultInfinity: true });
const anyBatch = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(receivedAt, fc.array(kitePacket, { maxLength: 5 }), fc.constantFrom(TICK_BATCH_KIND, SNAPSHOT_BATCH_KIND), fc.nat(), fc.nat({ max: 255 }))
    .map(([at, packets, kind, where, byte]) => {
      const batch = encodeTickBatch(at, packets, kind);
      batch[where % batch.length] = byte;
      return batch;
    }),
);

const SCHEMAS = { OriginToGroup, GroupToOrigin, OriginToFeed, FeedToOrigin, HubToGroup, GroupToHub };
const linkMessage = fc.oneof(
  nearlyValid({ type: 'feed', state: 'live', reason: 'ok', at: 1 }),
  nearlyValid({ type: 'capacity', rejected: [{ token: 1, reason: 'full' }] }),
  nearlyValid({ type: 'demand', tokens: { 408065: 'full' } }),
  nearlyValid({ type: 'status', state: 'stale', last_tick_at: null, instruments: 2, token_expires_at: null, at: 1 }),
  nearlyValid({ type: 'groups', groups: ['index:NSE'] }),
  nearlyValid({ type: 'want', tokens: { 1: 'ltp' }, snapshot: [1] }),
  nearlyValid({ type: 'change', set: {}, drop: [2], snapshot: [] }),
  fc.record({
    type: fc.constantFrom('demand', 'want', 'change'),
    tokens: fc.dictionary(nastyText(12), nastyJson(1)),
    set: fc.dictionary(nastyText(12), nastyJson(1)),
  }),
);
const anyText = fc.oneof(
  nastyText(60),
  nastyJson(4).map((json) => JSON.stringify(json) ?? ''),
  linkMessage.map((json) => JSON.stringify(json)),
);

describe('link frames (fuzzed)', () => {
  it('reads any bytes as a whole tick batch of Kite packets, or refuses them with a LinkProtocolError', () => {
    fc.assert(
      fc.property(anyBatch, (bytes) => {
        let batch: ReturnType<typeof decodeTickBatch>;
        try {
          batch = decodeTickBatch(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(LinkProtocolError);
          return;
        }
        expect(Number.isFinite(batch.receivedAt)).toBe(true);
        for (const packet of batch.packets) expect(packetKind(packet.byteLength)).toBeDefined();
        expect(encodeTickBatch(batch.receivedAt, batch.packets, batch.kind)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('gives back the packets, the kind and the time a batch was written with', () => {
    fc.assert(
      fc.property(receivedAt, fc.array(kitePacket, { maxLength: 8 }), fc.constantFrom(TICK_BATCH_KIND, SNAPSHOT_BATCH_KIND), (at, packets, kind) => {
        const batch = decodeTickBatch(encodeTickBatch(at, packets, kind));
        expect({ ...batch, packets: batch.packets.map((p) => p.slice()) }).toEqual({ kind, receivedAt: at, packets });
      }),
      { numRuns: 200 },
    );
  });

  it('reads any text with every link schema into a frame the schema holds, or a problem, never a throw', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom(...Object.keys(SCHEMAS)), (text, name) => {
        const schema = SCHEMAS[name as keyof typeof SCHEMAS];
        const read = readLinkFrame(schema, text);
        if ('problem' in read) expect(read.problem).toMatch(/\S/);
        else expect(schema.safeParse(JSON.parse(JSON.stringify(read.frame))).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a time only when it is a finite number (1e400 reads as Infinity)', () => {
    fc.assert(
      fc.property(fc.oneof(nastyNumber.map(String), fc.constantFrom('1e400', '-1e400', '"1"', 'null')), (at) => {
        const read = readLinkFrame(OriginToGroup, `{"type":"feed","state":"live","at":${at}}`);
        expect('frame' in read).toBe(Number.isFinite(Number(at)) && !at.startsWith('"') && at !== 'null');
      }),
      { numRuns: 100 },
    );
  });
});
