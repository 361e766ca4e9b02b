import { KiteTicker } from 'kiteconnect';
import { describe, expect, it } from 'vitest';
import { packetLength } from '../contracts/kite-ticks/packet-layout.ts';
import { encodeFrame, type FrameEntry } from './packets.ts';
import type { Quote } from './quote.ts';

/** The official client's own parser (public at runtime, missing from its typings) is the judge of byte-exactness. */
type OfficialParser = { parseBinary(frame: ArrayBuffer): Record<string, unknown>[] };
const parser = new KiteTicker({ api_key: 'k', access_token: 't' }) as unknown as OfficialParser;
const officialParse = (frame: Buffer) => parser.parseBinary(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer);

function quote(token: number, price: number, overrides: Partial<Quote> = {}): Quote {
  return {
    instrument_token: token,
    last_price: price,
    last_traded_quantity: 75,
    average_traded_price: price - 1,
    volume_traded: 1_234_500,
    total_buy_quantity: 45_000,
    total_sell_quantity: 52_500,
    ohlc: { open: price - 10, high: price + 5, low: price - 20, close: price - 12 },
    last_trade_time: 1_795_000_000,
    exchange_timestamp: 1_795_000_001,
    oi: 1_500_000,
    oi_day_high: 1_600_000,
    oi_day_low: 1_400_000,
    depth: {
      buy: [1, 2, 3, 4, 5].map((k) => ({ quantity: 75 * k, price: price - 0.05 * k, orders: k })),
      sell: [1, 2, 3, 4, 5].map((k) => ({ quantity: 150 * k, price: price + 0.05 * k, orders: k + 1 })),
    },
    ...overrides,
  };
}

const NIFTY_INDEX = 256265; // 1001 * 256 + 9
const NIFTY_OPTION = 10_000 * 256 + 2; // NFO
const USDINR_FUT = 2_000 * 256 + 3; // CDS: prices in 1e-7
const USDINR_BCD = 3_000 * 256 + 6; // BCD: prices in 1e-4

describe('Kite binary frames', () => {
  it('have the packet sizes of Kite for every kind and mode', () => {
    expect([packetLength(NIFTY_OPTION, 'ltp'), packetLength(NIFTY_OPTION, 'quote'), packetLength(NIFTY_OPTION, 'full')]).toEqual([8, 44, 184]);
    expect([packetLength(NIFTY_INDEX, 'ltp'), packetLength(NIFTY_INDEX, 'quote'), packetLength(NIFTY_INDEX, 'full')]).toEqual([8, 28, 32]);
  });

  it('parse with the official client into exactly the values encoded, in all modes', () => {
    const q = quote(NIFTY_OPTION, 245.35);
    const entries: FrameEntry[] = [
      { mode: 'ltp', quote: q },
      { mode: 'quote', quote: q },
      { mode: 'full', quote: q },
    ];
    const [ltp, quoteTick, full] = officialParse(encodeFrame(entries));
    expect(ltp).toEqual({ tradable: true, mode: 'ltp', instrument_token: NIFTY_OPTION, last_price: 245.35 });
    expect(quoteTick).toMatchObject({
      mode: 'quote',
      last_price: 245.35,
      last_traded_quantity: 75,
      average_traded_price: 244.35,
      volume_traded: 1_234_500,
      total_buy_quantity: 45_000,
      total_sell_quantity: 52_500,
      ohlc: { open: 235.35, high: 250.35, low: 225.35, close: 233.35 },
    });
    expect(full).toMatchObject({
      mode: 'full',
      last_trade_time: new Date(1_795_000_000 * 1000),
      exchange_timestamp: new Date(1_795_000_001 * 1000),
      oi: 1_500_000,
      oi_day_high: 1_600_000,
      oi_day_low: 1_400_000,
    });
    const depth = (full as { depth: { buy: unknown[]; sell: unknown[] } }).depth;
    expect(depth.buy[0]).toEqual({ quantity: 75, price: 245.3, orders: 1 });
    expect(depth.sell[4]).toEqual({ quantity: 750, price: 245.6, orders: 6 });
  });

  it('encode indices in their own layout, not tradable, with a net change', () => {
    const q = quote(NIFTY_INDEX, 24_150.55, { ohlc: { open: 24_000, high: 24_200.1, low: 23_950.05, close: 24_010.5 } });
    const [quoteTick, full] = officialParse(
      encodeFrame([
        { mode: 'quote', quote: q },
        { mode: 'full', quote: q },
      ]),
    );
    expect(quoteTick).toMatchObject({
      tradable: false,
      mode: 'quote',
      last_price: 24_150.55,
      ohlc: { open: 24_000, high: 24_200.1, low: 23_950.05, close: 24_010.5 },
    });
    expect((quoteTick as { change: number }).change).toBeCloseTo(((24_150.55 - 24_010.5) * 100) / 24_010.5, 9);
    expect(full).toMatchObject({ mode: 'full', exchange_timestamp: new Date(1_795_000_001 * 1000) });
  });

  it('scale currency prices by the segment divisor (1e7 NSE CDS, 1e4 BSE BCD)', () => {
    const [cds, bcd] = officialParse(
      encodeFrame([
        { mode: 'ltp', quote: quote(USDINR_FUT, 84.1275) },
        { mode: 'ltp', quote: quote(USDINR_BCD, 84.1275) },
      ]),
    );
    expect(cds).toMatchObject({ last_price: 84.1275 });
    expect(bcd).toMatchObject({ last_price: 84.1275 });
  });

  it('carry many packets in one frame', () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ mode: 'full' as const, quote: quote((5000 + i) * 256 + 2, 100 + i / 20) }));
    const frame = encodeFrame(entries);
    expect(frame.length).toBe(2 + 3000 * (2 + 184));
    const ticks = officialParse(frame);
    expect(ticks).toHaveLength(3000);
    expect(ticks[2999]).toMatchObject({ instrument_token: 7999 * 256 + 2, last_price: 249.95 });
  });
});
