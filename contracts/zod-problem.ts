import type { z } from 'zod';

/**
 * What a failed zod parse says, in the few forms the programs answer with:
 * a 400's `param` and message (REST bodies and queries), a variable and its
 * problem (configuration), a line for an error frame or a log (link and
 * client frames), or just the message. Every caller reads the same
 * `ZodProblem`, so a record key's own rule or an unknown field is reported
 * alike everywhere.
 */
export type ZodProblem = {
  /** Where: the keys and indexes from the parsed value down ([] for the value itself). */
  path: string[];
  /** What is wrong: the schema's message; for a record key (or a set or map element), its own rule rather than zod's "Invalid key in record". */
  message: string;
  /** zod's issue code (`too_big`, `unrecognized_keys`, …). */
  code: string;
  /** For an object given keys it does not take: the first of them (`path` is then the object's). */
  unknownKey?: string;
};

/** Every problem of a failed parse, in zod's order. */
export function zodProblems(error: z.ZodError): ZodProblem[] {
  return error.issues.map(problemOf);
}

/** The first problem of a failed parse (undefined only for an error without issues). */
export function zodProblem(error: z.ZodError): ZodProblem | undefined {
  const issue = error.issues[0];
  return issue && problemOf(issue);
}

/** The first problem's message, or `fallback`. */
export function zodMessage(error: z.ZodError, fallback: string): string {
  return zodProblem(error)?.message ?? fallback;
}

/**
 * The first problem as a 400 names it: `param` is the dotted path to the
 * field (an unknown field's own name included), `root` for the value
 * itself; an unknown field's message is `unknownField`.
 */
export function paramProblem(error: z.ZodError, options: { root: string; unknownField: string }): { param: string; message: string } {
  const problem = zodProblem(error);
  if (!problem) return { param: options.root, message: 'is invalid' };
  const path = problem.unknownKey === undefined ? problem.path : [...problem.path, problem.unknownKey];
  return { param: path.join('.') || options.root, message: problem.unknownKey === undefined ? problem.message : options.unknownField };
}

/**
 * The first problem of a frame that failed to parse (a zod error, or
 * JSON's own) as `path: message`, `root` for the frame itself, at most
 * `max` characters: short enough for an error frame or a log line.
 */
export function frameProblem(error: unknown, root = '(frame)', max = 500): string {
  const problem = isZodError(error) ? zodProblem(error) : undefined;
  const text = problem ? `${problem.path.join('.') || root}: ${problem.message}` : error instanceof Error ? error.message : String(error);
  return text.slice(0, max);
}

function isZodError(error: unknown): error is z.ZodError {
  return typeof error === 'object' && error !== null && Array.isArray((error as { issues?: unknown }).issues);
}

function problemOf(issue: z.core.$ZodIssue): ZodProblem {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') return { path, message: issue.message, code: issue.code, unknownKey: String(issue.keys[0]) };
  // A record key's (or a set or map element's) own rule says more than zod's "Invalid key in record".
  const inner = issue.code === 'invalid_key' || issue.code === 'invalid_element' ? issue.issues[0]?.message : undefined;
  return { path, message: inner ?? issue.message, code: issue.code };
}
