import { decodeFrame, KiteFrameError } from './kite-ticks/decode.ts';
import { kiteFrame } from './kite-ticks/frame.ts';
import { FRAME_COUNT_BYTES } from './kite-ticks/packet-layout.ts';
import type { Tick } from './kite-ticks/tick.ts';

/**
 * The binary tick frame of `/v2/ws?format=binary` (docs/websocket.md,
 * "Binary ticks"): one byte saying what the frame is, then Kite's own
 * binary frame, big-endian throughout:
 *
 *   byte 0        frame type: 1 = ticks, 2 = snapshot (as the JSON `type`)
 *   bytes 1–2     uint16 packet count N
 *   then N ×      uint16 length L, then L bytes: one Kite packet
 *                 (8 ltp; 28 index quote; 32 index full; 44 quote; 184 full)
 *
 * A hub has each tick as Kite's packet already (from the origin's link), so
 * the frame is the packets cut to the session's modes with no JSON written
 * at all; the client decodes them with the decoder the platform uses
 * (kite-ticks/decode.ts) into the same ticks a `ticks` frame carries.
 */
export const BINARY_FRAME_TYPE = { ticks: 1, snapshot: 2 } as const;
export type BinaryFrameType = keyof typeof BINARY_FRAME_TYPE;
/** Bytes before the Kite frame. */
export const BINARY_HEADER_BYTES = 1;

/** A binary frame of `type` around packets already cut to their sessions' modes. */
export function binaryTickFrame(type: BinaryFrameType, packets: readonly Uint8Array[]): Uint8Array {
  const frame = kiteFrame(packets, BINARY_HEADER_BYTES);
  frame[0] = BINARY_FRAME_TYPE[type];
  return frame;
}

/**
 * A binary frame's ticks, decoded. Throws KiteFrameError for a frame that is
 * not one: its `offset` counts from byte 1 (the Kite frame) for a problem
 * past the type byte, as decode.ts finds it.
 */
export function decodeBinaryTickFrame(frame: Uint8Array): { type: BinaryFrameType; ticks: Tick[] } {
  if (frame.byteLength < BINARY_HEADER_BYTES + FRAME_COUNT_BYTES) {
    throw new KiteFrameError('empty-frame', 0, `a binary tick frame is at least ${BINARY_HEADER_BYTES + FRAME_COUNT_BYTES} bytes, not ${frame.byteLength}`);
  }
  const code = frame[0];
  const type = code === BINARY_FRAME_TYPE.ticks ? 'ticks' : code === BINARY_FRAME_TYPE.snapshot ? 'snapshot' : undefined;
  if (!type) throw new KiteFrameError('unknown-frame-type', 0, `frame type ${code} is neither ticks (1) nor snapshot (2)`);
  return { type, ticks: decodeFrame(frame.subarray(BINARY_HEADER_BYTES)) };
}
