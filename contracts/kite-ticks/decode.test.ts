import { readFileSync } from 'node:fs';
import { KiteTicker } from 'kiteconnect';
import { describe, expect, it } from 'vitest';
import { encodeFrame, type FrameEntry, type TickMode } from '../../kite-sim/packets.ts';
import type { Quote } from '../../kite-sim/quote.ts';
import { seededRandom } from '../../kite-sim/seeded-random.ts';
import { SEGMENT_CODE } from '../kite-instrument.ts';
import { decodeFrame, decodePacket, forEachPacket, KiteFrameError } from './decode.ts';
import { kiteFrame } from './frame.ts';
import { isHeartbeat, type PacketKind, packetKind, packetMode } from './packet-layout.ts';
import { hasDepth, hasVolume, type Tick } from './tick.ts';

/**
 * Our decoder judged by the official one: kiteconnect's own parser (public
 * at runtime, missing from its typings) must give the same ticks, field by
 * field and key by key, on Kite's official fixture packets and on frames the
 * simulator encodes from random quotes of every kind and segment. Where the
 * two must differ they do so on purpose: timestamps are Unix seconds here
 * (the official Dates are turned into seconds before comparing), and
 * counters above 2^31 − 1 are right here and negative there.
 */
type OfficialParser = { parseBinary(frame: ArrayBuffer): Record<string, unknown>[] };
const official = new KiteTicker({ api_key: 'k', access_token: 't' }) as unknown as OfficialParser;
/** The official parser takes the ArrayBuffer a WebSocket hands it (copied out: a Buffer's own may be a shared pool). */
const officialParse = (frame: Uint8Array) => official.parseBinary(new Uint8Array(frame).buffer);

/** The official output with each Date as Unix seconds, keys kept in order. */
function normalised(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(normalised);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalised(v)]));
  return value;
}

/** Same values (toStrictEqual) and the same keys in the same order (JSON text). */
function expectParity(ours: Tick[], theirs: Record<string, unknown>[]): void {
  const reference = theirs.map(normalised);
  expect(ours).toHaveLength(reference.length);
  for (let i = 0; i < ours.length; i++) {
    expect({ packet: i, tick: ours[i] }).toStrictEqual({ packet: i, tick: reference[i] });
  }
  expect(JSON.stringify(ours)).toBe(JSON.stringify(reference));
}

const frameOf = (...packets: Uint8Array[]) => kiteFrame(packets);

// --- Kite's official fixtures (contracts/kite-ticks/fixtures/README.md says where each comes from) ---

const fixtureText = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const fixturePacket = (name: string) => new Uint8Array(Buffer.from(fixtureText(name).trim(), 'base64'));
const fixtureJson = (name: string) => JSON.parse(fixtureText(name)) as Record<string, unknown>;

const FULL_PACKET = fixturePacket('ticker_full.packet');
const QUOTE_PACKET = fixturePacket('ticker_quote.packet');
/** No official LTP packet exists; its 8 bytes are the quote packet's token and last price, which ticker_ltp.json describes. */
const LTP_PACKET = QUOTE_PACKET.slice(0, 8);

/** kiteconnect-mocks' JSON (REST names) in the ticker's names; `change` there is absolute, so it is left out. */
function expectedFromMock(mock: Record<string, unknown>): Record<string, unknown> {
  const seconds = (iso: unknown) => Date.parse(iso as string) / 1000;
  const expected: Record<string, unknown> = { tradable: mock.tradable, mode: mock.mode, instrument_token: mock.instrument_token, last_price: mock.last_price };
  if (mock.mode === 'ltp') return expected;
  Object.assign(expected, {
    last_traded_quantity: mock.last_quantity,
    average_traded_price: mock.average_price,
    volume_traded: mock.volume,
    total_buy_quantity: mock.buy_quantity,
    total_sell_quantity: mock.sell_quantity,
    ohlc: mock.ohlc,
  });
  if (mock.mode === 'quote') return expected;
  return Object.assign(expected, {
    last_trade_time: seconds(mock.last_trade_time),
    exchange_timestamp: seconds(mock.timestamp),
    oi: mock.oi,
    oi_day_high: mock.oi_day_high,
    oi_day_low: mock.oi_day_low,
    depth: mock.depth,
  });
}

