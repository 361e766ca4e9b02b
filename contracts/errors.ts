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
  /** The request lacks the credential the route needs, or presents one that is malformed, forged or unknown (`WWW-Authenticate` says which schemes). */
  'unauthorized',
  /** The access token (or refresh token) was valid once and has expired: refresh it, or log in again. */
  'token_expired',
  /** The credential was valid once and has been revoked: logout, password change, a revoked API key, or a refresh token used twice. */
  'token_revoked',
  /** A login (or the current password of a password change) did not match: the same answer for an unknown e-mail and a wrong password. */
  'invalid_credentials',
  /** The credential is valid but lacks the scope or role the route needs. */
  'forbidden',
  /** Too many requests for this API key, user or address in the current window; `Retry-After` says when to try again. */
  'rate_limited',
  /** Too many failed logins for this e-mail or from this address: logins to it are refused until `Retry-After`. */
  'account_locked',
  /** The user already holds as many of something as one user may (active API keys, alerts, webhook alerts, watchlists, instruments in a watchlist): delete one first. */
  'limit_exceeded',
  /** No alert with this id belongs to the caller (another user's alert answers the same). */
  'alert_not_found',
  /** The alert is past its expires_at: it cannot be paused or resumed until a later expiry is set. */
  'alert_expired',
  /** An alert with a webhook needs the user's webhook secret to sign with: create it first (POST /alerts/webhook-secret). */
  'webhook_secret_missing',
  /** No watchlist with this id belongs to the caller (another user's watchlist answers the same). */
  'watchlist_not_found',
  /** The user already has a watchlist of this name (names are compared without regard to case). */
  'watchlist_name_taken',
  /** The route is a WebSocket endpoint and the request is not a WebSocket upgrade. */
  'upgrade_required',
  /** The request body is larger than the route reads (edge/body-cap.ts). */
  'payload_too_large',
  /** No option of that underlying expires on that day (`expiries` lists those that do, empty for an unknown underlying). */
  'unknown_chain',
  /** The option chain just started and no tick of its contracts arrived within the wait: retry after `Retry-After`. */
  'chain_starting',
  /** Kite's subscription budget (3 connections × 3000 instruments per account) cannot take the chain: `refused` counts the contracts refused. */
  'kite_capacity',
  /** GET /metrics: a Durable Object did not hand over its counters in time; the scrape is refused whole rather than served with totals missing. */
  'metrics_unavailable',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ConfigProblem = z.object({
  variable: z.string(),
  problem: z.string(),
});
export type ConfigProblem = z.infer<typeof ConfigProblem>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      /** The parameter at fault, for `invalid_parameter`. */
      param: z.string().optional(),
      /** Each misconfigured variable, for `config_invalid`. */
      problems: z.array(ConfigProblem).optional(),
      /** The listed expiries, for `unknown_chain`. */
      expiries: z.array(z.string()).optional(),
      /** How many of the chain's contracts Kite refused, for `kite_capacity`. */
      refused: z.number().int().optional(),
    }),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBody>;
