import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorResponse } from './errors.ts';

/**
 * The largest request body each area reads: a body past it is refused with
 * 413 before any of it is parsed (a 120 MB body to /auth/register was read
 * and parsed whole). The operators' demand routes take up to 20,000 tokens
 * of one group (about 400 KB of JSON); everything else is a small form.
 */
export const DEFAULT_BODY_BYTES = 64 * 1024;
export const BODY_LIMITS: readonly (readonly [pathPrefix: string, bytes: number])[] = [['/internal/', 1024 * 1024]];

export function bodyLimitFor(path: string): number {
  return BODY_LIMITS.find(([prefix]) => path.startsWith(prefix))?.[1] ?? DEFAULT_BODY_BYTES;
}

const caps = new Map<number, MiddlewareHandler>();

export const bodyCap: MiddlewareHandler = (c, next) => {
  const bytes = bodyLimitFor(c.req.path);
  let cap = caps.get(bytes);
  if (!cap) {
    cap = bodyLimit({ maxSize: bytes, onError: (context: Context) => tooLarge(context, bytes) });
    caps.set(bytes, cap);
  }
  return cap(c, next);
};

function tooLarge(c: Context, bytes: number): Response {
  return errorResponse(c, 413, 'payload_too_large', `the request body is over ${bytes} bytes, the most ${c.req.path} takes`);
}