describe("Kite's official fixtures", () => {
  const cases = [
    ['full', FULL_PACKET, 'ticker_full.json', 184],
    ['quote', QUOTE_PACKET, 'ticker_quote.json', 44],
    ['ltp', LTP_PACKET, 'ticker_ltp.json', 8],
  ] as const;

  for (const [mode, packet, json, length] of cases) {
    it(`decode the ${mode} packet to kiteconnect-mocks' values, exactly as the official parser does`, () => {
      expect(packet.byteLength).toBe(length);
      const [tick] = decodeFrame(frameOf(packet));
      expect(tick).toMatchObject(expectedFromMock(fixtureJson(json)));
      expectParity(decodeFrame(frameOf(packet)), officialParse(frameOf(packet)));
      expect(decodePacket(packet)).toStrictEqual(tick);
    });
  }

  it('read the full packet as kiteconnect-mocks and gokiteconnect do: 10:41:27 IST on 5 July 2021, change in percent', () => {
    const tick = decodePacket(FULL_PACKET);
    if (!hasDepth(tick)) throw new Error(`expected a full tick, got ${tick.mode}`);
    expect(tick.exchange_timestamp).toBe(1_625_461_887);
    expect(tick.last_trade_time).toBe(1_625_461_887);
    expect(tick.change).toBe(((1573.7 - 1567.8) * 100) / 1567.8);
    expect(tick.depth.sell[4]).toStrictEqual({ quantity: 724, price: 1573.95, orders: 5 });
  });

  it('decode the three packets in one frame, in order, as the official parser does', () => {
    const frame = frameOf(FULL_PACKET, QUOTE_PACKET, LTP_PACKET);
    const ticks = decodeFrame(frame);
    expect(ticks.map((t) => t.mode)).toEqual(['full', 'quote', 'ltp']);
    expectParity(ticks, officialParse(frame));
  });
});

// --- Generated frames: every kind, segment and mode ---

const ALL_SEGMENTS = Object.values(SEGMENT_CODE);
const MODES: TickMode[] = ['ltp', 'quote', 'full'];

/**
 * A random quote whose scaled values fit int32 (where the official parser
 * is right): prices up to ±2^31 − 1 units of the segment's divisor (±2^30
 * for indices, whose packet also carries last − close), some negative
 * (spreads), some closes and timestamps 0 (the parsers' special cases),
 * counters up to 2^31 − 1.
 */
function randomQuote(random: () => number, token: number): Quote {
  const segment = token & 0xff;
  const divisor = segment === SEGMENT_CODE.CDS ? 1e7 : segment === SEGMENT_CODE.BCD ? 1e4 : 100;
  const edge = segment === SEGMENT_CODE.INDICES ? 2 ** 30 : 2 ** 31 - 1;
  const maxUnits = random() < 0.5 ? edge : 10_000_000; // half up to the int32 edge, half ordinary
  const price = () => (Math.floor(random() * maxUnits) * (random() < 0.1 ? -1 : 1)) / divisor;
  const count = () => Math.floor(random() * (random() < 0.3 ? 2 ** 31 : 100_000));
  const time = () => (random() < 0.1 ? 0 : 1_600_000_000 + Math.floor(random() * 5e8));
  const level = () => ({ quantity: count(), price: price(), orders: Math.floor(random() * 0x10000) });
  return {
    instrument_token: token,
    last_price: price(),
    last_traded_quantity: count(),
    average_traded_price: price(),
    volume_traded: count(),
    total_buy_quantity: count(),
    total_sell_quantity: count(),
    ohlc: { open: price(), high: price(), low: price(), close: random() < 0.05 ? 0 : price() },
    last_trade_time: time(),
    exchange_timestamp: time(),
    oi: count(),
    oi_day_high: count(),
    oi_day_low: count(),
    depth: { buy: Array.from({ length: 5 }, level), sell: Array.from({ length: 5 }, level) },
  };
}

