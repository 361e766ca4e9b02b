import { describe, expect, it } from 'vitest';
import { fullPacket } from '../../test/workers/test-origin.ts';
import { MinuteCandles } from './candles/minute-candles.ts';
import { LatestPackets } from './latest-packets.ts';
import { CANDLES_HOLDER, LATEST_HOLDER, TokenSlots } from './token-slots.ts';

const T10 = Date.parse('2026-12-04T10:00:00+05:30');

describe('TokenSlots', () => {
  it('gives a token one slot for all its holders, and frees it only when the last lets go', () => {
    const slots = new TokenSlots();
    const a = slots.claim(101, LATEST_HOLDER);
    expect(slots.claim(101, CANDLES_HOLDER)).toBe(a);
    const b = slots.claim(102, LATEST_HOLDER);
    expect(b).not.toBe(a);
    slots.release(a, LATEST_HOLDER);
    expect(slots.find(101)).toBe(a);
    // Releasing twice changes nothing.
    slots.release(a, LATEST_HOLDER);
    expect(slots.find(101)).toBe(a);
    slots.release(a, CANDLES_HOLDER);
    expect(slots.find(101)).toBeUndefined();
    // The freed slot goes to the next new token.
    expect(slots.claim(103, CANDLES_HOLDER)).toBe(a);
    expect(slots.tokenOf(a)).toBe(103);
    expect(slots.highWater).toBe(2);
  });

  it('the latest packets and the candles share slots: a slot given to another token since is not trusted', () => {
    const slots = new TokenSlots();
    const latest = new LatestPackets(slots);
    const candles = new MinuteCandles(undefined, slots);
    const tick = (token: number, last: number) => fullPacket(token, { last, volume: 10, quantity: 10, exchangeAt: T10 });
    const first = [tick(101, 100)];
    const stale = Int32Array.from(latest.put(first, T10, T10).subarray(0, 1));
    candles.addBatch(first, stale, T10);
    // The candles keep 101's slot; a packet passed with 101's slot for token 202 still lands on 202.
    candles.addBatch([tick(202, 55)], stale, T10);
    expect(candles.forming(101)).toMatchObject({ open: 100, close: 100 });
    expect(candles.forming(202)).toMatchObject({ open: 55, close: 55 });
    expect(slots.find(202)).not.toBe(stale[0]);
    expect(latest.get(101)?.receivedAt).toBe(T10);
  });
});
