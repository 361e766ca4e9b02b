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
  console.error(`unhandled error on ${c.req.method} ${c.req.url}:`, error);
  return errorResponse(c, 500, 'internal_error', 'internal error; the platform logged the details');
}
