import { z } from 'zod';
import { BackfillAnswer, BackfillRequest } from './candle-backfill.ts';
import { FRAME_COUNT_BYTES, KNOWN_PACKET_LENGTHS, MAX_PACKETS_PER_FRAME, PACKET_LENGTH_BYTES, packetKind } from './kite-ticks/packet-layout.ts';
import type { TickMode as PacketMode } from './kite-ticks/tick.ts';
import { frameProblem } from './zod-problem.ts';

/**
 * The link between the origin process and the edge's Durable Objects,
 * defined once for both ends. Two kinds of WebSocket, both opened by the
 * origin with `Authorization: Bearer <ORIGIN_LINK_SECRET>`, the
 * subprotocol `LINK_SUBPROTOCOL` (a version bump refuses mismatched ends at
 * the handshake instead of misreading frames) and the fencing token of the
 * origin's lease (contracts/origin-lease.ts):
 *
 * - the feed link, `GET /origin/feed` → the `FeedControl` DO (one):
 *   origin → edge `status` (Kite's state, for /health); edge → origin
 *   `groups` (which instrument groups have demand, so the origin knows
 *   which group links to open).
 * - a group link, `GET /origin/groups/<group key>` → that group's
 *   `InstrumentGroup` DO, one per active group: origin → edge binary tick
 *   batches and `feed` / `capacity` text frames; edge → origin `demand`.
 *
 * Tick batches are binary: the header below, then Kite's own frame holding
 * this group's packets exactly as Kite sent them (so the edge keeps and
 * forwards Kite's packet layouts without re-encoding, and one decoder,
 * `contracts/kite-ticks/`, reads them everywhere):
 *
 *   byte 0      LINK_PROTOCOL_VERSION
 *   byte 1      1 (tick batch)
 *   bytes 2-9   float64 big-endian: when the origin received the Kite frame (ms since epoch)
 *   bytes 10-   int16 count, then count × (int16 length, packet), big-endian (Kite's frame)
 *
 * Text frames are JSON, validated with the schemas below on receipt; a
 * frame that fails gets an `error` answer and is otherwise ignored.
 */
export const LINK_PROTOCOL_VERSION = 1;
export const LINK_SUBPROTOCOL = `kite-edge-link.v${LINK_PROTOCOL_VERSION}`;
export const TICK_BATCH_KIND = 1;
/** A batch of latest packets a group sends a hub on request (contracts/hub-link.ts); never on the origin link. */
export const SNAPSHOT_BATCH_KIND = 2;
export type BatchKind = typeof TICK_BATCH_KIND | typeof SNAPSHOT_BATCH_KIND;
export const TICK_BATCH_HEADER_BYTES = 10;

/** The schema of the decoder's TickMode (contracts/kite-ticks/tick.ts, which stays free of zod): one set of modes. */
export const TickMode = z.enum(['ltp', 'quote', 'full'] as const satisfies readonly PacketMode[], { error: 'mode must be one of ltp, quote, full' });
export type TickMode = PacketMode;
/** When two consumers want one instrument in different modes, the richer one is subscribed. */
export const MODE_RANK: Record<TickMode, number> = { ltp: 0, quote: 1, full: 2 };
export const richerMode = (a: TickMode, b: TickMode): TickMode => (MODE_RANK[a] >= MODE_RANK[b] ? a : b);

/** An instrument token as JSON object keys carry it: a decimal string of a uint32. */
const TokenKey = z
  .string()
  .regex(/^(0|[1-9]\d{0,9})$/, 'must be an instrument token')
  .refine((s) => Number(s) <= 0xffffffff, 'must be an instrument token');
export const Demand = z.record(TokenKey, TickMode);
/** token → mode, what a group's consumers want in all. */
export type Demand = z.infer<typeof Demand>;

export const KiteFeedState = z.enum(['live', 'stale', 'down', 'token_expired']);
export type KiteFeedState = z.infer<typeof KiteFeedState>;

/** Origin → group DO. */
export const OriginToGroup = z.discriminatedUnion('type', [
  /** The state of the Kite connections carrying this group (sent on change and on connect). */
  z.object({ type: z.literal('feed'), state: KiteFeedState, reason: z.string().max(500).optional(), at: z.number() }),
  /** Instruments of this group's demand that the origin could not subscribe, and why (empty when all are taken). */
  z.object({
    type: z.literal('capacity'),
    rejected: z.array(z.object({ token: z.number().int().nonnegative(), reason: z.string().max(200) })).max(100_000),
  }),
]);
export type OriginToGroup = z.infer<typeof OriginToGroup>;