/** Every segment in every mode, `perCombination` times, shuffled by token. */
function randomFrame(seed: number, perCombination: number): Uint8Array {
  const random = seededRandom(seed);
  const entries: FrameEntry[] = [];
  for (let n = 0; n < perCombination; n++) {
    for (const segment of ALL_SEGMENTS) {
      for (const mode of MODES) entries.push({ mode, quote: randomQuote(random, (1 + Math.floor(random() * 60_000)) * 256 + segment) });
    }
  }
  return encodeFrame(entries);
}

describe('generated frames, against the official parser', () => {
  it('decode every packet kind of every segment (CDS ÷1e7, BCD ÷1e4, indices) to the same ticks', () => {
    const kinds = new Set<PacketKind | undefined>();
    const segments = new Set<number>();
    let packets = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const frame = randomFrame(seed, 10);
      forEachPacket(frame, (token, packet) => {
        kinds.add(packetKind(packet.byteLength));
        segments.add(token & 0xff);
      });
      const ours = decodeFrame(frame);
      packets += ours.length;
      expectParity(ours, officialParse(frame));
    }
    expect(packets).toBe(20 * 10 * ALL_SEGMENTS.length * MODES.length);
    expect([...kinds].sort()).toEqual(['full', 'indexFull', 'indexQuote', 'ltp', 'quote']);
    expect([...segments].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('scale currency prices by their segment and keep negative prices negative', () => {
    const quote = (token: number, last: number): FrameEntry => ({ mode: 'ltp', quote: { ...randomQuote(seededRandom(1), token), last_price: last } });
    const frame = encodeFrame([
      quote(100 * 256 + SEGMENT_CODE.CDS, 83.1234567),
      quote(100 * 256 + SEGMENT_CODE.BCD, 83.1234),
      quote(100 * 256 + SEGMENT_CODE.NFO, -12.35),
    ]);
    const ticks = decodeFrame(frame);
    expect(ticks.map((t) => t.last_price)).toEqual([83.1234567, 83.1234, -12.35]);
    expectParity(ticks, officialParse(frame));
  });

  it("follow the official parser's change rules when there is no previous close", () => {
    const q = { ...randomQuote(seededRandom(2), 0), last_price: 1500.25, ohlc: { open: 1, high: 2, low: 0.5, close: 0 } };
    const frame = encodeFrame([
      { mode: 'quote', quote: { ...q, instrument_token: 7 * 256 + SEGMENT_CODE.INDICES } },
      { mode: 'full', quote: { ...q, instrument_token: 8 * 256 + SEGMENT_CODE.NSE } },
    ]);
    const [index, stock] = decodeFrame(frame);
    expect(index?.mode === 'quote' && 'change' in index && index.change).toBe(150_025); // the raw net change, unscaled
    expect(stock && 'change' in stock && stock.change).toBe(0);
    expectParity(decodeFrame(frame), officialParse(frame));
  });
});

// --- Beyond int32: where the official parser is wrong ---

describe('values above 2^31 − 1', () => {
  const BIG = [2 ** 31, 3_000_000_000, 2 ** 32 - 1];

  it('come out right from ours and wrapped negative from the official parser (volume, quantities, OI, depth)', () => {
    const token = 42 * 256 + SEGMENT_CODE.NFO;
    const entries: FrameEntry[] = BIG.map((big) => {
      const q = randomQuote(seededRandom(big), token);
      const depth = { buy: q.depth.buy.map((l) => ({ ...l, quantity: big })), sell: q.depth.sell };
      return {
        mode: 'full',
        quote: {
          ...q,
          last_traded_quantity: big,
          volume_traded: big,
          total_buy_quantity: big,
          total_sell_quantity: big,
          oi: big,
          oi_day_high: big,
          oi_day_low: big,
          depth,
        },
      };
    });
    const frame = encodeFrame(entries);
    const ours = decodeFrame(frame);
    const theirs = officialParse(frame) as { volume_traded: number; oi: number; total_buy_quantity: number; depth: { buy: { quantity: number }[] } }[];
    BIG.forEach((big, i) => {
      const tick = ours[i];
      if (!tick || !hasDepth(tick)) throw new Error('expected a full tick');
      const fields = [
        tick.last_traded_quantity,
        tick.volume_traded,
        tick.total_buy_quantity,
        tick.total_sell_quantity,
        tick.oi,
        tick.oi_day_high,
        tick.oi_day_low,
        tick.depth.buy[0]?.quantity,
      ];
      expect(fields).toEqual(Array(8).fill(big));
      const wrapped = big - 2 ** 32;
      expect([theirs[i]?.volume_traded, theirs[i]?.oi, theirs[i]?.total_buy_quantity, theirs[i]?.depth.buy[0]?.quantity]).toEqual([
        wrapped,
        wrapped,
        wrapped,
        wrapped,
      ]);
    });
  });

  it('read timestamps after January 2038 (2^31 s) as such, where the official parser dates them 1901', () => {
    const when = 2 ** 31 + 86_400; // 20 January 2038
    const q = { ...randomQuote(seededRandom(3), 42 * 256 + SEGMENT_CODE.NSE), last_trade_time: when, exchange_timestamp: when };
    const frame = encodeFrame([
      { mode: 'full', quote: q },
      { mode: 'full', quote: { ...q, instrument_token: 43 * 256 + SEGMENT_CODE.INDICES } },
    ]);
    const [stock, index] = decodeFrame(frame);
    expect(stock && hasDepth(stock) && [stock.last_trade_time, stock.exchange_timestamp]).toEqual([when, when]);
    expect(index && 'exchange_timestamp' in index && index.exchange_timestamp).toBe(when);
    const theirs = officialParse(frame) as { exchange_timestamp: Date }[];
    expect(theirs.map((t) => t.exchange_timestamp.getUTCFullYear())).toEqual([1901, 1901]);
  });
});

// --- Splitting frames ---

describe('forEachPacket', () => {
  it('hands out each packet as a view into the frame, with its token, and counts them', () => {
    const frame = randomFrame(7, 2);
    const ticks = decodeFrame(frame);
    const seen: { token: number; packet: Uint8Array }[] = [];
    expect(forEachPacket(frame, (token, packet) => seen.push({ token, packet }))).toBe(ticks.length);
    expect(seen.map((s) => s.token)).toEqual(ticks.map((t) => t.instrument_token));
    let at = 2;
    seen.forEach(({ packet }, i) => {
      expect(packet.buffer).toBe(frame.buffer); // a view, not a copy
      expect(packet.byteOffset).toBe(frame.byteOffset + at + 2);
      expect(packetMode(packet)).toBe(ticks[i]?.mode);
      expect(decodePacket(packet)).toStrictEqual(ticks[i]);
      at += 2 + packet.byteLength;
    });
  });

  it('finds no packets in a heartbeat or an empty frame', () => {
    const visited: number[] = [];
    expect(isHeartbeat(new Uint8Array([0]))).toBe(true);
    expect(forEachPacket(new Uint8Array([0]), (token) => visited.push(token))).toBe(0);
    expect(decodeFrame(new Uint8Array([0]))).toEqual([]);
    expect(forEachPacket(new Uint8Array([0, 0]), (token) => visited.push(token))).toBe(0);
    expect(visited).toEqual([]);
  });

  it('reads a frame that sits at an odd offset inside a larger buffer', () => {
    const frame = frameOf(FULL_PACKET, LTP_PACKET);
    const big = new Uint8Array(frame.byteLength + 13);
    big.set(frame, 7);
    expect(decodeFrame(big.subarray(7, 7 + frame.byteLength))).toStrictEqual(decodeFrame(frame));
  });
});

// --- Malformed frames ---

describe('malformed frames', () => {
  const good = frameOf(FULL_PACKET, QUOTE_PACKET);

  function problem(frame: Uint8Array): { problem: string; offset: number; message: string } {
    const visited: number[] = [];
    try {
      forEachPacket(frame, (token) => visited.push(token));
    } catch (error) {
      expect(error).toBeInstanceOf(KiteFrameError);
      expect(visited).toEqual([]); // checked whole before the first packet is handed out
      expect(() => decodeFrame(frame)).toThrow(KiteFrameError);
      const { problem, offset, message } = error as KiteFrameError;
      return { problem, offset, message };
    }
    throw new Error(`accepted a malformed frame of ${frame.byteLength} bytes`);
  }

  it('reject an empty frame', () => {
    expect(problem(new Uint8Array(0))).toMatchObject({ problem: 'empty-frame', message: expect.stringMatching(/empty frame/) });
  });

  it('reject a count that promises more packets than the frame holds', () => {
    const frame = good.slice();
    new DataView(frame.buffer).setUint16(0, 3);
    expect(problem(frame)).toStrictEqual({
      problem: 'truncated',
      offset: good.byteLength,
      message: `truncated frame: it declares 3 packets but its ${good.byteLength} bytes end at byte ${good.byteLength}, before the length of packet 3`,
    });
  });

  it('reject a packet cut short by the end of the frame', () => {
    expect(problem(good.subarray(0, good.byteLength - 3))).toMatchObject({
      problem: 'truncated',
      offset: 188,
      message: expect.stringMatching(/packet 2 of 2 \(44 bytes at byte 190\) runs past the end of the 231-byte frame/),
    });
  });

  it('reject bytes after the last packet', () => {
    const frame = new Uint8Array([...good, 0, 0]);
    expect(problem(frame)).toMatchObject({
      problem: 'trailing-bytes',
      offset: good.byteLength,
      message: expect.stringMatching(/^2 trailing bytes after the 2 packets/),
    });
  });

  it('reject a packet length Kite never sends', () => {
    const nine = frameOf(FULL_PACKET, new Uint8Array(9));
    expect(problem(nine)).toMatchObject({
      problem: 'unknown-packet-length',
      offset: 188,
      message: expect.stringMatching(/packet 2 of 2 \(at byte 188\) has length 9, not one of Kite's 8, 28, 32, 44 or 184 bytes/),
    });
    expect(problem(frameOf(new Uint8Array(0)))).toMatchObject({ problem: 'unknown-packet-length', offset: 2 });
    expect(() => decodePacket(new Uint8Array(10))).toThrow(/a packet of 10 bytes is none of Kite's/);
  });
});

describe('packet kinds', () => {
  it('name each of Kite sizes and its mode, and nothing else', () => {
    expect([8, 28, 32, 44, 184, 0, 9, 185].map(packetKind)).toEqual(['ltp', 'indexQuote', 'indexFull', 'quote', 'full', undefined, undefined, undefined]);
    expect([8, 28, 32, 44, 184, 12].map((n) => packetMode(new Uint8Array(n)))).toEqual(['ltp', 'quote', 'full', 'quote', 'full', undefined]);
    const ticks = decodeFrame(frameOf(FULL_PACKET, QUOTE_PACKET, LTP_PACKET));
    expect(ticks.map((t) => [hasVolume(t), hasDepth(t)])).toEqual([
      [true, true],
      [true, false],
      [false, false],
    ]);
  });
});

describe('portability', () => {
  it('uses Web APIs only (no Buffer, no node: imports), so it also runs in workerd', () => {
    for (const file of ['decode.ts', 'tick.ts']) {
      const source = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect({ file, buffer: /\bBuffer\b/.test(source), node: /from ['"]node:/.test(source) }).toEqual({ file, buffer: false, node: false });
    }
  });
});
