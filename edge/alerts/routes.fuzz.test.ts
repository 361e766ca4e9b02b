import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nastyBody, nastyNumber, nastyText, nearlyValid, percentEncoded } from '../../test/fuzz.ts';
import { expectClearAnswer } from '../../test/workers/clear-answer.ts';
import { asUser, createAlert } from '../../test/workers/test-alerts.ts';
import { instrumentsOfOneGroup, type TestInstrument } from '../../test/workers/test-session.ts';
import { newUser } from '../../test/workers/test-users.ts';

/**
 * The alerts API fuzzed through the worker and Postgres: any body, query
 * or path gets a clear answer (a 2xx, a 400 naming the field, a 404 or a
 * 409 for the user's limits), never a 5xx; and an alert that is created
 * holds exactly the note it was given.
 */
describe('the alerts API (fuzzed)', () => {
  it('answers any body of POST /alerts and PATCH /alerts/:id with 200/201, a 400 naming the field, or 409', async () => {
    const user = await newUser();
    const [bse] = (await instrumentsOfOneGroup('BSE', 1, 2)) as [TestInstrument];
    const existing = await createAlert(user, { instrument: bse.token, condition: { type: 'price_above', price: 100 } });
    const condition = fc.oneof(
      nearlyValid({ type: 'crosses_up', price: 10 }),
      nearlyValid({ type: 'change_pct_below', percent: -2 }),
      fc.record(
        { type: fc.constantFrom('price_above', 'volume_above', 'oi_above'), price: nastyNumber, volume: nastyNumber, oi: nastyNumber },
        { requiredKeys: ['type'] },
      ),
    );
    const fields = {
      instrument: fc.oneof(fc.constant(bse.token), fc.constant(bse.symbol), nastyText(16), nastyNumber),
      condition,
      note: fc.oneof(nastyText(40), fc.constant(null)),
      repeat: fc.oneof(nearlyValid({ type: 'recurring', cooldown_s: 60 }), fc.constant({ type: 'once' })),
      expires_at: fc.oneof(nastyText(30), fc.constantFrom('2099-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59')),
      channels: nearlyValid({ sessions: true }),
    };
    const body = fc.record(fields, { requiredKeys: [] }).chain((record) => nastyBody(fc.constant(record)));
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (text, patch) => {
        const path = patch ? `/alerts/${existing.id}` : '/alerts';
        const response = await asUser(user, path, { method: patch ? 'PATCH' : 'POST', body: text, headers: { 'Content-Type': 'application/json' } });
        const answer = await expectClearAnswer(response, patch ? [200, 400, 409] : [201, 400, 409], `${patch ? 'PATCH' : 'POST'} ${text.slice(0, 200)}`);
        // What was stored is what was sent: no character changed on the way to Postgres and back.
        const sent = (() => {
          try {
            return JSON.parse(text) as { note?: unknown };
          } catch {
            return {};
          }
        })();
        if (response.status < 300 && typeof sent.note === 'string') expect((answer as { note: string }).note).toBe(sent.note);
        if (!patch && response.status === 201) expect((await asUser(user, `/alerts/${(answer as { id: string }).id}`, { method: 'DELETE' })).status).toBe(204);
      }),
      { numRuns: 50 },
    );
  });

  it('answers any query and path of the reading routes with 200, 404 or a 400 naming the parameter', async () => {
    const user = await newUser();
    const route = fc.constantFrom('/alerts', '/alerts/triggers', '/alerts/deliveries', '/alerts/webhook-secret');
    const key = fc.oneof(fc.constantFrom('state', 'limit', 'cursor', 'alert_id', 'status', 'channel'), nastyText(6));
    const value = fc.oneof(
      nastyText(24),
      nastyNumber.map(String),
      fc.constantFrom('active', 'failed,dead', 'webhook', '99999999999999999999_00000000-0000-0000-0000-000000000000', '123', ''),
    );
    const query = fc.array(fc.tuple(key, value), { maxLength: 3 }).map((pairs) => pairs.map(([k, v]) => `${percentEncoded(k)}=${percentEncoded(v)}`).join('&'));
    const id = fc.oneof(nastyText(40), fc.uuid());
    await fc.assert(
      fc.asyncProperty(route, query, id, async (path, search, alertId) => {
        await expectClearAnswer(await asUser(user, `${path}?${search}`), [200, 400], `${path}?${search}`);
        const one = `/alerts/${percentEncoded(alertId)}`;
        await expectClearAnswer(await asUser(user, one), [200, 400, 404], one);
        await expectClearAnswer(await asUser(user, `${one}/triggers?${search}`), [200, 400, 404], `${one}/triggers?${search}`);
      }),
      { numRuns: 40 },
    );
  });
});
