import { parseArgs } from 'node:util';
import { z } from 'zod';
import { zodProblems } from '../../contracts/zod-problem.ts';

/** What `npm run soak -- …` was asked for (docs/testing.md, "The soak"). */
export type SoakOptions = {
  /** How long the load runs once the platform is up, sessions' opening included. */
  minutes: number;
  /** How many sessions the soak keeps (each leaves and comes back now and then). */
  sessions: number;
  /** Where the JSON report goes; none unless asked. */
  jsonFile: string | undefined;
  /** The longest a session may take to tick (and read `live`) again after a fault before the soak fails. */
  recoveryBoundS: number;
  /** Seconds from one fault's start to the next one's (a fault whose sessions have not recovered yet holds the next back). */
  faultEveryS: number;
  /** Seeds every random choice (watchlists, actions, faults' order is fixed): the same seed, the same soak. */
  seed: number;
};

export const SOAK_USAGE = `usage: npm run soak -- [--minutes N] [--sessions N] [--json FILE] [--recovery-bound S] [--fault-every S] [--seed N]
  --minutes N          how long the load runs once the platform is up (default 5; 0.5 is half a minute)
  --sessions N         sessions kept open: /v2/ws with access tokens and API keys, /kite/ws with API keys (default 1000)
  --json FILE          also write the whole report as JSON to FILE
  --recovery-bound S   fail when a session takes longer than S seconds to recover from a fault (default 30)
  --fault-every S      seconds between faults (default: a tenth of the run, between 8 and 60)
  --seed N             seed of the random choices (default 1)`;

/** A flag the soak cannot run with; the message names it and says what it takes. */
export class SoakArgsError extends Error {
  override readonly name = 'SoakArgsError';
}

const MINUTES_MAX = 24 * 60;

/** A number given as a flag's text: the messages say what the flag takes, not zod's "expected number, received NaN". */
const numberText = (rule: string) =>
  z
    .string()
    .trim()
    .regex(/^-?(\d+\.?\d*|\.\d+)$/, `must be ${rule}`)
    .transform(Number);

const Flags = z.object({
  minutes: numberText('a number of minutes')
    .pipe(z.number().positive('must be above 0').max(MINUTES_MAX, `must be at most ${MINUTES_MAX} (a day)`))
    .default(5),
  sessions: numberText('a whole number')
    .pipe(z.number().int('must be a whole number').min(1, 'must be at least 1').max(20_000, 'must be at most 20000'))
    .default(1000),
  json: z.string().trim().min(1, 'must name a file').optional(),
  'recovery-bound': numberText('a number of seconds').pipe(z.number().positive('must be above 0').max(600, 'must be at most 600')).default(30),
  'fault-every': numberText('a number of seconds').pipe(z.number().min(5, 'must be at least 5').max(3600, 'must be at most 3600')).optional(),
  seed: numberText('a whole number').pipe(z.number().int('must be a whole number')).default(1),
});

/** A fault every tenth of the run: a one-minute soak still sees several kinds, a long one one a minute. */
export function defaultFaultEveryS(minutes: number): number {
  return Math.min(60, Math.max(8, Math.round((minutes * 60) / 10)));
}

/** The options, 'help' for --help, or a SoakArgsError naming every bad flag. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        minutes: { type: 'string' },
        sessions: { type: 'string' },
        json: { type: 'string' },
        'recovery-bound': { type: 'string' },
        'fault-every': { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new SoakArgsError(`${parseArgsProblem(error as Error & { code?: string }, argv)}\n${SOAK_USAGE}`);
  }
  if (values.help) return 'help';
  const parsed = Flags.safeParse(values);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error).map((p) => `--${p.path.join('.')} ${p.message}`);
    throw new SoakArgsError(`${problems.join('\n')}\n${SOAK_USAGE}`);
  }
  const flags = parsed.data;
  return {
    minutes: flags.minutes,
    sessions: flags.sessions,
    jsonFile: flags.json,
    recoveryBoundS: flags['recovery-bound'],
    faultEveryS: flags['fault-every'] ?? defaultFaultEveryS(flags.minutes),
    seed: flags.seed,
  };
}

/** node:util's parseArgs explains its refusals for programs that take positionals; ours takes flags only. */
function parseArgsProblem(error: Error & { code?: string }, argv: readonly string[]): string {
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${/'([^']+)'/.exec(error.message)?.[1] ?? 'a flag'} is not a flag of the soak`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = /'(--[a-z-]+)/.exec(error.message)?.[1] ?? 'a flag';
      return `${flag} needs a value (one that starts with "-" goes as ${flag}=VALUE)`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `the soak takes flags only, not "${argv.find((a) => !a.startsWith('-')) ?? ''}"`;
    default:
      return error.message;
  }
}
