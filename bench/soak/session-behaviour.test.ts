import { describe, expect, it } from 'vitest';
import type { ClientMode } from '../../contracts/client-protocol.ts';
import { seededRandom } from '../../kite-sim/seeded-random.ts';
import { ACTION_MEAN_MS, chooseAction, nextActionInMs, pickModeChange, pickSwitch } from './session-behaviour.ts';

describe('session behaviour', () => {
  it('acts every ACTION_MEAN_MS on average, mostly switching and changing modes, never pinging on Kite’s protocol', () => {
    const random = seededRandom(3);
    const waits = Array.from({ length: 20_000 }, () => nextActionInMs(random));
    expect(waits.reduce((a, b) => a + b, 0) / waits.length).toBeGreaterThan(ACTION_MEAN_MS * 0.95);
    expect(waits.reduce((a, b) => a + b, 0) / waits.length).toBeLessThan(ACTION_MEAN_MS * 1.05);
    const kite = new Set(Array.from({ length: 2_000 }, () => chooseAction('kite', random)));
    expect(kite).toEqual(new Set(['switch', 'mode', 'leave', 'drop']));
    const v2 = Array.from({ length: 10_000 }, () => chooseAction('v2', random));
    expect(v2.filter((a) => a === 'switch').length).toBeGreaterThan(3_500);
    expect(v2.filter((a) => a === 'ping').length).toBeGreaterThan(700);
  });

  it('switches without touching the anchor and keeps between 3 and 12 instruments', () => {
    const random = seededRandom(5);
    const pool = Array.from({ length: 400 }, (_, i) => i + 1);
    let held = [1, 2, 3, 4, 5, 6, 7, 8];
    for (let i = 0; i < 500; i++) {
      const { drop, add } = pickSwitch(
        held,
        1,
        pool.filter((t) => !held.includes(t)),
        random,
      );
      expect(drop).not.toContain(1);
      expect(add.length).toBeGreaterThan(0);
      expect(add.some((t) => held.includes(t))).toBe(false);
      held = [...held.filter((t) => !drop.includes(t)), ...add];
      expect(held.length).toBeGreaterThanOrEqual(3);
      expect(held.length).toBeLessThanOrEqual(12);
    }
    expect(held).toContain(1);
  });

  it('changes the mode of instruments other than the anchor to one they are not in', () => {
    const random = seededRandom(8);
    const held = new Map<number, ClientMode>([
      [1, 'full'],
      [2, 'ltp'],
      [3, 'quote'],
    ]);
    for (let i = 0; i < 200; i++) {
      const { tokens, mode } = pickModeChange(held, 1, random);
      expect(tokens).not.toContain(1);
      for (const t of tokens) expect(held.get(t)).not.toBe(mode);
    }
    expect(pickModeChange(new Map([[1, 'full']]), 1, random).tokens).toEqual([]);
  });
});
