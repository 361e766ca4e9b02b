import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Kite access tokens at rest: AES-256-GCM under KITE_TOKEN_KEY, the token's
 * api_key as associated data, so a row copied to another account, a flipped
 * bit or another key all fail loudly instead of yielding garbage.
 *
 * One blob per token:
 *
 *   version (1 byte, 1) | key fingerprint (4) | IV (12) | ciphertext | GCM tag (16)
 *
 * The fingerprint (a hash of the key, not the key) names the key a blob was
 * sealed with: decryption picks the current or a previous key by it, and a
 * blob from an unknown key is reported as such rather than as tampering.
 * The version byte and fingerprint are authenticated too (they are part of
 * the associated data with the api_key).
 */
export const TOKEN_KEY_BYTES = 32;
const VERSION = 1;
const FINGERPRINT_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + FINGERPRINT_BYTES + IV_BYTES;
/** The shortest blob: header, one byte of ciphertext, tag. */
export const MIN_SEALED_BYTES = HEADER_BYTES + 1 + TAG_BYTES;

const KEY_ADVICE = 'generate one with `openssl rand -hex 32`';

/** KITE_TOKEN_KEY is unusable; the message says why without repeating the key. */
export class TokenKeyError extends Error {
  override name = 'TokenKeyError';
}

export type TokenDecryptFailure = 'malformed' | 'unsupported_version' | 'unknown_key' | 'not_authentic';

/** A stored token that cannot be opened; `reason` says which way it failed. */
export class TokenDecryptError extends Error {
  override name = 'TokenDecryptError';
  readonly reason: TokenDecryptFailure;

  constructor(reason: TokenDecryptFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * KITE_TOKEN_KEY's text to its 32 bytes: 64 hex digits, or base64 (standard
 * or URL-safe, padded or not) of 32 bytes. Surrounding whitespace is ignored.
 */
export function parseTokenKey(text: string): Buffer {
  const value = text.trim();
  if (value === '') throw new TokenKeyError(`is empty: it must be 32 random bytes as 64 hex digits or base64; ${KEY_ADVICE}`);
  let key: Buffer;
  // 43 characters is unpadded base64 of 32 bytes, even when every one happens to be a hex digit.
  if (/^[0-9a-fA-F]+$/.test(value) && value.length !== 43) {
    if (value.length !== TOKEN_KEY_BYTES * 2) {
      throw new TokenKeyError(`is ${value.length} hex digits; it must be 64 (32 bytes); ${KEY_ADVICE}`);
    }
    key = Buffer.from(value, 'hex');
  } else if (/^[A-Za-z0-9+/]+={0,2}$/.test(value) || /^[A-Za-z0-9_-]+={0,2}$/.test(value)) {
    key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length !== TOKEN_KEY_BYTES) {
      throw new TokenKeyError(`decodes (as base64) to ${key.length} bytes; it must be 32; ${KEY_ADVICE}`);
    }
  } else {
    throw new TokenKeyError(`must be 64 hex digits or base64 of 32 bytes, and has other characters; ${KEY_ADVICE}`);
  }
  if (key.every((byte) => byte === key[0])) {
    throw new TokenKeyError(`is one byte repeated 32 times, a placeholder rather than a key; ${KEY_ADVICE}`);
  }
  return key;
}

/** The 8 hex digits that name a key in blobs, logs and the runbook (a hash: it reveals nothing of the key). */
export function keyFingerprint(key: Uint8Array): string {
  return createHash('sha256').update('kite-edge token key\0').update(key).digest().subarray(0, FINGERPRINT_BYTES).toString('hex');
}

export class TokenCipher {
  /** Fingerprint of the key new blobs are sealed with. */
  readonly fingerprint: string;
  readonly #keys = new Map<string, Buffer>();

  /**
   * `key` seals and opens; each of `previousKeys` only opens (what rotation
   * needs until every stored token has been sealed again or has expired).
   */
  constructor(key: Uint8Array, previousKeys: readonly Uint8Array[] = []) {
    for (const k of [key, ...previousKeys]) {
      if (k.length !== TOKEN_KEY_BYTES) throw new TokenKeyError(`is ${k.length} bytes; it must be 32`);
      const fingerprint = keyFingerprint(k);
      if (!this.#keys.has(fingerprint)) this.#keys.set(fingerprint, Buffer.from(k));
    }
    this.fingerprint = keyFingerprint(key);
  }

  /** Whether `blob` was sealed with an older key than the current one (so it is worth sealing again). */
  sealedWithPreviousKey(blob: Uint8Array): boolean {
    return blob.length >= HEADER_BYTES && fingerprintOf(blob) !== this.fingerprint;
  }

  encrypt(accessToken: string, apiKey: string): Buffer {
    if (accessToken === '') throw new TypeError('refusing to encrypt an empty access token');
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = VERSION;
    header.write(this.fingerprint, 1, 'hex');
    randomBytes(IV_BYTES).copy(header, 1 + FINGERPRINT_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.fingerprint) as Buffer, header.subarray(1 + FINGERPRINT_BYTES), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(associatedData(header, apiKey));
    const ciphertext = Buffer.concat([cipher.update(accessToken, 'utf8'), cipher.final()]);
    return Buffer.concat([header, ciphertext, cipher.getAuthTag()]);
  }

  /** The access token sealed in `blob` for `apiKey`; throws TokenDecryptError, never returns garbage. */
  decrypt(blob: Uint8Array, apiKey: string): string {
    const sealed = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    if (sealed.length < MIN_SEALED_BYTES) {
      throw new TokenDecryptError('malformed', `the stored token for api_key ${apiKey} is ${sealed.length} bytes, too short to be a sealed token`);
    }
    if (sealed[0] !== VERSION) {
      throw new TokenDecryptError(
        'unsupported_version',
        `the stored token for api_key ${apiKey} has format version ${sealed[0]}; this origin reads version ${VERSION}`,
      );
    }
    const fingerprint = fingerprintOf(sealed);
    const key = this.#keys.get(fingerprint);
    if (!key) {
      throw new TokenDecryptError(
        'unknown_key',
        `the stored token for api_key ${apiKey} was encrypted with another key (fingerprint ${fingerprint}); KITE_TOKEN_KEY is ${this.fingerprint}` +
          `${this.#keys.size > 1 ? ` and KITE_TOKEN_KEY_PREVIOUS holds ${[...this.#keys.keys()].slice(1).join(', ')}` : ''}: set the old key as KITE_TOKEN_KEY_PREVIOUS, or log in again`,
      );
    }
    const header = sealed.subarray(0, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(1 + FINGERPRINT_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(header, apiKey));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenDecryptError(
        'not_authentic',
        `the stored token for api_key ${apiKey} does not authenticate under key ${fingerprint}: it was altered, or sealed for another api_key`,
      );
    }
  }
}

function fingerprintOf(blob: Uint8Array): string {
  return Buffer.from(blob.buffer, blob.byteOffset + 1, FINGERPRINT_BYTES).toString('hex');
}

/** Version, fingerprint and IV, then the api_key: what the tag vouches for besides the token. */
function associatedData(header: Buffer, apiKey: string): Buffer {
  return Buffer.concat([header, Buffer.from(apiKey, 'utf8')]);
}
