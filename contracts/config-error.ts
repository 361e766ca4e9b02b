import { z } from 'zod';
import type { ConfigProblem } from './errors.ts';
import { zodProblems } from './zod-problem.ts';

/**
 * Raised when a process's environment fails its schema. The message lists
 * every bad variable by name with what is wrong, so nobody has to guess from a
 * stack trace which key is missing (the old ticker died on exactly that).
 */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A whole-number variable within bounds, with its default; the messages name the unit and the bound broken. */
export const wholeNumber = (min: number, max: number, fallback: number, unit: string) =>
  z.coerce.number().int(`must be a whole number of ${unit}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(fallback);

/** A worker's bindings with empty strings as unset: wrangler.toml cannot unset a var, so an empty one means "not configured". */
export function emptyToUndefined(env: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
}

/** Parses `env` with `schema` or throws a ConfigError naming each variable at fault. */
export function parseEnv<S extends z.ZodType>(schema: S, env: unknown): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    zodProblems(result.error).map((problem) => ({
      variable: problem.path.join('.') || '(environment)',
      problem: problem.message,
    })),
  );
}

/**
 * A check that two variables are set together or not at all (a URL without
 * its token is a half-done deployment, not "feature off"). It runs even when
 * other variables failed, so one start reports every problem at once.
 */
export function bothOrNeither(first: string, second: string) {
  return z.superRefine<Record<string, unknown>>(
    (env, ctx) => {
      if (Boolean(env[first]) === Boolean(env[second])) return;
      ctx.addIssue({
        code: 'custom',
        path: [env[first] ? second : first],
        message: `must be set together with ${env[first] ? first : second} (set both, or neither)`,
      });
    },
    { when: () => true },
  );
}
