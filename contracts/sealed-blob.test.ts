import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  KITE_TOKEN_SEALING,
  keyFingerprint,
  MIN_SEALED_BYTES,
  newWebhookSecret,
  parseSealingKey,
  SECRET_PREFIX,
  SealedBlobError,
  Sealer,
  SealingKeyError,
  WEBHOOK_SECRET_SEALING,
} from './sealed-blob.ts';

const KEY = Buffer.from('8f3a1c5e7b9d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c2e4b6d8f0a2c4e6b8d0f1a', 'hex');
const OTHER_KEY = Buffer.from('1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a', 'hex');
const TOKEN = 'Zx81kq0VbQ3mT5rPp2LwYc7dHn4sEa9u';
const API_KEY = 'kitesim';

const KEY_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const USER_A = '5f1e2d3c-4b5a-4697-8877-665544332211';
const USER_B = '6a2f3e4d-5c6b-4708-9988-776655443322';

const tokenSealer = (key: Uint8Array, previous: Uint8Array[] = []) => Sealer.create(KITE_TOKEN_SEALING, key, previous);
const tokenFingerprint = (key: Uint8Array) => keyFingerprint(KITE_TOKEN_SEALING, key);

async function failure(run: () => Promise<unknown>): Promise<SealedBlobError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof SealedBlobError) return error;
    throw error;
  }
  throw new Error('expected a SealedBlobError, and opening succeeded');
}

function keyError(text: string): string {
  try {
    parseSealingKey(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SealingKeyError);
    return (error as Error).message;
  }
  throw new Error(`parseSealingKey accepted ${text}`);
}

