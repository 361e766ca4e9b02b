import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ConfigError } from '../contracts/config-error.ts';
import type { ErrorBody, ErrorCode } from '../contracts/errors.ts';
import { DatabaseUnavailable } from '../storage/database.ts';

/** A request parameter failed validation: answered 400 naming it and the rule. */
export class InvalidParameter extends Error {
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.name = 'InvalidParameter';
    this.param = param;
  }
}

/** Builds the one error body every route answers with (contracts/errors.ts). */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  extra: Omit<ErrorBody['error'], 'code' | 'message'> = {},
): Response {
  const body: ErrorBody = { error: { code, message, ...extra } };
  return c.json(body, status);
}

export function notFound(c: Context): Response {
  return errorResponse(c, 404, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`);
}

/** Last line of defence: a thrown error becomes a clear JSON answer, never a dropped connection. */
export function onError(error: Error, c: Context): Response {
  if (error instanceof InvalidParameter) {
    return errorResponse(c, 400, 'invalid_parameter', `${error.param}: ${error.message}`, { param: error.param });
  }
  if (error instanceof DatabaseUnavailable) {
    c.header('Retry-After', '5');
    return errorResponse(c, 503, 'database_unavailable', `the database is unavailable: ${error.message}`);
  }
  if (error instanceof ConfigError) {
    console.error(error.message);
    return errorResponse(c, 503, 'config_invalid', 'the worker is misconfigured', {
      problems: error.problems,
    });
  }
  console.error(`unhandled error on ${c.req.method} ${loggableTarget(c.req.url)}:`, error);
  return errorResponse(c, 500, 'internal_error', 'internal error; the platform logged the details');
}

/**
 * A request's path and the names of its query parameters, never their
 * values: /kite/ws carries an API key's secret as `access_token`, and a
 * log line must not (`/kite/ws?api_key=…&access_token=…`).
 */
export function loggableTarget(url: string): string {
  const { pathname, searchParams } = new URL(url);
  const names = [...new Set(searchParams.keys())];
  return names.length === 0 ? pathname : `${pathname}?${names.map((name) => `${name}=…`).join('&')}`;
}
