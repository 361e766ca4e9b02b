/**
 * Secrets at rest that must be read back, sealed with AES-256-GCM in
 * WebCrypto, so the origin (Node) and the worker (workerd) share one
 * implementation. Two uses, each with its own key and associated data:
 *
 *   - Kite access tokens (`kite_sessions.access_token_enc`) under the
 *     origin's KITE_TOKEN_KEY, bound to the token's api_key;
 *   - users' webhook secrets (`webhook_secrets.secret_enc`) under the
 *     worker's ALERT_SECRET_KEY, bound to the user id.
 *
 * A row copied to another account or user, a flipped bit or another key
 * all fail loudly, each with its reason, instead of yielding garbage.
 * One blob per secret:
 *
 *   version (1 byte, 1) | key fingerprint (4) | IV (12) | ciphertext | GCM tag (16)
 *
 * The fingerprint (the first 4 bytes of SHA-256 of the use's label and the
 * key: a hash, not the key) names the key a blob was sealed with, so a key
 * rotation opens old blobs with a previous key, and a blob of an unknown key
 * is reported as such rather than as tampering. The version byte,
 * fingerprint and IV are authenticated too: they are part of the associated
 * data, with the api_key or user id.
 */
export const SEALING_KEY_BYTES = 32;
const VERSION = 1;
const FINGERPRINT_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + FINGERPRINT_BYTES + IV_BYTES;
/** The shortest blob: header, one byte of ciphertext, tag. */
export const MIN_SEALED_BYTES = HEADER_BYTES + 1 + TAG_BYTES;

/** What a sealed blob holds and for whom, for its key's fingerprint and its error messages. */
export type SealedBlobUse = {
  /** Hashed before the key into its fingerprint ('' for none); a blob's fingerprint cannot change, so neither can this. */
  label: string;
  /** The blob in a message, given its associated data: "the stored token for api_key kitesim". */
  subject: (associated: string) => string;
  /** What is sealed: "access token". */
  plaintext: string;
  /** What the associated data names: a blob sealed for another one does not open. */
  boundTo: string;
  /** The variables holding the sealing key and the previous keys. */
  keyVariable: string;
  previousKeyVariable: string;
  /** What else to do about a blob of a key no longer configured. */
  renew: string;
};

/** Kite access tokens at rest, bound to their api_key (origin-ticker/kite/token-store.ts). */
export const KITE_TOKEN_SEALING: SealedBlobUse = {
  label: 'kite-edge token key\0',
  subject: (apiKey) => `the stored token for api_key ${apiKey}`,
  plaintext: 'access token',
  boundTo: 'api_key',
  keyVariable: 'KITE_TOKEN_KEY',
  previousKeyVariable: 'KITE_TOKEN_KEY_PREVIOUS',
  renew: 'log in again',
};

/** Users' webhook secrets at rest, bound to the user id (storage/alerts/webhook-secrets.ts). */
export const WEBHOOK_SECRET_SEALING: SealedBlobUse = {
  label: '',
  subject: (userId) => `the sealed webhook secret of user ${userId}`,
  plaintext: 'webhook secret',
  boundTo: 'user',
  keyVariable: 'ALERT_SECRET_KEY',
  previousKeyVariable: 'ALERT_SECRET_KEY_PREVIOUS',
  renew: 'issue a new secret (POST /alerts/webhook-secret)',
};

const KEY_ADVICE = 'generate one with `openssl rand -hex 32`';

/** A key's text is unusable; the message says why without repeating the key, and is meant to follow the variable's name. */
export class SealingKeyError extends Error {
  override name = 'SealingKeyError';
}

export type SealedBlobFailure = 'malformed' | 'unsupported_version' | 'unknown_key' | 'not_authentic';

/** A blob that cannot be opened; `reason` says which way it failed. */
export class SealedBlobError extends Error {
  override name = 'SealedBlobError';
  readonly reason: SealedBlobFailure;

  constructor(reason: SealedBlobFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * A key's text to its 32 bytes: 64 hex digits, or base64 (standard or
 * URL-safe, padded or not) of 32 bytes. Surrounding whitespace is ignored;
 * one byte repeated (a placeholder such as 64 zeros) is refused.
 */
export function parseSealingKey(text: string): Uint8Array {
  const value = text.trim();
  if (value === '') throw new SealingKeyError(`is empty: it must be 32 random bytes as 64 hex digits or base64; ${KEY_ADVICE}`);
  let key: Uint8Array;
  // 43 characters is unpadded base64 of 32 bytes, even when every one happens to be a hex digit.
  if (/^[0-9a-fA-F]+$/.test(value) && value.length !== 43) {
    if (value.length !== SEALING_KEY_BYTES * 2) {
      throw new SealingKeyError(`is ${value.length} hex digits; it must be 64 (32 bytes); ${KEY_ADVICE}`);
    }
    key = fromHex(value);
  } else if (/^[A-Za-z0-9+/]+={0,2}$/.test(value) || /^[A-Za-z0-9_-]+={0,2}$/.test(value)) {
    key = fromBase64(value);
    if (key.length !== SEALING_KEY_BYTES) {
      throw new SealingKeyError(`decodes (as base64) to ${key.length} bytes; it must be 32; ${KEY_ADVICE}`);
    }
  } else {
    throw new SealingKeyError(`must be 64 hex digits or base64 of 32 bytes, and has other characters; ${KEY_ADVICE}`);
  }
  if (key.every((byte) => byte === key[0])) {
    throw new SealingKeyError(`is one byte repeated 32 times, a placeholder rather than a key; ${KEY_ADVICE}`);
  }
  return key;
}

/** The 8 hex digits that name a key in blobs, logs and the runbook (a hash: it reveals nothing of the key). */
export async function keyFingerprint(use: SealedBlobUse, key: Uint8Array): Promise<string> {
  const label = new TextEncoder().encode(use.label);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', concat(label, key)));
  return toHex(digest.subarray(0, FINGERPRINT_BYTES));
}

/** WebCrypto's key type, named so in Node's and the Workers' type libraries alike. */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** Seals with one key and opens with it or any previous one; made by `Sealer.create`. */
export class Sealer {
  /** Fingerprint of the key new blobs are sealed with. */
  readonly fingerprint: string;
  readonly #use: SealedBlobUse;
  /** By fingerprint, the sealing key first. */
  readonly #keys: Map<string, CryptoKey>;

