import { describe, expect, it } from 'vitest';
import { endedReason, lostKeyOf, openedWith } from './ended-credential.ts';
import type { Attachment } from './session.ts';

const session = (keyId: string | null, epoch: number | null): Attachment => ({
  id: 's',
  userId: 'u',
  keyId,
  epoch,
  expiresAt: null,
  protocol: 'v2',
  format: 'json',
  connectedAt: 0,
});

describe('ended credentials', () => {
  it('end the sessions of a revoked API key only', () => {
    const ended = openedWith({ keyId: 'k1' });
    expect([session('k1', null), session('k2', null), session(null, 3)].map(ended)).toEqual([true, false, false]);
    expect(lostKeyOf({ keyId: 'k1' })).toBe('k1');
    expect(endedReason({ keyId: 'k1' })).toBe('API key k1 was revoked');
  });

  it("end the sessions of a user's access tokens of an epoch before the new one, never its API keys'", () => {
    const ended = openedWith({ epochFrom: 5 });
    expect([session(null, 4), session(null, 5), session(null, null), session('k1', 1)].map(ended)).toEqual([true, false, true, false]);
    expect(lostKeyOf({ epochFrom: 5 })).toBeNull();
    expect(endedReason({ epochFrom: 5 })).toMatch(/^signed out/);
  });
});
