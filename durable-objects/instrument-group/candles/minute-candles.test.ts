import { describe, expect, it } from 'vitest';
import { fullPacket, ltpPacket } from '../../../test/workers/test-origin.ts';
import { MinuteCandles } from './minute-candles.ts';

/** NIFTY26DECFUT-like token on NFO (segment 2). */
const TOKEN = 13_368_066;
/** 2026-12-04 (a Friday) 10:00:00 IST. */
const T10 = Date.parse('2026-12-04T10:00:00+05:30');
const at = (minutes: number, seconds = 0) => T10 + minutes * 60_000 + seconds * 1000;

type Tick = { minute: number; second?: number; last: number; volume: number; oi?: number; quantity?: number };
const tick = (t: Tick) =>
  fullPacket(TOKEN, { last: t.last, volume: t.volume, oi: t.oi ?? 0, quantity: t.quantity ?? 0, exchangeAt: at(t.minute, t.second ?? 0) });

function build(ticks: Tick[], receivedAt = (t: Tick) => at(t.minute, (t.second ?? 0) + 1)): MinuteCandles {
  const candles = new MinuteCandles();
  for (const t of ticks) candles.add(tick(t), receivedAt(t));
  return candles;
}

describe('minute candles from scripted ticks', () => {
  it('a minute with one tick is a candle with open = high = low = close, and the volume since the previous minute', () => {
    const candles = build([
      { minute: 0, second: 10, last: 100, volume: 1_000, quantity: 50 },
      { minute: 1, second: 30, last: 101.5, volume: 1_300, oi: 7 },
    ]);
    candles.closeUntil(at(2));
    const closed = candles.takeOutbox();
    expect(closed).toEqual([
      // The first minute seen starts from its first tick's volume less that tick's own trade.
      { token: TOKEN, time: at(0), open: 100, high: 100, low: 100, close: 100, volume: 50, oi: 0 },
      { token: TOKEN, time: at(1), open: 101.5, high: 101.5, low: 101.5, close: 101.5, volume: 300, oi: 7 },
    ]);
  });

  it('a minute without a trade has no candle, and the next minute counts its volume from the last tick before the gap', () => {
    const candles = build([
      { minute: 0, second: 5, last: 100, volume: 1_000, quantity: 1_000 },
      { minute: 0, second: 50, last: 99, volume: 1_200 },
      { minute: 3, second: 1, last: 98, volume: 1_500 },
    ]);
    candles.closeUntil(at(4));
    expect(candles.takeOutbox().map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume])).toEqual([
      [at(0), 100, 100, 99, 99, 1_200],
      [at(3), 98, 98, 98, 98, 300],
    ]);
  });

  it('an out-of-order tick moves the high and low of its minute but not its close', () => {
    const candles = build([
      { minute: 0, second: 10, last: 100, volume: 10, quantity: 10 },
      { minute: 0, second: 40, last: 102, volume: 20 },
      { minute: 0, second: 20, last: 95, volume: 15 },
    ]);
    expect(candles.forming(TOKEN)).toMatchObject({ open: 100, high: 102, low: 95, close: 102, volume: 20 });
  });

  it('a late tick for the minute just closed amends it, and queues it again if it was already written', () => {
    const candles = build([
      { minute: 0, second: 10, last: 100, volume: 10, quantity: 10 },
      { minute: 1, second: 5, last: 101, volume: 20 },
    ]);
    expect(candles.takeOutbox().map((c) => c.high)).toEqual([100]);
    candles.add(tick({ minute: 0, second: 59, last: 104, volume: 12 }), at(1, 6));
    expect(candles.takeOutbox()).toEqual([expect.objectContaining({ time: at(0), high: 104, close: 104 })]);
    // Older than the minute just closed: history, counted and dropped.
    candles.add(tick({ minute: -5, last: 1, volume: 1 }), at(1, 7));
    expect(candles.takeOutbox()).toEqual([]);
    expect(candles.counters.late_ticks).toBe(1);
    expect(candles.forming(TOKEN)).toMatchObject({ open: 101, low: 101 });
  });

  it('a late tick for a closed minute still waiting to be written amends the copy that will be written, which stays one', () => {
    const candles = build([
      { minute: 0, second: 10, last: 100, volume: 10, quantity: 10 },
      { minute: 1, second: 5, last: 101, volume: 20 },
    ]);
    candles.add(tick({ minute: 0, second: 58, last: 98, volume: 11 }), at(1, 6));
    candles.add(tick({ minute: 0, second: 59, last: 104, volume: 12 }), at(1, 7));
    expect(candles.outboxSize).toBe(1);
    expect(candles.takeOutbox()).toEqual([{ token: TOKEN, time: at(0), open: 100, high: 104, low: 98, close: 104, volume: 12, oi: 0 }]);
  });

  it('a write that failed puts its minutes back, and a late tick then amends the copy put back', () => {
    const candles = build([
      { minute: 0, second: 10, last: 100, volume: 10, quantity: 10 },
      { minute: 1, second: 5, last: 101, volume: 20 },
    ]);
    candles.requeue(candles.takeOutbox());
    candles.add(tick({ minute: 0, second: 59, last: 104, volume: 12 }), at(1, 7));
    expect(candles.takeOutbox()).toEqual([expect.objectContaining({ time: at(0), high: 104, close: 104 })]);
  });

  it("a new trading day's volume starts again from zero", () => {
    const nextDay = at(24 * 60 - 44); // 2026-12-05 09:16 IST
    const candles = new MinuteCandles();
    candles.add(tick({ minute: 0, last: 100, volume: 90_000, quantity: 90_000 }), at(0, 1));
    candles.add(fullPacket(TOKEN, { last: 103, volume: 400, quantity: 25, exchangeAt: nextDay }), nextDay + 1000);
    candles.closeUntil(nextDay + 60_000);
    expect(candles.takeOutbox().map((c) => [c.time, c.volume])).toEqual([
      [at(0), 90_000],
      [nextDay, 400],
    ]);
  });

  it('ltp ticks carry no exchange time: they are bucketed by when the origin received them, with no volume', () => {
    const candles = new MinuteCandles();
    candles.add(ltpPacket(TOKEN, 100), at(0, 59));
    candles.add(ltpPacket(TOKEN, 101), at(1, 0));
    candles.closeUntil(at(2));
    expect(candles.takeOutbox().map((c) => [c.time, c.close, c.volume])).toEqual([
      [at(0), 100, 0],
      [at(1), 101, 0],
    ]);
  });

  it('a restart mid-minute loses nothing written: the forming minute, the outbox and the volume base come back', () => {
    const before = build([
      { minute: 0, second: 10, last: 100, volume: 100, quantity: 100 },
      { minute: 1, second: 10, last: 105, volume: 160 },
      { minute: 1, second: 20, last: 103, volume: 170 },
    ]);
    const after = new MinuteCandles();
    const { state, outbox } = before.takeSnapshot();
    // As stored: the state's bytes, the outbox as JSON.
    after.restore([new Float64Array((state as Float64Array).slice().buffer)], JSON.parse(JSON.stringify(outbox)));
    for (const candles of [before, after]) {
      candles.add(tick({ minute: 1, second: 50, last: 107, volume: 200 }), at(1, 51));
      candles.add(tick({ minute: 2, second: 1, last: 106, volume: 230 }), at(2, 2));
    }
    expect(after.takeOutbox()).toEqual(before.takeOutbox());
    expect(after.forming(TOKEN)).toEqual(before.forming(TOKEN));
    expect(after.forming(TOKEN)).toMatchObject({ volume: 30 });
  });

  it('the day candle is the exchange day OHLC with volume_traded as its volume', () => {
    const candles = build([
      { minute: 0, last: 100, volume: 500, quantity: 500 },
      { minute: 5, last: 90, volume: 800, oi: 12 },
    ]);
    expect(candles.day(TOKEN)).toEqual({
      time: Date.parse('2026-12-04T00:00:00+05:30'),
      open: 100,
      high: 100,
      low: 90,
      close: 90,
      volume: 800,
      oi: 12,
    });
    expect(candles.takeDays().map((d) => d.token)).toEqual([TOKEN]);
    expect(candles.takeDays()).toEqual([]);
  });
});
