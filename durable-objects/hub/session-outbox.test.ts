import { describe, expect, it } from 'vitest';
import { SessionOutbox } from './session-outbox.ts';

const bound = { bytes: 64 * 1024, closeAfterMs: 8_000 };
const packet = (price: number) => new Uint8Array([0, 0, 1, 1, 0, 0, 0, price]);

describe('SessionOutbox: a slow reader', () => {
  it('writes while the socket keeps up', () => {
    const outbox = new SessionOutbox();
    expect(outbox.verdict(0, 1_000, bound)).toBe('send');
    expect(outbox.verdict(bound.bytes, 1_100, bound)).toBe('send');
    expect(outbox.slowSince).toBeNull();
  });

  it('holds ticks while the socket is over the bound, keeping only the latest of each instrument, and writes the merged state once it drains', () => {
    const outbox = new SessionOutbox();
    for (let second = 0; second < 10; second++) {
      outbox.pending.set(257, packet(second));
      outbox.pending.set(513, packet(100 + second));
      expect(outbox.verdict(bound.bytes + 1, 1_000 + second * 500, bound)).toBe('hold');
    }
    // Ten seconds of ticks of two instruments: two packets held, the latest of each.
    expect(outbox.size).toBe(2);
    expect(outbox.pending.get(257)?.[7]).toBe(9);
    expect(outbox.pending.get(513)?.[7]).toBe(109);
    expect(outbox.slowSince).toBe(1_000);
    expect(outbox.verdict(100, 6_000, bound)).toBe('send');
    expect(outbox.slowSince).toBeNull();
  });

  it('closes a session that stays over the bound longer than allowed, counted from when it went over', () => {
    const outbox = new SessionOutbox();
    expect(outbox.verdict(bound.bytes * 4, 10_000, bound)).toBe('hold');
    expect(outbox.verdict(bound.bytes * 4, 18_000, bound)).toBe('hold');
    expect(outbox.verdict(bound.bytes * 4, 18_001, bound)).toBe('close');
  });

  it('forgets an unsubscribed instrument and holds snapshots apart from live ticks', () => {
    const outbox = new SessionOutbox();
    outbox.snapshot.set(257, packet(1));
    outbox.pending.set(257, packet(2));
    outbox.pending.set(513, packet(3));
    outbox.forget(257);
    expect([...outbox.snapshot.keys()]).toEqual([]);
    expect([...outbox.pending.keys()]).toEqual([513]);
  });
});
