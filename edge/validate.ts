import type { Context } from 'hono';
import type { z } from 'zod';
import { firstUnstorableText, unstorableText } from '../contracts/storable-text.ts';
import { paramProblem, zodProblem } from '../contracts/zod-problem.ts';
import { InvalidParameter } from './errors.ts';

/**
 * Parses a request's query string with a contract schema. The first problem
 * becomes a 400 naming the parameter and the rule (unknown parameters are
 * named too), never a 500 or a silently ignored filter. Text Postgres
 * cannot take (contracts/storable-text.ts) is refused here, for every
 * route, before any schema sees it.
 */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const url = new URL(c.req.url);
  const raw: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    const keyProblem = unstorableText(key);
    if (keyProblem) throw new InvalidParameter('(query)', `has a parameter name that ${keyProblem}`);
    if (key in raw) throw new InvalidParameter(key, 'must be given once');
    const problem = unstorableText(value);
    if (problem) throw new InvalidParameter(key, problem);
    raw[key] = value;
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problem = zodProblem(result.error);
  if (problem?.unknownKey !== undefined) {
    throw new InvalidParameter(problem.unknownKey, `unknown parameter; this route takes ${knownKeys(schema) || 'none'}`);
  }
  // The parameter alone: a rule on its parts (a list's third item) is still about the parameter.
  throw new InvalidParameter(problem?.path[0] ?? '(query)', problem?.message ?? 'is invalid');
}

/**
 * A path parameter (`/alerts/:id`) parsed with a schema: a 400 naming it
 * when it does not parse, or holds text Postgres cannot take.
 */
export function parsePathParam<S extends z.ZodType<unknown, string>>(c: Context, name: string, schema: S): z.output<S> {
  const value = c.req.param(name) ?? '';
  const problem = unstorableText(value);
  if (problem) throw new InvalidParameter(name, problem);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidParameter(name, zodProblem(result.error)?.message ?? 'is invalid');
}

/** The parameter names an object schema (or one wrapped in checks) accepts. */
function knownKeys(schema: z.ZodType): string {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape).join(', ') : '';
}

/** The parameter at fault in a failed parse, and what is wrong with it. */
export type BodyProblem = { param: string; message: string };

/**
 * Parses a JSON body with a schema; the first problem becomes a 400 naming
 * the field (a dotted path for nested ones; unknown fields are named too).
 * Any string or field name of the body that Postgres cannot take is refused
 * first, wherever it is, whether or not the schema would read it.
 * An area whose schemas say more about their own problems passes `problemOf`.
 */
export async function parseBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  problemOf: (error: z.ZodError) => BodyProblem = firstProblem,
): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new InvalidParameter('(body)', 'must be a JSON object');
  }
  const text = firstUnstorableText(body);
  if (text) throw new InvalidParameter(text.path.join('.') || '(body)', text.message);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const { param, message } = problemOf(result.error);
  throw new InvalidParameter(param, message);
}

function firstProblem(error: z.ZodError): BodyProblem {
  return paramProblem(error, { root: '(body)', unknownField: 'unknown field' });
}