/** Group DO → origin: the group's whole demand, sent on connect and on every change (idempotent). */
export const GroupToOrigin = z.discriminatedUnion('type', [
  z.object({ type: z.literal('demand'), tokens: Demand }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type GroupToOrigin = z.infer<typeof GroupToOrigin>;

/** Origin → FeedControl DO: what /health reports about Kite (on change, and every STATUS_INTERVAL_MS). */
export const OriginStatus = z.object({
  type: z.literal('status'),
  state: KiteFeedState,
  reason: z.string().max(500).optional(),
  /** When the last tick from Kite arrived (ms since epoch), null before the first. */
  last_tick_at: z.number().nullable(),
  instruments: z.number().int().nonnegative(),
  /** When the current access token expires (ISO), null when there is none. */
  token_expires_at: z.string().nullable(),
  at: z.number(),
});
export type OriginStatus = z.infer<typeof OriginStatus>;
export const STATUS_INTERVAL_MS = 5_000;

/**
 * The origin says each group its feed state again this often, so a group
 * hears from a working origin even when none of its instruments ticks; a
 * group that has heard nothing for ORIGIN_SILENT_MS while linked tells its
 * sessions the feed is stale: the origin is stuck (a hung process keeps its
 * sockets open, so the link never drops) or cut off.
 */
export const GROUP_HEARTBEAT_MS = 3_000;
export const ORIGIN_SILENT_MS = 10_000;
export const OriginToFeed = z.discriminatedUnion('type', [OriginStatus, ...BackfillAnswer.options]);
export type OriginToFeed = z.infer<typeof OriginToFeed>;

/** FeedControl DO → origin: the groups that have demand now (whole list, on connect and on change). */
export const FeedToOrigin = z.discriminatedUnion('type', [
  z.object({ type: z.literal('groups'), groups: z.array(z.string().min(1).max(200)).max(100_000) }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
  BackfillRequest,
]);
export type FeedToOrigin = z.infer<typeof FeedToOrigin>;

/**
 * Close codes the edge uses on either link (besides the standard ones: 1001
 * when the edge goes away, 1006 when it restarts). 4001: another link to the
 * same object, with the same fencing token, replaced this one (one origin
 * link per object); the origin should not fight it by reconnecting at once.
 */
export const LINK_CLOSE_REPLACED = 4001;
/**
 * 4002: the link's fencing token (contracts/origin-lease.ts) is not the
 * current lease's: another origin is active. The origin stops being active
 * at once (drops its Kite connections) and does not redial this link.
 */
export const LINK_CLOSE_FENCED = 4002;
/** `code` of the `error` frame answering a frame the edge could not read. */
export const LINK_ERROR_BAD_FRAME = 'bad_frame';

export class LinkProtocolError extends Error {
  override name = 'LinkProtocolError';
}

/**
 * A JSON text frame of a link (this one's or the hub link's) read with its
 * schema: the frame, or what is wrong with it as `path: message`. Whatever
 * the other end sends, nothing is thrown, so a receiver answers or logs
 * the problem and its link goes on.
 */
export function readLinkFrame<S extends z.ZodType>(schema: S, text: string): { frame: z.output<S> } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'the frame is not JSON' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { frame: parsed.data } : { problem: frameProblem(parsed.error) };
}

/** A tick batch from Kite packets (each a view of Kite's frame: copied once, here). */
export function encodeTickBatch(receivedAt: number, packets: readonly Uint8Array[], kind: BatchKind = TICK_BATCH_KIND): Uint8Array {
  if (packets.length > MAX_PACKETS_PER_FRAME) throw new RangeError(`a batch holds at most ${MAX_PACKETS_PER_FRAME} packets, not ${packets.length}`);
  let size = TICK_BATCH_HEADER_BYTES + FRAME_COUNT_BYTES;
  for (const packet of packets) size += PACKET_LENGTH_BYTES + packet.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = LINK_PROTOCOL_VERSION;
  out[1] = kind;
  view.setFloat64(2, receivedAt);
  view.setUint16(TICK_BATCH_HEADER_BYTES, packets.length);
  let at = TICK_BATCH_HEADER_BYTES + FRAME_COUNT_BYTES;
  for (const packet of packets) {
    view.setUint16(at, packet.byteLength);
    out.set(packet, at + PACKET_LENGTH_BYTES);
    at += PACKET_LENGTH_BYTES + packet.byteLength;
  }
  return out;
}

export type TickBatch = {
  kind: BatchKind;
  receivedAt: number;
  /** Views into the batch: copy one to keep it past the batch's lifetime. */
  packets: Uint8Array[];
};

/** Reads a tick batch, refusing anything that is not exactly one (wrong version, kind, or lengths). */
export function decodeTickBatch(data: ArrayBuffer | Uint8Array): TickBatch {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < TICK_BATCH_HEADER_BYTES + FRAME_COUNT_BYTES)
    throw new LinkProtocolError(`a tick batch is at least ${TICK_BATCH_HEADER_BYTES + FRAME_COUNT_BYTES} bytes, got ${bytes.byteLength}`);
  if (bytes[0] !== LINK_PROTOCOL_VERSION) throw new LinkProtocolError(`link protocol version ${bytes[0]} is not ${LINK_PROTOCOL_VERSION}`);
  const kind = bytes[1];
  if (kind !== TICK_BATCH_KIND && kind !== SNAPSHOT_BATCH_KIND) throw new LinkProtocolError(`unknown binary frame kind ${kind}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const receivedAt = view.getFloat64(2);
  if (!Number.isFinite(receivedAt)) throw new LinkProtocolError(`the batch's receive time is ${receivedAt}, not a time`);
  const count = view.getUint16(TICK_BATCH_HEADER_BYTES);
  const packets: Uint8Array[] = [];
  let at = TICK_BATCH_HEADER_BYTES + FRAME_COUNT_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + PACKET_LENGTH_BYTES > bytes.byteLength) throw new LinkProtocolError(`tick batch cut off at packet ${i + 1} of ${count}`);
    const length = view.getUint16(at);
    const packet = at + PACKET_LENGTH_BYTES;
    // One of Kite's lengths: the hubs write every packet out as a tick by its length, and one of another length failed their flush for every session.
    if (packetKind(length) === undefined || packet + length > bytes.byteLength) {
      throw new LinkProtocolError(`packet ${i + 1} of ${count} has a bad length ${length} (Kite's are ${KNOWN_PACKET_LENGTHS})`);
    }
    packets.push(bytes.subarray(packet, packet + length));
    at = packet + length;
  }
  if (at !== bytes.byteLength) throw new LinkProtocolError(`${bytes.byteLength - at} bytes after the last packet`);
  return { kind, receivedAt, packets };
}
