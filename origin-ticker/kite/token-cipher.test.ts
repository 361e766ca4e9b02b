import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFingerprint, MIN_SEALED_BYTES, parseTokenKey, TokenCipher, TokenDecryptError, TokenKeyError } from './token-cipher.ts';

const KEY = Buffer.from('8f3a1c5e7b9d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c2e4b6d8f0a2c4e6b8d0f1a', 'hex');
const OTHER_KEY = Buffer.from('1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a', 'hex');
const TOKEN = 'Zx81kq0VbQ3mT5rPp2LwYc7dHn4sEa9u';
const API_KEY = 'kitesim';

function failure(run: () => unknown): TokenDecryptError {
  try {
    run();
  } catch (error) {
    if (error instanceof TokenDecryptError) return error;
    throw error;
  }
  throw new Error('expected a TokenDecryptError, and decryption succeeded');
}

function keyError(text: string): string {
  try {
    parseTokenKey(text);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenKeyError);
    return (error as Error).message;
  }
  throw new Error(`parseTokenKey accepted ${text}`);
}

describe('parseTokenKey', () => {
  it('takes 64 hex digits, or base64 (standard, URL-safe, padded or not) of 32 bytes', () => {
    expect(parseTokenKey(KEY.toString('hex'))).toEqual(KEY);
    expect(parseTokenKey(KEY.toString('hex').toUpperCase())).toEqual(KEY);
    expect(parseTokenKey(`  ${KEY.toString('base64')}\n`)).toEqual(KEY);
    expect(parseTokenKey(KEY.toString('base64url'))).toEqual(KEY);
    expect(parseTokenKey(KEY.toString('base64').replace(/=+$/, ''))).toEqual(KEY);
    for (let i = 0; i < 50; i++) {
      const key = randomBytes(32);
      expect(parseTokenKey(key.toString(i % 2 ? 'hex' : 'base64'))).toEqual(key);
    }
  });

  it('refuses what is not a 32-byte key, saying why and how to make one, without repeating the key', () => {
    expect(keyError('')).toMatch(/is empty.*openssl rand -hex 32/);
    const short = KEY.toString('hex').slice(0, 62);
    const shortMessage = keyError(short);
    expect(shortMessage).toMatch(/is 62 hex digits; it must be 64/);
    expect(shortMessage).not.toContain(short);
    expect(keyError(randomBytes(16).toString('base64'))).toMatch(/decodes \(as base64\) to 16 bytes; it must be 32/);
    expect(keyError(randomBytes(48).toString('base64'))).toMatch(/to 48 bytes/);
    expect(keyError('correct horse battery staple, but a passphrase')).toMatch(/must be 64 hex digits or base64 of 32 bytes/);
    expect(keyError('0'.repeat(64))).toMatch(/placeholder/);
    expect(keyError(Buffer.alloc(32, 7).toString('base64'))).toMatch(/placeholder/);
  });
});

