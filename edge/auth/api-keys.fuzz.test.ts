import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nastyBody, nastyText, nearlyValid, percentEncoded } from '../../test/fuzz.ts';
import { expectClearAnswer } from '../../test/workers/clear-answer.ts';
import { call, newIp, newUser } from '../../test/workers/test-users.ts';

/**
 * API keys and the account routes fuzzed through the worker and Postgres:
 * any body or key id gets a clear answer, never a 5xx, and a key that is
 * created holds exactly the name it was given (trimmed).
 */
describe('API keys and accounts (fuzzed)', () => {
  it('creates a key from any body with exactly its name, or refuses it with a 400 naming the field', async () => {
    const user = await newUser();
    const body = nastyBody(nearlyValid({ name: 'bot', scopes: ['read'] })).chain((text) =>
      fc.oneof(
        fc.constant(text),
        nastyText(30).map((name) => JSON.stringify({ name, scopes: ['read'] })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const response = await call('/api-keys', { method: 'POST', body: text, bearer: user.tokens.access_token, ip: user.ip });
        const answer = await expectClearAnswer(response, [201, 400, 403], text.slice(0, 200));
        if (response.status !== 201) return;
        expect((answer as { name: string }).name).toBe((JSON.parse(text) as { name: string }).name.trim());
        const id = (answer as { id: string }).id;
        expect((await call(`/api-keys/${id}`, { method: 'DELETE', bearer: user.tokens.access_token, ip: user.ip })).status).toBe(200);
      }),
      { numRuns: 50 },
    );
  });

  it('answers any key id with 200, 404 or a 400 naming it', async () => {
    const user = await newUser();
    await fc.assert(
      fc.asyncProperty(fc.oneof(nastyText(30), fc.stringMatching(/^ak_[0-9a-f]{16}$/)), async (id) => {
        const path = `/api-keys/${percentEncoded(id)}`;
        await expectClearAnswer(await call(path, { bearer: user.tokens.access_token, ip: user.ip }), [200, 400, 404], path);
      }),
      { numRuns: 30 },
    );
  });

  it('answers any body of register, login and refresh with their usual answers or a 400 naming the field, never a 5xx', async () => {
    const route = fc.constantFrom(
      ['/auth/register', nearlyValid({ email: 'fuzz@example.test', password: 'correct horse battery staple' }), [202, 400]] as const,
      ['/auth/login', nearlyValid({ email: 'fuzz@example.test', password: 'x' }), [200, 400, 401, 429]] as const,
      ['/auth/refresh', nearlyValid({ refresh_token: 'rt_x' }), [200, 400, 401]] as const,
    );
    await fc.assert(
      fc.asyncProperty(
        route.chain(([path, fields, allowed]) => nastyBody(fields).map((text) => [path, text, allowed] as const)),
        async ([path, text, allowed]) => {
          const response = await call(path, { method: 'POST', body: text, ip: newIp(), headers: { 'Content-Type': 'application/json' } });
          await expectClearAnswer(response, [...allowed], `${path} ${text.slice(0, 200)}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});
