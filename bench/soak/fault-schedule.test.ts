import { describe, expect, it } from 'vitest';
import { FAULT_ORDER, nextFaultKind, ORIGIN_REST_MS, type PastFault } from './fault-schedule.ts';

describe('nextFaultKind', () => {
  it('takes the kinds in turn, the costly ones first', () => {
    const past: PastFault[] = [];
    for (let i = 0; i < 10; i++) past.push({ kind: nextFaultKind(past, i * 100_000), settledAt: i * 100_000 + 5_000 });
    expect(past.map((f) => f.kind)).toEqual([...FAULT_ORDER, ...FAULT_ORDER]);
    expect(FAULT_ORDER.slice(0, 2)).toEqual(['kite-drop', 'origin-kill']);
  });

  it('skips the origin kill until the origin has run ORIGIN_REST_MS since its last restart', () => {
    const past: PastFault[] = [
      { kind: 'kite-drop', settledAt: 1_000 },
      { kind: 'origin-kill', settledAt: 20_000 },
      { kind: 'group-restart', settledAt: 30_000 },
      { kind: 'kite-malformed', settledAt: 40_000 },
      { kind: 'kite-silence', settledAt: 50_000 },
      { kind: 'kite-drop', settledAt: 60_000 },
    ];
    expect(nextFaultKind(past, 20_000 + ORIGIN_REST_MS - 1)).toBe('group-restart');
    expect(nextFaultKind(past, 20_000 + ORIGIN_REST_MS)).toBe('origin-kill');
    const neverSettled: PastFault[] = [{ kind: 'origin-kill', settledAt: undefined }, ...past.slice(2)];
    expect(nextFaultKind(neverSettled, 1_000_000)).toBe('group-restart');
  });
});
