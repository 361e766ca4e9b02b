import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { ListResponse } from '../../contracts/instruments-api.ts';
import { nastyNumber, nastyText, percentEncoded } from '../../test/fuzz.ts';
import { expectClearAnswer } from '../../test/workers/clear-answer.ts';
import { fetchEdge } from '../../test/workers/documented.ts';

/**
 * The instruments API fuzzed through the worker, its caches and Postgres:
 * any query string, path and cursor gets a clear answer (200, 404, or a 400
 * naming the parameter), never a 5xx.
 */
const get = (path: string) => fetchEdge(`http://edge.test${path}`);
const CLEAR = [200, 400, 404];

const PARAMETERS = [
  'exchange',
  'segment',
  'instrument_type',
  'name',
  'expiry',
  'expiry_from',
  'expiry_to',
  'strike_min',
  'strike_max',
  'is_active',
  'sort',
  'limit',
  'offset',
  'cursor',
  'q',
  'limt',
];
const value = fc.oneof(
  nastyText(16),
  nastyNumber.map(String),
  fc.constantFrom('NSE', 'NFO,BFO', 'CE,PE,XX', 'NIFTY', '2026-01-29', '0000-01-01', '2026-02-30', '-strike', 'all', '1e3', 'Infinity', ''),
);
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMETERS), nastyText(6)), value), { maxLength: 4 })
  .map((pairs) => pairs.map(([key, v]) => `${percentEncoded(key)}=${percentEncoded(v)}`).join('&'));
const ROUTES = ['/instruments/list', '/instruments/search', '/instruments/expiries', '/instruments/option-chain', '/instruments/stats'];

describe('the instruments API (fuzzed)', () => {
  it('answers any query string of every route with 200, 404 or a 400 naming the parameter', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), query, async (route, search) => {
        await expectClearAnswer(await get(`${route}?${search}`), CLEAR, `${route}?${search}`);
      }),
      { numRuns: 60 },
    );
  });

  it('answers any path parameters of the single-instrument routes with 200, 404 or a 400 naming them', async () => {
    const segment = fc.oneof(nastyText(12), fc.constantFrom('NSE', 'NIFTY 50', '256265', '4294967296', '00000000001'));
    await fc.assert(
      fc.asyncProperty(segment, segment, async (first, second) => {
        const bySymbol = `/instruments/by-symbol/${percentEncoded(first)}/${percentEncoded(second)}`;
        await expectClearAnswer(await get(bySymbol), CLEAR, bySymbol);
        const byToken = `/instruments/${percentEncoded(first)}`;
        await expectClearAnswer(await get(byToken), CLEAR, byToken);
      }),
      { numRuns: 40 },
    );
  });

  it('answers a cursor with any value and token in it, made for the right filters, with a page or a 400, for every sort', async () => {
    const sorts = ['tradingsymbol', '-expiry', 'strike', 'instrument_token', '-name'];
    const cursors = new Map<string, { q: string; v: string; t: number }>();
    for (const sort of sorts) {
      const { next_cursor } = (await (await get(`/instruments/list?name=NIFTY&sort=${sort}&limit=1`)).json()) as ListResponse;
      cursors.set(sort, JSON.parse(atob((next_cursor ?? '').replace(/-/g, '+').replace(/_/g, '/'))));
    }
    const base64url = (text: string) =>
      btoa(String.fromCharCode(...new TextEncoder().encode(text)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sorts),
        fc.oneof(nastyText(20), nastyNumber.map(String), fc.constantFrom('2026-02-30', '0000-01-01', '9999-12-31', '25000.0000', '-1')),
        fc.oneof(nastyNumber, fc.constant(256265)),
        async (sort, v, t) => {
          const real = cursors.get(sort);
          const cursor = base64url(JSON.stringify({ ...real, v, t }));
          const path = `/instruments/list?name=NIFTY&sort=${sort}&limit=1&cursor=${cursor}`;
          await expectClearAnswer(await get(path), CLEAR, `${path} (v ${JSON.stringify(v)}, t ${t})`);
        },
      ),
      { numRuns: 40 },
    );
  });
});