describe('TokenCipher', () => {
  const cipher = new TokenCipher(KEY);

  it('round-trips a token, with a fresh IV each time and no plain text in the blob', () => {
    const a = cipher.encrypt(TOKEN, API_KEY);
    const b = cipher.encrypt(TOKEN, API_KEY);
    expect(cipher.decrypt(a, API_KEY)).toBe(TOKEN);
    expect(cipher.decrypt(b, API_KEY)).toBe(TOKEN);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from(TOKEN))).toBe(false);
    expect(a.toString('latin1')).not.toContain(TOKEN.slice(0, 8));
    expect(a.length).toBe(1 + 4 + 12 + TOKEN.length + 16);
    expect(a[0]).toBe(1);
    expect(a.subarray(1, 5).toString('hex')).toBe(keyFingerprint(KEY));
    expect(cipher.fingerprint).toBe(keyFingerprint(KEY));
    expect(cipher.fingerprint).not.toBe(keyFingerprint(OTHER_KEY));
  });

  it('opens a blob given as a view into a larger buffer (as drivers hand bytea back)', () => {
    const blob = cipher.encrypt(TOKEN, API_KEY);
    const backing = Buffer.concat([Buffer.from('prefix'), blob, Buffer.from('suffix')]);
    expect(cipher.decrypt(new Uint8Array(backing.buffer, backing.byteOffset + 6, blob.length), API_KEY)).toBe(TOKEN);
  });

  it('refuses a blob sealed for another api_key (a row copied to another account)', () => {
    const blob = cipher.encrypt(TOKEN, API_KEY);
    const error = failure(() => cipher.decrypt(blob, 'kitesim2'));
    expect(error.reason).toBe('not_authentic');
    expect(error.message).toMatch(/api_key kitesim2 does not authenticate.*sealed for another api_key/);
  });

  it('says a wrong key is a wrong key, naming both fingerprints, and never returns garbage', () => {
    const blob = new TokenCipher(OTHER_KEY).encrypt(TOKEN, API_KEY);
    const error = failure(() => cipher.decrypt(blob, API_KEY));
    expect(error.reason).toBe('unknown_key');
    expect(error.message).toContain(`another key (fingerprint ${keyFingerprint(OTHER_KEY)}); KITE_TOKEN_KEY is ${keyFingerprint(KEY)}`);
    expect(error.message).not.toContain(KEY.toString('hex'));
  });

  it('refuses every altered byte: version, fingerprint, IV, ciphertext and tag', () => {
    const blob = cipher.encrypt(TOKEN, API_KEY);
    const reasons = new Map<string, string>();
    for (let i = 0; i < blob.length; i++) {
      const altered = Buffer.from(blob);
      altered[i] = (altered[i] as number) ^ 0x01;
      const error = failure(() => cipher.decrypt(altered, API_KEY));
      const region = i === 0 ? 'version' : i < 5 ? 'fingerprint' : i < 17 ? 'iv' : i < blob.length - 16 ? 'ciphertext' : 'tag';
      reasons.set(region, error.reason);
    }
    expect(Object.fromEntries(reasons)).toEqual({
      version: 'unsupported_version',
      fingerprint: 'unknown_key',
      iv: 'not_authentic',
      ciphertext: 'not_authentic',
      tag: 'not_authentic',
    });
  });

  it('refuses a blob re-labelled with the current key’s fingerprint', () => {
    const foreign = new TokenCipher(OTHER_KEY).encrypt(TOKEN, API_KEY);
    Buffer.from(cipher.fingerprint, 'hex').copy(foreign, 1);
    expect(failure(() => cipher.decrypt(foreign, API_KEY)).reason).toBe('not_authentic');
  });

  it('refuses truncated and empty blobs as malformed', () => {
    const blob = cipher.encrypt(TOKEN, API_KEY);
    expect(failure(() => cipher.decrypt(blob.subarray(0, MIN_SEALED_BYTES - 1), API_KEY)).reason).toBe('malformed');
    expect(failure(() => cipher.decrypt(Buffer.alloc(0), API_KEY)).reason).toBe('malformed');
    expect(failure(() => cipher.decrypt(blob.subarray(0, blob.length - 1), API_KEY)).reason).toBe('not_authentic');
  });

  it('opens blobs of a previous key during rotation, and seals with the current one', () => {
    const old = new TokenCipher(OTHER_KEY).encrypt(TOKEN, API_KEY);
    const rotated = new TokenCipher(KEY, [OTHER_KEY]);
    expect(rotated.decrypt(old, API_KEY)).toBe(TOKEN);
    expect(rotated.sealedWithPreviousKey(old)).toBe(true);
    const fresh = rotated.encrypt(TOKEN, API_KEY);
    expect(rotated.sealedWithPreviousKey(fresh)).toBe(false);
    expect(cipher.decrypt(fresh, API_KEY)).toBe(TOKEN);
    expect(failure(() => new TokenCipher(randomBytes(32), [randomBytes(32)]).decrypt(old, API_KEY)).message).toMatch(/KITE_TOKEN_KEY_PREVIOUS holds/);
  });

  it('refuses keys of the wrong size and empty tokens', () => {
    expect(() => new TokenCipher(randomBytes(16))).toThrow(TokenKeyError);
    expect(() => new TokenCipher(KEY, [randomBytes(31)])).toThrow(/31 bytes/);
    expect(() => cipher.encrypt('', API_KEY)).toThrow(/empty access token/);
  });
});
