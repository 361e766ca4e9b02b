/**
 * The platform's opaque credentials: their shapes, how they are made, and
 * how they are stored. Each is 256 random bits, so a plain SHA-256 digest is
 * enough to store it (a slow KDF guards low-entropy passwords, not these),
 * and a lookup by digest costs one hash (the database finds the row by it:
 * no secret is ever compared in the clear). A prefix names what each one is,
 * so a leaked string is recognisable (and secret scanners can match it).
 */
export const FORMAT = {
  /** An API key's public id (Kite's `api_key`). */
  keyId: /^ak_[0-9a-f]{16}$/,
  /** An API key's secret (Kite's `access_token`). */
  keySecret: /^sk_[A-Za-z0-9_-]{43}$/,
  refreshToken: /^rt_[A-Za-z0-9_-]{43}$/,
  /** A compact JWS: header.payload.signature, base64url. */
  accessToken: /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
} as const;

export const newKeyId = () => `ak_${hex(crypto.getRandomValues(new Uint8Array(8)))}`;
export const newKeySecret = () => `sk_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
export const newRefreshToken = () => `rt_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;

const encoder = new TextEncoder();

/** SHA-256 of a secret, hex: what the database stores and is searched by. */
export async function digest(secret: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(secret))));
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
