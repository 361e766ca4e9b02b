import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Env } from 'hono';
import type { H } from 'hono/types';
import type { z } from 'zod';
import { ErrorBody, type ErrorBody as ErrorBodyType, type ErrorCode } from '../../contracts/errors.ts';

/**
 * How a route is declared (docs/api.md): its OpenAPI operation, made with
 * @hono/zod-openapi's createRoute() from the schemas in contracts/ (or the
 * area's own request schemas), and its handlers, in one call:
 *
 *   route(area, createRoute({ method: 'get', path: '/list', request: { query: ListQuery },
 *     responses: { 200: json(ListResponse, 'a page', example), 400: problem('…', 'invalid_parameter', 'limit: must be at most 1000') } }),
 *     async (c) => { const query = parseQuery(c, ListQuery); … });
 *
 * The operation goes into the area's registry (an OpenAPIHono merges its
 * areas' registries under their prefixes), the handlers onto its router.
 * The handlers keep validating with edge/validate.ts: its checks come before
 * any schema (text Postgres cannot store, a parameter given twice, unknown
 * names listed with the known ones) and its messages are the platform's,
 * where @hono/zod-openapi's validators would parse the same schemas again
 * with Hono's query shape (a repeated parameter as an array) and their own
 * messages. The request schemas in the document are the ones the handlers
 * parse with.
 *
 * The answers every route shares (401/403/429 from its `requires(…)`
 * policy, 413 for a body, 500 and 503) are added when the document is built
 * (document.ts), so a route lists only its own.
 */
export function route<E extends Env>(area: OpenAPIHono<E>, operation: RouteConfig, ...handlers: H<E>[]): void {
  area.openAPIRegistry.registerPath(operation);
  area.on([operation.method.toUpperCase()], [honoPath(operation.path)], ...handlers);
}

/** `/alerts/{id}/triggers` (OpenAPI) as Hono routes it: `/alerts/:id/triggers`. */
export function honoPath(path: string): string {
  return path.replaceAll(/\{(\w+)\}/g, ':$1');
}

/** A JSON answer described by a contract schema, with an example that the tests check against the schema. */
export function json(schema: z.ZodType, description: string, example?: unknown) {
  return { description, content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } } };
}

/** An error answer: the platform's one error body (contracts/errors.ts), with an example. */
export function problem(description: string, code: ErrorCode, message: string, extra: Omit<ErrorBodyType['error'], 'code' | 'message'> = {}) {
  return json(ErrorBody, description, { error: { code, message, ...extra } } satisfies ErrorBodyType);
}

/** The usual 400 of a route with parameters: the first one at fault, named, with the rule. */
export function invalidParameter(param: string, rule: string) {
  return problem('a parameter failed validation: `param` names it', 'invalid_parameter', `${param}: ${rule}`, { param });
}

/** An answer without a body (204). */
export const noContent = (description: string) => ({ description });
