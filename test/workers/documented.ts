import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';
import { ErrorBody } from '../../contracts/errors.ts';
import worker from '../../edge/index.ts';
import { describedOperations, isUndocumented } from '../../edge/openapi/document.ts';

/**
 * Every answer the workers tests get from the edge, checked against the
 * operation the OpenAPI document describes (edge/openapi/document.ts): the
 * status must be one it lists, and a JSON body must parse with its schema.
 * A route whose answers drift from its description fails every test that
 * calls it. Routes left out of the document on purpose (UNDOCUMENTED) are
 * not checked; a path no route has must answer the platform's error body.
 */

type Operation = { method: string; pattern: RegExp; literals: number; route: RouteConfig };

let operations: Operation[] | undefined;

function operationsOf(): Operation[] {
  operations ??= describedOperations(worker).map((route) => ({
    method: route.method.toUpperCase(),
    pattern: new RegExp(`^${route.path.replaceAll(/\{\w+\}/g, '[^/]+')}$`),
    literals: route.path.split('/').filter((part) => part !== '' && !part.startsWith('{')).length,
    route,
  }));
  return operations;
}

/** The operation Hono would route `method path` to: a literal segment wins over a parameter (`/alerts/triggers` over `/alerts/{id}`). */
export function operationFor(method: string, path: string): RouteConfig | undefined {
  const candidates = operationsOf().filter((op) => op.method === method && op.pattern.test(path));
  return candidates.sort((a, b) => b.literals - a.literals)[0]?.route;
}

/** Throws, naming the route and what drifted, when `response` is not what the document says `method path` answers. */
export async function checkAgainstDocument(method: string, path: string, response: Response): Promise<void> {
  if (isUndocumented(path)) return;
  const operation = operationFor(method, path);
  const where = `${method} ${path} answered ${response.status}`;
  if (!operation) {
    // No documented route: the platform's 404 (or the area's refusal of a method it lacks).
    const parsed = ErrorBody.safeParse(
      await response
        .clone()
        .json()
        .catch(() => undefined),
    );
    if (!parsed.success) throw new Error(`${where} with a body that is not the error body, and no operation describes it`);
    return;
  }
  const answer = operation.responses[String(response.status)];
  if (!answer || '$ref' in answer) throw new Error(`${where}, a status its operation (${operation.method.toUpperCase()} ${operation.path}) does not list`);
  const media = answer.content?.['application/json'];
  const schema = media && 'schema' in media ? media.schema : undefined;
  if (!(schema instanceof z.ZodType)) return;
  const body: unknown = await response.clone().json();
  const result = schema.safeParse(body);
  if (!result.success) throw new Error(`${where} with a body its schema refuses: ${z.prettifyError(result.error)}`);
}

/** exports.default.fetch, checked against the document. */
export async function fetchEdge(input: Request | string, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const response = await exports.default.fetch(request.clone());
  await checkAgainstDocument(request.method, new URL(request.url).pathname, response);
  return response;
}

/** The worker with some bindings replaced, as a differently configured (or failing) deployment would answer; checked against the document. */
export async function fetchEdgeWith(overrides: Record<string, string | undefined>, input: Request | string, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const ctx = createExecutionContext();
  const response = await worker.fetch(request.clone(), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  await checkAgainstDocument(request.method, new URL(request.url).pathname, response);
  return response;
}
