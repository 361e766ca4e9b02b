import type { Context, Next } from 'hono';
import { errorResponse } from '../errors.ts';

/**
 * A route opened by one configured secret and nothing else (the origin's
 * link, /metrics): `Authorization: Bearer <secret>`, where a user's access
 * token or API key is just a wrong secret. The comparison hashes both
 * sides first and compares the digests with the runtime's timingSafeEqual,
 * so neither the content nor the length of the secret leaks through timing.
 * With no secret configured the route answers 503 naming the variable.
 */
export type BearerSecret = {
  /** The configured secret; undefined: the routes behind it are off. */
  secret: string | undefined;
  /** Its variable, e.g. ORIGIN_LINK_SECRET. */
  variable: string;
  /** What it is, as a refusal names it: "origin link secret". */
  name: string;
  /** What it opens: "the origin link". */
  opens: string;
  /** What is off without it: "the /origin routes are". */
  off: string;
  /** The WWW-Authenticate realm of a refusal. */
  realm: string;
};

export async function requireBearerSecret<E extends { Bindings: Cloudflare.Env }>(
  c: Context<E>,
  next: Next,
  { secret, variable, name, opens, off, realm }: BearerSecret,
): Promise<Response | undefined> {
  if (secret === undefined) {
    return errorResponse(c, 503, 'config_invalid', `${opens} is not configured: ${variable} is not set`, {
      problems: [{ variable, problem: `is not set: ${off} off` }],
    });
  }
  const presented = bearerToken(c.req.header('Authorization'));
  if (presented === undefined || !(await sameSecret(presented, secret))) {
    c.header('WWW-Authenticate', `Bearer realm="${realm}"`);
    const message = presented === undefined ? `send Authorization: Bearer <${variable}>` : `the bearer token is not the ${name}`;
    return errorResponse(c, 401, 'unauthorized', message);
  }
  await next();
  return undefined;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer +(\S+) *$/i);
  return match?.[1];
}

const encoder = new TextEncoder();

async function sameSecret(presented: string, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([crypto.subtle.digest('SHA-256', encoder.encode(presented)), crypto.subtle.digest('SHA-256', encoder.encode(secret))]);
  return crypto.subtle.timingSafeEqual(a, b);
}
