/**
 * Users' webhook secrets at rest (webhook_secrets.secret_enc). A secret must
 * be read back to sign each delivery, so it cannot be stored as a digest;
 * it is sealed with AES-256-GCM under the worker secret ALERT_SECRET_KEY,
 * with the user id as associated data, so a database dump alone forges
 * nothing and a blob copied to another user's row does not open.
 *
 *   version (1 byte, 1) | key fingerprint (4) | IV (12) | ciphertext | GCM tag (16)
 *
 * The same layout as the Kite token cipher (origin-ticker/kite/token-cipher.ts),
 * in WebCrypto so the worker can open it. The fingerprint (the first bytes
 * of SHA-256 of the key) names the key a blob was sealed with, so a key
 * rotation can open old blobs with the previous key.
 */
const VERSION = 1;
const FINGERPRINT_BYTES = 4;
const IV_BYTES = 12;
const HEADER_BYTES = 1 + FINGERPRINT_BYTES + IV_BYTES;
const SECRET_BYTES = 32;
export const SECRET_PREFIX = 'whsec_';

/** WebCrypto's key type, named so in Node's and the Workers' type libraries alike. */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
export type SealingKey = { key: CryptoKey; fingerprint: Uint8Array };

const encoder = new TextEncoder();

/** A new secret to show the user once: `whsec_` and 32 random bytes, base64url. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** ALERT_SECRET_KEY's text (64 hex digits, or base64/base64url of 32 bytes) as a sealing key. */
export async function sealingKey(text: string): Promise<SealingKey> {
  const bytes = keyBytes(text.trim());
  if (!bytes) throw new TypeError('ALERT_SECRET_KEY must be 32 bytes as 64 hex digits or base64; generate one with `openssl rand -hex 32`');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const key = await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { key, fingerprint: digest.slice(0, FINGERPRINT_BYTES) };
}

export async function sealWebhookSecret(sealing: SealingKey, userId: string, secret: string): Promise<Uint8Array> {
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = VERSION;
  header.set(sealing.fingerprint, 1);
  header.set(crypto.getRandomValues(new Uint8Array(IV_BYTES)), 1 + FINGERPRINT_BYTES);
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: header.subarray(1 + FINGERPRINT_BYTES), additionalData: associatedData(header, userId) },
    sealing.key,
    encoder.encode(secret),
  );
  const out = new Uint8Array(HEADER_BYTES + sealed.byteLength);
  out.set(header);
  out.set(new Uint8Array(sealed), HEADER_BYTES);
  return out;
}

/** Opens a sealed secret with whichever of `keys` sealed it; throws saying why it cannot. */
export async function openWebhookSecret(keys: readonly SealingKey[], userId: string, blob: Uint8Array): Promise<string> {
  if (blob.byteLength < HEADER_BYTES + 1 + 16) throw new Error('sealed webhook secret is malformed (too short)');
  if (blob[0] !== VERSION) throw new Error(`sealed webhook secret has unsupported version ${blob[0]}`);
  const fingerprint = blob.subarray(1, 1 + FINGERPRINT_BYTES);
  const sealing = keys.find((k) => k.fingerprint.every((byte, i) => byte === fingerprint[i]));
  if (!sealing) throw new Error('sealed webhook secret was sealed with a key that is not configured');
  const header = blob.subarray(0, HEADER_BYTES);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: header.subarray(1 + FINGERPRINT_BYTES), additionalData: associatedData(header, userId) },
      sealing.key,
      blob.subarray(HEADER_BYTES),
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw new Error('sealed webhook secret is not authentic (altered, or another user’s)');
  }
}

/** The header (version, fingerprint, IV) and the user id: all bound to the ciphertext. */
function associatedData(header: Uint8Array, userId: string): Uint8Array {
  const user = encoder.encode(userId);
  const out = new Uint8Array(header.byteLength + user.byteLength);
  out.set(header);
  out.set(user, header.byteLength);
  return out;
}

function keyBytes(text: string): Uint8Array | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
    return binary.length === 32 ? Uint8Array.from(binary, (c) => c.charCodeAt(0)) : undefined;
  } catch {
    return undefined;
  }
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
