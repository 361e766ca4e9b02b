import { describe, expect, it } from 'vitest';
import { ABUSE_IN_A_ROW, ControlBudget } from './control-budget.ts';

describe('ControlBudget', () => {
  it('allows a burst of twice the rate, then refills at the rate', () => {
    const budget = new ControlBudget(5, 0);
    expect(budget.burst).toBe(10);
    expect(Array.from({ length: 10 }, () => budget.spend(0))).toEqual(Array(10).fill('ok'));
    expect(budget.spend(0)).toBe('dropped');
    // 200 ms at 5 a second is one message.
    expect(budget.spend(200)).toBe('ok');
    expect(budget.spend(200)).toBe('dropped');
    // Never more than the burst, however long the pause.
    expect(Array.from({ length: 11 }, () => budget.spend(60_000)).filter((spent) => spent === 'ok')).toHaveLength(10);
  });

  it(`calls ${ABUSE_IN_A_ROW} refusals in a row abuse, and a message let through ends the run`, () => {
    const budget = new ControlBudget(1, 0);
    budget.spend(0);
    budget.spend(0);
    const refused = Array.from({ length: ABUSE_IN_A_ROW - 1 }, () => budget.spend(0));
    expect(new Set(refused)).toEqual(new Set(['dropped']));
    expect(budget.spend(1_000)).toBe('ok');
    expect(budget.spend(1_000)).toBe('dropped');
    const run = Array.from({ length: ABUSE_IN_A_ROW - 1 }, () => budget.spend(1_000));
    expect(run.at(-1)).toBe('abuse');
  });

  it(`calls ${ABUSE_IN_A_ROW} malformed messages in a row abuse, and a well-formed one ends the run`, () => {
    const budget = new ControlBudget(5, 0);
    expect(Array.from({ length: ABUSE_IN_A_ROW - 1 }, () => budget.malformed())).not.toContain(true);
    budget.wellFormed();
    expect(Array.from({ length: ABUSE_IN_A_ROW - 1 }, () => budget.malformed())).not.toContain(true);
    expect(budget.malformed()).toBe(true);
  });
});
