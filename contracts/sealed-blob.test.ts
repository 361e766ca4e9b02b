import { describe, expect, it } from 'vitest';
import { newWebhookSecret, openWebhookSecret, SECRET_PREFIX, sealingKey, sealWebhookSecret } from './sealed-blob.ts';

const KEY_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const USER_A = '5f1e2d3c-4b5a-4697-8877-665544332211';
const USER_B = '6a2f3e4d-5c6b-4708-9988-776655443322';

describe('webhook secrets at rest', () => {
  it('makes distinct secrets of 32 random bytes', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    expect(a).toMatch(new RegExp(`^${SECRET_PREFIX}[A-Za-z0-9_-]{43}$`));
    expect(a).not.toBe(b);
  });

  it('seals a secret so only its user’s row, under a configured key, opens it', async () => {
    const key = await sealingKey(KEY_HEX);
    const secret = newWebhookSecret();
    const sealed = await sealWebhookSecret(key, USER_A, secret);
    expect(new TextDecoder().decode(sealed)).not.toContain(secret);
    expect(await openWebhookSecret([key], USER_A, sealed)).toBe(secret);
    await expect(openWebhookSecret([key], USER_B, sealed)).rejects.toThrow('not authentic');
    const flipped = sealed.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    await expect(openWebhookSecret([key], USER_A, flipped)).rejects.toThrow('not authentic');
    const other = await sealingKey(btoa(String.fromCharCode(...new Uint8Array(32).fill(7))));
    await expect(openWebhookSecret([other], USER_A, sealed)).rejects.toThrow('a key that is not configured');
    // After a key rotation both keys are configured, and the old blob still opens.
    expect(await openWebhookSecret([other, key], USER_A, sealed)).toBe(secret);
  });

  it('refuses a key that is not 32 bytes', async () => {
    await expect(sealingKey('abc')).rejects.toThrow('ALERT_SECRET_KEY must be 32 bytes');
    await expect(sealingKey(KEY_HEX.slice(2))).rejects.toThrow('ALERT_SECRET_KEY must be 32 bytes');
  });
});
