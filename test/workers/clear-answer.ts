import { expect } from 'vitest';
import { ErrorBody } from '../../contracts/errors.ts';

/**
 * The fuzz tests' check of one answer (`*.fuzz.test.ts` under edge/): its
 * status is one of `allowed` (never a 5xx), an error is the platform's error
 * body, and a 400 names the parameter it refuses. Returns the JSON body
 * (undefined for a 204).
 */
export async function expectClearAnswer(response: Response, allowed: readonly number[], what: string): Promise<unknown> {
  expect(allowed, `${what} answered ${response.status}`).toContain(response.status);
  if (response.status === 204) return undefined;
  const body = (await response.json()) as unknown;
  if (response.status >= 400) {
    const error = ErrorBody.parse(body).error;
    if (response.status === 400) expect(error).toMatchObject({ code: 'invalid_parameter', param: expect.any(String) });
  }
  return body;
}