describe('parseSealingKey', () => {
  it('takes 64 hex digits, or base64 (standard, URL-safe, padded or not) of 32 bytes', () => {
    expect(parseSealingKey(KEY.toString('hex'))).toEqual(new Uint8Array(KEY));
    expect(parseSealingKey(KEY.toString('hex').toUpperCase())).toEqual(new Uint8Array(KEY));
    expect(parseSealingKey(`  ${KEY.toString('base64')}\n`)).toEqual(new Uint8Array(KEY));
    expect(parseSealingKey(KEY.toString('base64url'))).toEqual(new Uint8Array(KEY));
    expect(parseSealingKey(KEY.toString('base64').replace(/=+$/, ''))).toEqual(new Uint8Array(KEY));
    for (let i = 0; i < 50; i++) {
      const key = randomBytes(32);
      expect(parseSealingKey(key.toString(i % 2 ? 'hex' : 'base64'))).toEqual(new Uint8Array(key));
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
    // The webhook key's old checks: too short as hex, either way.
    expect(keyError('abc')).toMatch(/is 3 hex digits; it must be 64/);
    expect(keyError(KEY_HEX.slice(2))).toMatch(/is 62 hex digits; it must be 64/);
  });
});

describe('key fingerprints', () => {
  it('are per use: the Kite token label keeps the old token fingerprints, webhook secrets have none', async () => {
    // Computed by the implementations this one replaced (node:crypto for tokens, WebCrypto for webhook secrets).
    expect(await tokenFingerprint(KEY)).toBe('153cd985');
    expect(await keyFingerprint(WEBHOOK_SECRET_SEALING, parseSealingKey(KEY_HEX))).toBe('4773d12e');
    expect(await tokenFingerprint(KEY)).not.toBe(await keyFingerprint(WEBHOOK_SECRET_SEALING, KEY));
  });
});

describe('Sealer, Kite tokens', () => {
  let cipher: Sealer;
  beforeAll(async () => {
    cipher = await tokenSealer(KEY);
  });

  it('round-trips a token, with a fresh IV each time and no plain text in the blob', async () => {
    const a = Buffer.from(await cipher.seal(TOKEN, API_KEY));
    const b = Buffer.from(await cipher.seal(TOKEN, API_KEY));
    expect(await cipher.open(a, API_KEY)).toBe(TOKEN);
    expect(await cipher.open(b, API_KEY)).toBe(TOKEN);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from(TOKEN))).toBe(false);
    expect(a.toString('latin1')).not.toContain(TOKEN.slice(0, 8));
    expect(a.length).toBe(1 + 4 + 12 + TOKEN.length + 16);
    expect(a[0]).toBe(1);
    expect(a.subarray(1, 5).toString('hex')).toBe(await tokenFingerprint(KEY));
    expect(cipher.fingerprint).toBe(await tokenFingerprint(KEY));
    expect(cipher.fingerprint).not.toBe(await tokenFingerprint(OTHER_KEY));
  });

  it('opens a token sealed by the node:crypto implementation it replaced', async () => {
    // The deleted origin-ticker/kite/token-cipher.ts's encrypt(TOKEN, 'kitesim') under KEY, with the IV 00 01 … 0b.
    const old = Buffer.from(
      '01153cd985000102030405060708090a0b05cfb4ad1850f45b2b6f6f9948d083fc1cfb6e9fd1ce35a989a98e8686befa6590d1d829b0d5cafbbd3ac0e3b11b4d9a',
      'hex',
    );
    expect(await cipher.open(old, API_KEY)).toBe(TOKEN);
    expect(cipher.sealedWithPreviousKey(old)).toBe(false);
    expect((await failure(() => cipher.open(old, 'kitesim2'))).reason).toBe('not_authentic');
  });

  it('opens a blob given as a view into a larger buffer (as drivers hand bytea back)', async () => {
    const blob = await cipher.seal(TOKEN, API_KEY);
    const backing = Buffer.concat([Buffer.from('prefix'), blob, Buffer.from('suffix')]);
    expect(await cipher.open(new Uint8Array(backing.buffer, backing.byteOffset + 6, blob.length), API_KEY)).toBe(TOKEN);
  });

  it('refuses a blob sealed for another api_key (a row copied to another account)', async () => {
    const blob = await cipher.seal(TOKEN, API_KEY);
    const error = await failure(() => cipher.open(blob, 'kitesim2'));
    expect(error.reason).toBe('not_authentic');
    expect(error.message).toMatch(/api_key kitesim2 does not authenticate.*sealed for another api_key/);
  });

  it('says a wrong key is a wrong key, naming both fingerprints, and never returns garbage', async () => {
    const blob = await (await tokenSealer(OTHER_KEY)).seal(TOKEN, API_KEY);
    const error = await failure(() => cipher.open(blob, API_KEY));
    expect(error.reason).toBe('unknown_key');
    expect(error.message).toContain(`another key (fingerprint ${await tokenFingerprint(OTHER_KEY)}); KITE_TOKEN_KEY is ${await tokenFingerprint(KEY)}`);
    expect(error.message).not.toContain(KEY.toString('hex'));
  });

  it('refuses every altered byte: version, fingerprint, IV, ciphertext and tag', async () => {
    const blob = await cipher.seal(TOKEN, API_KEY);
    const reasons = new Map<string, string>();
    for (let i = 0; i < blob.length; i++) {
      const altered = Buffer.from(blob);
      altered[i] = (altered[i] as number) ^ 0x01;
      const error = await failure(() => cipher.open(altered, API_KEY));
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

  it('refuses a blob re-labelled with the current key’s fingerprint', async () => {
    const foreign = Buffer.from(await (await tokenSealer(OTHER_KEY)).seal(TOKEN, API_KEY));
    Buffer.from(cipher.fingerprint, 'hex').copy(foreign, 1);
    expect((await failure(() => cipher.open(foreign, API_KEY))).reason).toBe('not_authentic');
  });

  it('refuses truncated and empty blobs as malformed', async () => {
    const blob = await cipher.seal(TOKEN, API_KEY);
    expect((await failure(() => cipher.open(blob.subarray(0, MIN_SEALED_BYTES - 1), API_KEY))).reason).toBe('malformed');
    expect((await failure(() => cipher.open(Buffer.alloc(0), API_KEY))).reason).toBe('malformed');
    expect((await failure(() => cipher.open(blob.subarray(0, blob.length - 1), API_KEY))).reason).toBe('not_authentic');
  });

  it('opens blobs of a previous key during rotation, and seals with the current one', async () => {
    const old = await (await tokenSealer(OTHER_KEY)).seal(TOKEN, API_KEY);
    const rotated = await tokenSealer(KEY, [OTHER_KEY]);
    expect(await rotated.open(old, API_KEY)).toBe(TOKEN);
    expect(rotated.sealedWithPreviousKey(old)).toBe(true);
    const fresh = await rotated.seal(TOKEN, API_KEY);
    expect(rotated.sealedWithPreviousKey(fresh)).toBe(false);
    expect(await cipher.open(fresh, API_KEY)).toBe(TOKEN);
    const stranger = await tokenSealer(randomBytes(32), [randomBytes(32)]);
    expect((await failure(() => stranger.open(old, API_KEY))).message).toMatch(/KITE_TOKEN_KEY_PREVIOUS holds/);
  });

  it('refuses keys of the wrong size and empty tokens', async () => {
    await expect(tokenSealer(randomBytes(16))).rejects.toThrow(SealingKeyError);
    await expect(tokenSealer(KEY, [randomBytes(31)])).rejects.toThrow(/31 bytes/);
    await expect(cipher.seal('', API_KEY)).rejects.toThrow(/empty access token/);
  });
});

describe('Sealer, webhook secrets', () => {
  const webhookSealer = async (text: string, previous: string[] = []) =>
    Sealer.create(WEBHOOK_SECRET_SEALING, parseSealingKey(text), previous.map(parseSealingKey));

  it('makes distinct secrets of 32 random bytes', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    expect(a).toMatch(new RegExp(`^${SECRET_PREFIX}[A-Za-z0-9_-]{43}$`));
    expect(a).not.toBe(b);
  });

  it('seals a secret so only its user’s row, under a configured key, opens it', async () => {
    const key = await webhookSealer(KEY_HEX);
    const secret = newWebhookSecret();
    const sealed = await key.seal(secret, USER_A);
    expect(new TextDecoder().decode(sealed)).not.toContain(secret);
    expect(await key.open(sealed, USER_A)).toBe(secret);
    await expect(key.open(sealed, USER_B)).rejects.toMatchObject({ reason: 'not_authentic', message: expect.stringContaining('sealed for another user') });
    const flipped = sealed.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    await expect(key.open(flipped, USER_A)).rejects.toMatchObject({ reason: 'not_authentic' });
    const otherText = OTHER_KEY.toString('base64');
    const other = await webhookSealer(otherText);
    await expect(other.open(sealed, USER_A)).rejects.toMatchObject({
      reason: 'unknown_key',
      message: expect.stringContaining('set the old key as ALERT_SECRET_KEY_PREVIOUS'),
    });
    // After a key rotation both keys are configured, and the old blob still opens.
    expect(await (await webhookSealer(otherText, [KEY_HEX])).open(sealed, USER_A)).toBe(secret);
  });

  it('opens a secret sealed by the implementation it replaced', async () => {
    // The former sealWebhookSecret(sealingKey(KEY_HEX), USER_A, …), with the IV 10 11 … 1b.
    const old = Buffer.from(
      '014773d12e101112131415161718191a1bd50115d60dfe63844d338ecdb8fbfc7a6317b980eefdbc1790389265cbca2c2d5a587cc38579fce7afd731b6041afd02195ae8004a4b60',
      'hex',
    );
    expect(await (await webhookSealer(KEY_HEX)).open(old, USER_A)).toBe('whsec_fixture-secret-for-the-old-sealer');
  });
});
