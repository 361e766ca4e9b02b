import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Watchlist } from '../../contracts/watchlists.ts';
import { nastyBody, nastyNumber, nastyText, nearlyValid, percentEncoded } from '../../test/fuzz.ts';
import { expectClearAnswer } from '../../test/workers/clear-answer.ts';
import { asUser } from '../../test/workers/test-alerts.ts';
import { newUser, sql } from '../../test/workers/test-users.ts';

/**
 * The watchlists API fuzzed through the worker and Postgres: any body or
 * path gets a clear answer (a 2xx, a 400 naming the field, a 404, or a 409
 * for a name taken or a limit), never a 5xx; a name is stored exactly as
 * sent less its surrounding white space; and whatever is sent, a list never
 * holds an instrument twice nor more than WATCHLIST_INSTRUMENTS (4 here).
 */
const sent = (text: string): Record<string, unknown> => {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

async function newList(user: Awaited<ReturnType<typeof newUser>>): Promise<Watchlist> {
  const response = await asUser(user, '/watchlists', { json: { name: `list ${crypto.randomUUID().slice(0, 8)}` } });
  return Watchlist.parse(await response.json());
}

describe('the watchlists API (fuzzed)', () => {
  it('answers any body of POST /watchlists and PATCH /watchlists/:id with 200/201, a 400 naming the field, or 409, and keeps the name as sent', async () => {
    const user = await newUser();
    const existing = await newList(user);
    const body = fc.oneof(
      nastyBody(nearlyValid({ name: 'Banks' })),
      nastyText(50).map((name) => JSON.stringify({ name })),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (text, patch) => {
        const path = patch ? `/watchlists/${existing.id}` : '/watchlists';
        const response = await asUser(user, path, { method: patch ? 'PATCH' : 'POST', body: text, headers: { 'Content-Type': 'application/json' } });
        const answer = await expectClearAnswer(response, patch ? [200, 400, 409] : [201, 400, 409], `${patch ? 'PATCH' : 'POST'} ${text.slice(0, 200)}`);
        if (response.status >= 300) return;
        const { name } = sent(text);
        // What was stored is what was sent, trimmed: no character changed on the way to Postgres and back.
        expect((answer as Watchlist).name).toBe((name as string).trim());
        if (!patch) expect((await asUser(user, `/watchlists/${(answer as Watchlist).id}`, { method: 'DELETE' })).status).toBe(204);
      }),
      { numRuns: 50 },
    );
  });

  it('answers any body of POST and PUT /watchlists/:id/instruments clearly, and never lets a list repeat an instrument or pass its limit', async () => {
    const user = await newUser();
    const { id } = await newList(user);
    const tokens = (await sql<{ token: number }>("SELECT instrument_token::float8 AS token FROM instruments WHERE is_active AND exchange = 'BSE' LIMIT 6")).map(
      (row) => row.token,
    );
    const token = fc.oneof(fc.constantFrom(...tokens), nastyNumber);
    const body = fc.oneof(
      nastyBody(nearlyValid({ instrument_token: tokens[0] })),
      token.map((instrument_token) => JSON.stringify({ instrument_token })),
      fc.array(token, { maxLength: 6 }).map((instrument_tokens) => JSON.stringify({ instrument_tokens })),
      nastyBody(nearlyValid({ instrument_tokens: tokens.slice(0, 2) })),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (text, replace) => {
        const response = await asUser(user, `/watchlists/${id}/instruments`, {
          method: replace ? 'PUT' : 'POST',
          body: text,
          headers: { 'Content-Type': 'application/json' },
        });
        const answer = await expectClearAnswer(response, [200, 400, 409], `${replace ? 'PUT' : 'POST'} ${text.slice(0, 200)}`);
        if (response.status !== 200) return;
        const listed = (answer as Watchlist).instruments.map((row) => row.instrument_token);
        expect(new Set(listed).size).toBe(listed.length);
        expect(listed.length).toBeLessThanOrEqual(4);
      }),
      { numRuns: 50 },
    );
  });

  it('answers any id and instrument token in the path with 200, 204, 404 or a 400 naming the parameter', async () => {
    const user = await newUser();
    const { id } = await newList(user);
    const listId = fc.oneof(nastyText(40), fc.uuid(), fc.constant(id));
    const tokenText = fc.oneof(nastyText(12), nastyNumber.map(String));
    await fc.assert(
      fc.asyncProperty(listId, tokenText, async (rawId, rawToken) => {
        const one = `/watchlists/${percentEncoded(rawId)}`;
        await expectClearAnswer(await asUser(user, one), [200, 400, 404], `GET ${one}`);
        const item = `${one}/instruments/${percentEncoded(rawToken)}`;
        await expectClearAnswer(await asUser(user, item, { method: 'DELETE' }), [200, 400, 404], `DELETE ${item}`);
      }),
      { numRuns: 40 },
    );
    expect((await asUser(user, `/watchlists/${id}`)).status).toBe(200);
  });
});
