import { constants, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { binaryTickFrame } from '../contracts/binary-tick-frame.ts';
import type { ClientMode } from '../contracts/client-protocol.ts';
import { kiteFrame } from '../contracts/kite-ticks/frame.ts';
import { cutToMode, FRAME_COUNT_BYTES, PACKET_LENGTH_BYTES } from '../contracts/kite-ticks/packet-layout.ts';
import { tickJson } from '../contracts/kite-ticks/tick-json.ts';
import { v2TickFrame } from '../durable-objects/session-hub/session-frames.ts';
import { Market } from '../kite-sim/market.ts';
import { encodeFrame } from '../kite-sim/packets.ts';
import { buildUniverse } from '../kite-sim/universe.ts';
import { type Pick, subscriptionSets } from './fanout-sessions.ts';

/**
 * Bytes per tick on the wire, for each way a session can receive its ticks:
 * /v2/ws in JSON and in binary (contracts/binary-tick-frame.ts), and
 * /kite/ws (Kite's frames), in each mode and in the fan-out bench's mix of
 * modes, raw and with permessage-deflate (RFC 7692, zlib's default level,
 * a 32 KB window): compressing each frame alone (`no_context_takeover`)
 * and as one stream per connection (context takeover, what `ws` and
 * browsers negotiate by default; each frame a sync flush without its
 * 4-byte tail, as the RFC sends it).
 *
 * Deterministic: the simulator's universe and market at a fixed seed and
 * time, one session of the fan-out bench's watchlists (100 instruments,
 * bench/fanout-sessions.ts), 10 seconds of ticks, each instrument once a
 * second, written the way a hub writes them (the packet the group carries,
 * cut to the session's mode) in frames of 50 ticks: the edge's frames held
 * 49 ticks on average in the 1,000-session fan-out run (docs/benchmarks.md).
 * Counted: the WebSocket payloads, not the 2–4 bytes of frame header each.
 *
 * The ratio is the bytes per tick over JSON's for the same ticks in the same
 * mode, uncompressed: lower is better.
 */
type Row = { name: string; baseline: string; ratio: number; detail: string };
type Format = 'json' | 'binary' | 'kite';
export type FrameBytes = { format: Format; mode: ClientMode | 'mix'; ticks: number; raw: number; deflated: number; streamed: number };

const SECONDS = 10;
const TICKS_PER_FRAME = 50;
const FORMATS: Format[] = ['json', 'binary', 'kite'];
const MODES: (ClientMode | 'mix')[] = ['ltp', 'quote', 'full', 'mix'];
/** Where the instruments come from: the segments the fan-out bench pins (NSE and BSE stocks, indices, NIFTY options, MCX futures). */
const SEGMENTS = new Set(['NSE', 'BSE', 'INDICES', 'NFO-OPT', 'MCX-FUT']);

export async function frameBytes(): Promise<FrameBytes[]> {
  const startMs = Date.UTC(2026, 0, 5, 3, 45);
  const universe = buildUniverse({ seed: 1, today: new Date(startMs) });
  const market = new Market(universe, { seed: 1, startMs });
  const candidates = universe.instruments.filter((i) => SEGMENTS.has(i.segment));
  const tokens = Array.from({ length: 9000 }, (_, n) => candidates[Math.floor((n * candidates.length) / 9000)]?.instrument_token ?? 0);
  const watchlist = subscriptionSets([...new Set(tokens)], 1)[0] as Pick[];
  // Each second, each instrument's full packet as the group carries it (the simulator's encoder, the frame's headers taken off).
  const seconds = Array.from({ length: SECONDS }, (_, s) =>
    watchlist.map(({ token, mode }) => ({
      token,
      mode,
      packet: new Uint8Array(encodeFrame([{ mode: 'full', quote: market.trade(token, startMs + (s + 1) * 1000) }])).subarray(
        FRAME_COUNT_BYTES + PACKET_LENGTH_BYTES,
      ),
    })),
  );
  const out: FrameBytes[] = [];
  for (const mode of MODES) {
    const cut = seconds.flat().map(({ token, mode: own, packet }) => ({ token, packet: cutToMode(packet, mode === 'mix' ? own : mode) }));
    for (const format of FORMATS) {
      const frames: Uint8Array[] = [];
      for (let at = 0; at < cut.length; at += TICKS_PER_FRAME) frames.push(encode(format, cut.slice(at, at + TICKS_PER_FRAME)));
      const raw = sum(frames.map((frame) => frame.byteLength));
      const deflated = sum(frames.map((frame) => perMessageDeflate(frame)));
      const streamed = sum(await contextTakeover(frames));
      out.push({ format, mode, ticks: cut.length, raw, deflated, streamed });
    }
  }
  return out;
}

export async function benchFrameBytes(): Promise<Row[]> {
  const measured = await frameBytes();
  const json = (mode: FrameBytes['mode']) => measured.find((m) => m.format === 'json' && m.mode === mode) as FrameBytes;
  return measured.map((m) => ({
    name: `bytes per tick, ${label(m.format)}, ${m.mode === 'mix' ? 'the fan-out mix of modes' : `${m.mode} mode`}`,
    baseline: `/v2/ws JSON, same ticks: ${perTick(json(m.mode).raw, m.ticks)} B`,
    ratio: m.raw / json(m.mode).raw,
    detail: `${perTick(m.raw, m.ticks)} B raw, ${perTick(m.deflated, m.ticks)} B deflated per frame, ${perTick(m.streamed, m.ticks)} B deflated with context takeover (${TICKS_PER_FRAME} ticks a frame)`,
  }));
}

function encode(format: Format, ticks: { token: number; packet: Uint8Array }[]): Uint8Array {
  const packets = ticks.map((t) => t.packet);
  if (format === 'binary') return binaryTickFrame('ticks', packets);
  if (format === 'kite') return kiteFrame(packets);
  return new TextEncoder().encode(
    v2TickFrame(
      'ticks',
      packets.map((packet) => tickJson(packet)),
    ),
  );
}

/** One message compressed alone: the deflate stream after a sync flush, less its 4-byte 00 00 ff ff tail (RFC 7692 §7.2.1). */
function perMessageDeflate(frame: Uint8Array): number {
  return deflateRawSync(frame, { finishFlush: constants.Z_SYNC_FLUSH }).byteLength - 4;
}

/** Messages compressed as one stream, each ending with a sync flush (less its tail): what each message costs with context takeover. */
async function contextTakeover(frames: Uint8Array[]): Promise<number[]> {
  const stream = createDeflateRaw();
  let pending = 0;
  stream.on('data', (chunk: Buffer) => (pending += chunk.byteLength));
  const sizes: number[] = [];
  for (const frame of frames) {
    stream.write(frame);
    await new Promise<void>((resolve) => stream.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    sizes.push(pending - 4);
    pending = 0;
  }
  stream.close();
  return sizes;
}

function label(format: Format): string {
  return format === 'json' ? '/v2/ws JSON' : format === 'binary' ? '/v2/ws binary' : '/kite/ws';
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const perTick = (bytes: number, ticks: number) => (bytes / ticks).toFixed(1);

if (process.argv[1] === import.meta.filename) {
  console.log('| format | mode | bytes per tick | deflated, each frame alone | deflated, context takeover |');
  console.log('|---|---|---|---|---|');
  for (const m of await frameBytes())
    console.log(`| ${label(m.format)} | ${m.mode} | ${perTick(m.raw, m.ticks)} | ${perTick(m.deflated, m.ticks)} | ${perTick(m.streamed, m.ticks)} |`);
}
