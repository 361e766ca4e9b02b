import { z } from 'zod';

/**
 * Every error the platform answers over HTTP has this body, so a client needs
 * one parser for all of them. Codes are defined once here and documented in
 * docs/errors.md; add a code here before using it anywhere.
 */
export const ErrorCode = z.enum([
  /** A query parameter, path parameter or body field failed validation. */
  'invalid_parameter',
  /** No route matches the method and path. */
  'not_found',
  /** The worker's configuration (environment/bindings) is missing or malformed. */
  'config_invalid',
  /** The database could not be reached or did not answer in time; retry later. */
  'database_unavailable',
  /** An unexpected fault inside the platform; the message carries no internals. */
  'internal_error',
  /** The route exists but not for this HTTP method (an `Allow` header lists the ones it takes). */
  'method_not_allowed',
  /** The origin's Kite login named an api_key that is not one of its configured accounts. */
  'unknown_account',
  /** Kite refused the login: the request token is invalid, expired or used, or Kite reported the login as failed. */
  'kite_login_failed',
  /** Kite could not be reached, or answered the session exchange with something other than a session; retry. */
  'kite_unavailable',
  /** The request lacks the bearer credential the route needs, or presents a wrong one (`WWW-Authenticate` says which scheme). */
  'unauthorized',
  /** The route is a WebSocket endpoint and the request is not a WebSocket upgrade. */
  'upgrade_required',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ConfigProblem = z.object({
  variable: z.string(),
  problem: z.string(),
});
export type ConfigProblem = z.infer<typeof ConfigProblem>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    /** The parameter at fault, for `invalid_parameter`. */
    param: z.string().optional(),
    /** Each misconfigured variable, for `config_invalid`. */
    problems: z.array(ConfigProblem).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
