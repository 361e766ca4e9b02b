import { KiteEdgeApiError, KiteEdgeError } from '@kite-edge/client';
import { describe, expect, it } from 'vitest';
import { explain } from './problems.ts';

/** What the web app says about each kind of failure (docs/web.md#errors-in-plain-words). */
const refusal = (status: number, code: KiteEdgeApiError['code'], message: string, param?: string) =>
  new KiteEdgeApiError(status, code, message, { error: { code, message, ...(param ? { param } : {}) } });

describe('explain', () => {
  it('says what to do about limits: too many requests, and too many of something', () => {
    expect(explain(refusal(429, 'rate_limited', 'rate limit exceeded'))).toBe('Too many requests in a short time: wait a minute and try again.');
    expect(explain(refusal(409, 'limit_exceeded', 'a user may hold 10 watchlists: delete one first'))).toBe(
      'You have reached a limit: a user may hold 10 watchlists: delete one first.',
    );
    expect(explain(new KiteEdgeError('rate_limited', 'too many control messages'))).toBe('Too many requests at once: wait a moment and try again.');
  });

  it('names the refused field with the platform’s rule', () => {
    expect(explain(refusal(400, 'invalid_parameter', 'must be at least 10 characters', 'password'))).toBe('Password: must be at least 10 characters.');
    expect(explain(refusal(400, 'invalid_parameter', 'must be less than 0', 'condition.percent'))).toBe('percent: must be less than 0.');
  });

  it('tells sign-in failures, ended sessions, a lost network and the platform’s own trouble apart', () => {
    expect(explain(refusal(401, 'invalid_credentials', 'invalid e-mail or password'))).toMatch(/^That e-mail address and password do not match/);
    expect(explain(refusal(429, 'account_locked', 'locked'))).toMatch(/^Too many failed sign-ins for this address/);
    expect(explain(refusal(401, 'token_revoked', 'revoked'))).toBe('Your session has ended. Sign in again.');
    expect(explain(new TypeError('Failed to fetch'))).toMatch(/^Cannot reach the platform/);
    expect(explain(refusal(503, 'database_unavailable', 'the database did not answer'))).toBe(
      'The platform is having trouble right now: try again in a moment.',
    );
    expect(explain(new KiteEdgeError('closed', 'the connection closed'))).toMatch(/reconnects by itself/);
  });
});