  private constructor(use: SealedBlobUse, keys: Map<string, CryptoKey>, fingerprint: string) {
    this.#use = use;
    this.#keys = keys;
    this.fingerprint = fingerprint;
  }

  /**
   * `key` seals and opens; each of `previousKeys` only opens (what rotation
   * needs until every stored blob has been sealed again or has gone).
   */
  static async create(use: SealedBlobUse, key: Uint8Array, previousKeys: readonly Uint8Array[] = []): Promise<Sealer> {
    const keys = new Map<string, CryptoKey>();
    for (const k of [key, ...previousKeys]) {
      if (k.length !== SEALING_KEY_BYTES) throw new SealingKeyError(`is ${k.length} bytes; it must be 32`);
    }
    for (const k of [key, ...previousKeys]) {
      const fingerprint = await keyFingerprint(use, k);
      if (!keys.has(fingerprint)) keys.set(fingerprint, await crypto.subtle.importKey('raw', k.slice(), 'AES-GCM', false, ['encrypt', 'decrypt']));
    }
    return new Sealer(use, keys, await keyFingerprint(use, key));
  }

  /** Whether `blob` was sealed with another key than the current one (so it is worth sealing again). */
  sealedWithPreviousKey(blob: Uint8Array): boolean {
    return blob.length >= HEADER_BYTES && fingerprintOf(blob) !== this.fingerprint;
  }

  /** `plaintext` sealed under the current key, bound to `associated` (the api_key, the user id). */
  async seal(plaintext: string, associated: string): Promise<Uint8Array> {
    if (plaintext === '') throw new TypeError(`refusing to seal an empty ${this.#use.plaintext}`);
    const header = new Uint8Array(HEADER_BYTES);
    header[0] = VERSION;
    header.set(fromHex(this.fingerprint), 1);
    header.set(crypto.getRandomValues(new Uint8Array(IV_BYTES)), 1 + FINGERPRINT_BYTES);
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: header.subarray(1 + FINGERPRINT_BYTES), additionalData: associatedData(header, associated), tagLength: TAG_BYTES * 8 },
      this.#keys.get(this.fingerprint) as CryptoKey,
      new TextEncoder().encode(plaintext),
    );
    return concat(header, new Uint8Array(sealed));
  }

  /** What `blob` holds, if it was sealed for `associated` under a known key; throws SealedBlobError, never returns garbage. */
  async open(blob: Uint8Array, associated: string): Promise<string> {
    const use = this.#use;
    const subject = use.subject(associated);
    if (blob.length < MIN_SEALED_BYTES) {
      throw new SealedBlobError('malformed', `${subject} is ${blob.length} bytes, too short to be a sealed ${use.plaintext}`);
    }
    if (blob[0] !== VERSION) {
      throw new SealedBlobError('unsupported_version', `${subject} has format version ${blob[0]}; this program reads version ${VERSION}`);
    }
    const fingerprint = fingerprintOf(blob);
    const key = this.#keys.get(fingerprint);
    if (!key) {
      const previous = [...this.#keys.keys()].slice(1);
      throw new SealedBlobError(
        'unknown_key',
        `${subject} was encrypted with another key (fingerprint ${fingerprint}); ${use.keyVariable} is ${this.fingerprint}` +
          `${previous.length > 0 ? ` and ${use.previousKeyVariable} holds ${previous.join(', ')}` : ''}: set the old key as ${use.previousKeyVariable}, or ${use.renew}`,
      );
    }
    const header = blob.subarray(0, HEADER_BYTES);
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: header.subarray(1 + FINGERPRINT_BYTES), additionalData: associatedData(header, associated), tagLength: TAG_BYTES * 8 },
        key,
        blob.subarray(HEADER_BYTES),
      );
      return new TextDecoder().decode(plain);
    } catch {
      throw new SealedBlobError(
        'not_authentic',
        `${subject} does not authenticate under key ${fingerprint}: it was altered, or sealed for another ${use.boundTo}`,
      );
    }
  }
}

// ---- webhook secrets ----

const SECRET_BYTES = 32;
export const SECRET_PREFIX = 'whsec_';

/** A new webhook secret to show the user once: `whsec_` and 32 random bytes, base64url. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

// ---- bytes ----

function fingerprintOf(blob: Uint8Array): string {
  return toHex(blob.subarray(1, 1 + FINGERPRINT_BYTES));
}

/** The header (version, fingerprint, IV), then the api_key or user id: what the tag vouches for besides the secret. */
function associatedData(header: Uint8Array, associated: string): Uint8Array {
  return concat(header, new TextEncoder().encode(associated));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

/** Standard or URL-safe base64, padded or not; a dangling character (a length no bytes make) is dropped, as Node's decoder does. */
function fromBase64(text: string): Uint8Array {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const whole = standard.length % 4 === 1 ? standard.slice(0, -1) : standard;
  return Uint8Array.from(atob(whole), (c) => c.charCodeAt(0));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
