import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nastyNumber, nastyText, percentEncoded } from '../../test/fuzz.ts';
import { expectClearAnswer } from '../../test/workers/clear-answer.ts';
import { call, newUser } from '../../test/workers/test-users.ts';

/** Kite's quote routes fuzzed through the worker: any `i` (and any other parameter) gets Kite's 200 or a 400 naming it, never a 5xx. */
describe('the quote routes (fuzzed)', () => {
  it('answers any instruments named in any way with 200 or a 400 naming the parameter', async () => {
    const user = await newUser();
    const instrument = fc.oneof(
      nastyText(20),
      nastyNumber.map(String),
      fc.tuple(fc.constantFrom('NSE', 'BSE', 'NFO', 'nse'), nastyText(12)).map(([exchange, symbol]) => `${exchange}:${symbol}`),
      fc.constantFrom('NSE:INFY', 'NSE:NIFTY 50', '256265', '0', '4294967296'),
    );
    const key = fc.oneof(fc.constant('i'), fc.constant('i'), nastyText(4));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/quote', '/quote/ohlc', '/quote/ltp'), fc.array(fc.tuple(key, instrument), { maxLength: 4 }), async (route, pairs) => {
        const path = `${route}?${pairs.map(([k, v]) => `${percentEncoded(k)}=${percentEncoded(v)}`).join('&')}`;
        const response = await call(path, { bearer: user.tokens.access_token, ip: user.ip });
        const body = await expectClearAnswer(response, [200, 400], path);
        if (response.status === 200) expect(body).toMatchObject({ status: 'success' });
      }),
      { numRuns: 40 },
    );
  });
});
