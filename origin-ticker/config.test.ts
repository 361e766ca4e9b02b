import { describe, expect, it } from 'vitest';
import { ConfigError } from '../contracts/config-error.ts';
import { originConfig } from './config.ts';

const SECRET = { ORIGIN_LINK_SECRET: 'a-link-secret-of-some-length' };

function problems(env: Record<string, string>): { variable: string; problem: string }[] {
  try {
    originConfig({ ...SECRET, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the origin lease configuration', () => {
  it('names the origin hostname:pid and keeps the lease for 5 s, renewed every second, by default', () => {
    expect(originConfig(SECRET).lease).toEqual({ originId: expect.stringMatching(new RegExp(`:${process.pid}$`)), renewMs: 1000, ttlMs: 5000 });
    expect(originConfig({ ...SECRET, ORIGIN_ID: 'origin-b', ORIGIN_LEASE_RENEW_MS: '500', ORIGIN_LEASE_TTL_MS: '3000' }).lease).toEqual({
      originId: 'origin-b',
      renewMs: 500,
      ttlMs: 3000,
    });
  });

  it('refuses a time to live that a single late renewal would miss, and a bad id', () => {
    expect(problems({ ORIGIN_LEASE_RENEW_MS: '3000', ORIGIN_LEASE_TTL_MS: '5000' })).toEqual([
      { variable: 'ORIGIN_LEASE_TTL_MS', problem: 'must be at least twice ORIGIN_LEASE_RENEW_MS (3000)' },
    ]);
    expect(problems({ ORIGIN_ID: 'has spaces' })).toEqual([{ variable: 'ORIGIN_ID', problem: 'must be letters, digits and . _ : @ -' }]);
  });
});
