import { describe, expect, it } from 'vitest';
import { defaultFaultEveryS, parseSoakArgs, SoakArgsError } from './soak-args.ts';

const problem = (argv: string[]) => {
  try {
    parseSoakArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(SoakArgsError);
    return (error as Error).message.split('\n')[0];
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('parseSoakArgs', () => {
  it('takes every flag, and defaults sized for a 2-core machine', () => {
    expect(parseSoakArgs([])).toEqual({ minutes: 5, sessions: 1000, jsonFile: undefined, recoveryBoundS: 30, faultEveryS: 30, seed: 1 });
    expect(
      parseSoakArgs(['--minutes', '0.5', '--sessions', '200', '--json', 'out/soak.json', '--recovery-bound', '45', '--fault-every', '12', '--seed', '9']),
    ).toEqual({ minutes: 0.5, sessions: 200, jsonFile: 'out/soak.json', recoveryBoundS: 45, faultEveryS: 12, seed: 9 });
    expect(parseSoakArgs(['--minutes=3'])).toMatchObject({ minutes: 3, faultEveryS: 18 });
    expect(parseSoakArgs(['-h'])).toBe('help');
  });

  it('spaces faults a tenth of the run apart, between 8 s and a minute', () => {
    expect([1, 3, 10, 30].map(defaultFaultEveryS)).toEqual([8, 18, 60, 60]);
  });

  it('names the flag and what it takes', () => {
    expect(problem(['--minutes', 'ten'])).toBe('--minutes must be a number of minutes');
    expect(problem(['--minutes', '0'])).toBe('--minutes must be above 0');
    expect(problem(['--minutes', '2000'])).toBe('--minutes must be at most 1440 (a day)');
    expect(problem(['--sessions', '1.5'])).toBe('--sessions must be a whole number');
    expect(problem(['--sessions', ''])).toBe('--sessions must be a whole number');
    expect(problem(['--recovery-bound=-3'])).toBe('--recovery-bound must be above 0');
    expect(problem(['--recovery-bound', '-3'])).toBe('--recovery-bound needs a value (one that starts with "-" goes as --recovery-bound=VALUE)');
    expect(problem(['--fault-every', '1'])).toBe('--fault-every must be at least 5');
    expect(problem(['--json', ' '])).toBe('--json must name a file');
  });

  it('refuses unknown flags, missing values and stray words, with the usage', () => {
    expect(problem(['--minute', '3'])).toBe('--minute is not a flag of the soak');
    expect(problem(['--minutes'])).toBe('--minutes needs a value (one that starts with "-" goes as --minutes=VALUE)');
    expect(problem(['3'])).toBe('the soak takes flags only, not "3"');
    expect(() => parseSoakArgs(['--minute', '3'])).toThrow(/usage: npm run soak -- \[--minutes N\]/);
  });

  it('lists every bad flag at once', () => {
    expect(() => parseSoakArgs(['--minutes', '0', '--sessions', 'many'])).toThrow(/--minutes must be above 0\n--sessions must be a whole number\n/);
  });
});
