import { describe, expect, it } from 'vitest';
import { SessionOutbox } from './session-outbox.ts';

const bound = { bytes: 64 * 1024, closeAfterMs: 8_000 };
const packet = (price: number) => new Uint8Array([0, 0, 1, 1, 0, 0, 0, price]);
/** What a write would send now, in order, as [token, mode, price byte]. */
const due = (outbox: SessionOutbox) => {
  const out: [number, string, number | undefined][] = [];
  outbox.takeDue((token, mode, p) => out.push([token, mode, p[7]]));
  return out;
};

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
      outbox.put(257, 'quote', packet(second));
      outbox.put(513, 'ltp', packet(100 + second));
      expect(outbox.verdict(bound.bytes + 1, 1_000 + second * 500, bound)).toBe('hold');
    }
    // Ten seconds of ticks of two instruments: two packets held, the latest of each.
    expect(outbox.size).toBe(2);
    expect(outbox.slowSince).toBe(1_000);
    expect(outbox.verdict(100, 6_000, bound)).toBe('send');
    expect(outbox.slowSince).toBeNull();
    expect(due(outbox)).toEqual([
      [257, 'quote', 9],
      [513, 'ltp', 109],
    ]);
    // Written: nothing is due until the next tick, which goes in its mode now.
    expect(outbox.size).toBe(0);
    expect(due(outbox)).toEqual([]);
    outbox.put(513, 'full', packet(7));
    expect(due(outbox)).toEqual([[513, 'full', 7]]);
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
    outbox.put(257, 'ltp', packet(2));
    outbox.put(513, 'ltp', packet(3));
    outbox.forget(257);
    expect([...outbox.snapshot.keys()]).toEqual([]);
    expect(due(outbox)).toEqual([[513, 'ltp', 3]]);
    // Subscribed again: its ticks come again.
    outbox.put(257, 'full', packet(4));
    expect(due(outbox)).toEqual([[257, 'full', 4]]);
  });
});
