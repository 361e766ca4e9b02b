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
