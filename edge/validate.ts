import type { Context } from 'hono';
import type { z } from 'zod';
import { InvalidParameter } from './errors.ts';

/**
 * Parses a request's query string with a contract schema. The first problem
 * becomes a 400 naming the parameter and the rule (unknown parameters are
 * named too), never a 500 or a silently ignored filter.
 */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const url = new URL(c.req.url);
  const raw: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (key in raw) throw new InvalidParameter(key, 'must be given once');
    raw[key] = value;
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param =
    issue?.code === 'unrecognized_keys' ? String(issue.keys[0]) : issue?.path.length ? String(issue.path[0]) : '(query)';
  throw new InvalidParameter(param, issue?.message ?? 'is invalid');
}
