import { base64url, fromBase64url } from './secrets.ts';

/**
 * Password hashing with PBKDF2-HMAC-SHA256 through WebCrypto, the slow
 * salted KDF the Workers runtime offers. The stored string carries its own
 * parameters (`pbkdf2-sha256$<iterations>$<salt>$<hash>`), so raising them
 * later needs no migration: a login with an older string re-hashes it.
 * 100,000 iterations is the most workerd's PBKDF2 accepts.
 */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const encoder = new TextEncoder();

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${base64url(salt)}$${base64url(hash)}`;
}

/**
 * Whether `password` matches `stored`, in time that does not depend on where
 * they differ. With `stored` undefined (no such user) it does the same work
 * against a stand-in and answers false, so the answer takes as long as a
 * wrong password does.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const own = stored === undefined ? undefined : parse(stored);
  const params = own ?? STAND_IN;
  const derived = await derive(password, params.salt, params.iterations);
  const same = derived.length === params.hash.length && crypto.subtle.timingSafeEqual(derived, params.hash);
  return own !== undefined && same;
}

/** Whether a stored string was made with weaker parameters than today's. */
export function isOutdated(stored: string): boolean {
  return (parse(stored)?.iterations ?? 0) < PBKDF2_ITERATIONS;
}

function parse(stored: string): { iterations: number; salt: Uint8Array; hash: Uint8Array } | undefined {
  const [scheme, iterations, salt, hash] = stored.split('$');
  if (scheme !== 'pbkdf2-sha256' || !iterations || !salt || !hash || !/^\d+$/.test(iterations)) return undefined;
  return { iterations: Number(iterations), salt: fromBase64url(salt), hash: fromBase64url(hash) };
}

// Today's parameters, for a password nobody has.
const STAND_IN = { iterations: PBKDF2_ITERATIONS, salt: new Uint8Array(SALT_BYTES), hash: new Uint8Array(HASH_BITS / 8) };

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, HASH_BITS));
}
