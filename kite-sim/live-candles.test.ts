import { describe, expect, it } from 'vitest';
import { LiveCandles } from './live-candles.ts';
import type { Quote } from './quote.ts';

/** Only what the recorder reads of a quote. */
function trade(second: number, price: number, volume: number, quantity: number, oi = 0): Quote {
  return { instrument_token: 7, exchange_timestamp: second, last_price: price, volume_traded: volume, last_traded_quantity: quantity, oi } as Quote;
}

const T = 1_796_615_100; // 2026-12-07 09:15:00 IST, in seconds

describe('LiveCandles', () => {
  it('counts a token’s first minute from its volume before its first trade, and skips minutes without trades', () => {
    const live = new LiveCandles();
    live.record(trade(T + 1, 100, 1050, 50, 10));
    live.record(trade(T + 30, 101, 1100, 50, 12));
    live.record(trade(T + 180, 99, 1300, 200, 11));
    expect(live.minutes(7, 0, Number.MAX_SAFE_INTEGER)).toEqual([
      { time: T * 1000, open: 100, high: 101, low: 100, close: 101, volume: 100, oi: 12 },
      { time: (T + 180) * 1000, open: 99, high: 99, low: 99, close: 99, volume: 200, oi: 11 },
    ]);
  });

  it('folds a trade stamped before the forming minute into it rather than reopening a closed one', () => {
    const live = new LiveCandles();
    live.record(trade(T + 61, 100, 10, 10));
    live.record(trade(T + 59, 98, 15, 5));
    expect(live.minutes(7, 0, Number.MAX_SAFE_INTEGER)).toEqual([{ time: (T + 60) * 1000, open: 100, high: 100, low: 98, close: 98, volume: 15, oi: 0 }]);
  });

  it('keeps a token’s latest 1,440 minutes', () => {
    const live = new LiveCandles();
    for (let m = 0; m < 1500; m++) live.record(trade(T + m * 60, 100, m + 1, 1));
    const kept = live.minutes(7, 0, Number.MAX_SAFE_INTEGER);
    expect(kept).toHaveLength(1440);
    expect(kept[0]?.time).toBe((T + 60 * 60) * 1000);
    expect(live.minutes(8, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});
