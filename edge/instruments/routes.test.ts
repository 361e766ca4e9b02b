import { env } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import { ErrorBody } from '../../contracts/errors.ts';
import type { InstrumentRow, ListResponse } from '../../contracts/instruments-api.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { fetchEdge, fetchEdgeWith } from '../../test/workers/documented.ts';

/** The instruments API against the registry the test setup synced from the simulator. */
const get = async <T>(path: string): Promise<{ status: number; body: T; headers: Headers }> => {
  const response = await fetchEdge(`http://edge.test${path}`);
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
};

// Reference answers come from hand-written SQL, sent by the test itself.
const reference = openDatabase(edgeConfig(env).database, 10_000);
const count = async (where: string, values: unknown[] = []) =>
  Number((await reference.query<{ n: string }>(`SELECT count(*) AS n FROM instruments WHERE ${where}`, values)).rows[0]?.n);

describe('GET /instruments/list', () => {
  it('answers a page of active instruments with the exact total', async () => {
    const { status, body } = await get<ListResponse>('/instruments/list');
    expect(status).toBe(200);
    expect(body.rows).toHaveLength(100);
    expect(body.total).toBe(await count('is_active'));
    expect(body.total).toBeGreaterThan(95_000);
    expect(body.dataset_version).toBeGreaterThanOrEqual(1);
    const row = body.rows[0] as InstrumentRow;
    expect(typeof row.instrument_token).toBe('number');
    expect(typeof row.strike).toBe('number');
  });

  it('counts exactly what it filters, for every combination a seeded generator tries', async () => {
    let seed = 20261123;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pickSome = <T>(items: T[]) => items.filter(() => random() < 0.4);
    const names = ['NIFTY', 'BANKNIFTY', 'RELIANCE', 'USDINR', 'CRUDEOIL', 'SENSEX'];
    const expiries = (await reference.query<{ e: string }>('SELECT DISTINCT expiry::text AS e FROM instruments WHERE expiry IS NOT NULL ORDER BY 1')).rows.map(
      (r) => r.e,
    );
    for (let round = 0; round < 30; round++) {
      const params = new URLSearchParams();
      const where: string[] = [];
      const values: unknown[] = [];
      const add = (sql: string, value: unknown) => {
        values.push(value);
        where.push(sql.replace('?', `$${values.length}`));
      };
      const active = (['true', 'false', 'all'] as const)[Math.floor(random() * 3)] ?? 'true';
      params.set('is_active', active);
      if (active !== 'all') add('is_active = ?', active === 'true');
      const exchanges = pickSome(['NSE', 'BSE', 'NFO', 'BFO', 'MCX', 'CDS', 'BCD']);
      if (exchanges.length) {
        params.set('exchange', exchanges.join(','));
        add('exchange = ANY(?)', exchanges);
      }
      const types = pickSome(['EQ', 'FUT', 'CE', 'PE']);
      if (types.length) {
        params.set('instrument_type', types.join(','));
        add('instrument_type = ANY(?)', types);
      }
      if (random() < 0.4) {
        const name = names[Math.floor(random() * names.length)] ?? 'NIFTY';
        params.set('name', name);
        add('name = ?', name);
      }
      if (random() < 0.3) {
        const from = expiries[Math.floor(random() * expiries.length)] ?? '2026-01-01';
        params.set('expiry_from', from);
        add('expiry >= ?::date', from);
      }
      if (random() < 0.3) {
        const min = Math.floor(random() * 30_000);
        params.set('strike_min', String(min));
        add('strike >= ?', min);
        params.set('strike_max', String(min + 5_000));
        add('strike <= ?', min + 5_000);
      }
      params.set('limit', '1');
      const { status, body } = await get<ListResponse>(`/instruments/list?${params}`);
      expect(status).toBe(200);
      expect({ params: params.toString(), total: body.total }).toEqual({
        params: params.toString(),
        total: await count(where.length ? where.join(' AND ') : 'true', values),
      });
    }
  });

  it('walks every row exactly once with the cursor, in either direction', async () => {
    const expiry = (await reference.query<{ e: string }>("SELECT min(expiry)::text AS e FROM instruments WHERE name = 'NIFTY' AND is_active")).rows[0]?.e;
    const expected = await count("name = 'NIFTY' AND expiry = $1 AND is_active", [expiry]);
    for (const sort of ['strike', '-strike', 'tradingsymbol', '-expiry']) {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/instruments/list?name=NIFTY&expiry=${expiry}&sort=${sort}&limit=37${cursor ? `&cursor=${cursor}` : ''}`;
        const { status, body }: { status: number; body: ListResponse } = await get<ListResponse>(url);
        expect(status).toBe(200);
        expect(body.total).toBe(expected);
        seen.push(...body.rows.map((r) => r.instrument_token));
        cursor = body.next_cursor;
        pages++;
      } while (cursor && pages < 100);
      expect({ sort, rows: seen.length, unique: new Set(seen).size }).toEqual({ sort, rows: expected, unique: expected });
    }
  });

  it('orders by the requested sort', async () => {
    const { body } = await get<ListResponse>('/instruments/list?name=NIFTY&instrument_type=CE&sort=-strike&limit=50');
    const strikes = body.rows.map((r) => r.strike);
    expect(strikes).toEqual([...strikes].sort((a, b) => b - a));
  });

  it.each([
    ['limit=0', 'limit', 'must be at least 1'],
    ['limit=5000', 'limit', 'must be at most 1000'],
    ['limt=5', 'limt', 'unknown parameter'],
    ['sort=price', 'sort', 'must be one of'],
    ['expiry=2026-13-45', 'expiry', 'must be a date YYYY-MM-DD'],
    ['instrument_type=EQ,XX', 'instrument_type', 'comma-separated list of EQ, FUT, CE, PE'],
    ['strike_min=500&strike_max=100', 'strike_min', 'must not exceed strike_max'],
    ['offset=10&cursor=abc', 'cursor', 'cannot be combined with offset'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor', 'not a cursor returned by this API'],
    ['limit=1&limit=2', 'limit', 'must be given once'],
  ])('refuses %s with a 400 naming %s', async (query, param, message) => {
    const { status, body } = await get<unknown>(`/instruments/list?${query}`);
    expect(status).toBe(400);
    const error = ErrorBody.parse(body).error;
    expect(error).toMatchObject({ code: 'invalid_parameter', param });
    expect(error.message).toContain(message);
  });

  it('refuses a cursor made for other filters', async () => {
    const first = await get<ListResponse>('/instruments/list?exchange=NSE&limit=5');
    const reused = await get<unknown>(`/instruments/list?exchange=BSE&limit=5&cursor=${first.body.next_cursor}`);
    expect(reused.status).toBe(400);
    expect(ErrorBody.parse(reused.body).error.message).toContain('other filters');
  });
});

describe('text and dates Postgres cannot take', () => {
  it.each([
    ['/instruments/search?q=%00', 'q'],
    ['/instruments/search?q=NIFTY%00', 'q'],
    ['/instruments/list?name=%00', 'name'],
    ['/instruments/list?segment=NFO-OPT&name=NIF%00TY', 'name'],
    ['/instruments/expiries?name=%00', 'name'],
    ['/instruments/option-chain?name=NIFTY%00&expiry=2026-01-29', 'name'],
    ['/instruments/by-symbol/NSE/INFY%00', 'tradingsymbol'],
    ['/instruments/list?limit=10&%00=1', '(query)'],
  ])('refuses the NUL character in %s with a 400 naming %s', async (path, param) => {
    const { status, body } = await get<unknown>(path);
    expect(status).toBe(400);
    expect(ErrorBody.parse(body).error).toMatchObject({ code: 'invalid_parameter', param, message: expect.stringContaining('NUL character (U+0000)') });
  });

  it.each([
    ['/instruments/list?expiry=0000-01-01', 'expiry'],
    ['/instruments/list?expiry_from=0000-12-31', 'expiry_from'],
    ['/instruments/option-chain?name=NIFTY&expiry=0000-02-29', 'expiry'],
  ])('refuses year 0, which the calendar does not have, in %s with a 400 naming %s', async (path, param) => {
    const { status, body } = await get<unknown>(path);
    expect(status).toBe(400);
    expect(ErrorBody.parse(body).error).toMatchObject({ code: 'invalid_parameter', param, message: `${param}: must be a date YYYY-MM-DD` });
  });

  it('refuses a hand-made cursor whose value is not of its sort: a tag is not a signature', async () => {
    const query = 'name=NIFTY&instrument_type=CE&sort=strike&limit=2';
    const { body } = await get<ListResponse>(`/instruments/list?${query}`);
    const real = JSON.parse(atob((body.next_cursor ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { q: string; v: string; t: number };
    for (const v of ['not a number', '1\u0000', '1e999999']) {
      const forged = btoa(JSON.stringify({ ...real, v }))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
      const answer = await get<unknown>(`/instruments/list?${query}&cursor=${forged}`);
      expect(answer.status, v).toBe(400);
      expect(ErrorBody.parse(answer.body).error).toMatchObject({ param: 'cursor', message: 'cursor: is not a cursor returned by this API' });
    }
  });
});

describe('GET /instruments/search', () => {
  const symbols = async (q: string) =>
    (await get<{ rows: InstrumentRow[] }>(`/instruments/search?q=${encodeURIComponent(q)}`)).body.rows.map((r) => `${r.exchange}:${r.tradingsymbol}`);

  it('puts NIFTY 50 first for "nifty"', async () => {
    expect((await symbols('nifty'))[0]).toBe('NSE:NIFTY 50');
  });

  it('finds RELIANCE for "reliance" and for the typo "relaince"', async () => {
    expect((await symbols('reliance'))[0]).toBe('NSE:RELIANCE');
    expect((await symbols('relaince'))[0]).toBe('NSE:RELIANCE');
  });

  it('ranks a broad prefix by kind and nearest expiry: futures before options', async () => {
    const results = await symbols('NIFTY2');
    expect(results.length).toBe(20);
    expect(results.slice(0, 3).every((s) => s.endsWith('FUT'))).toBe(true);
    expect(results.slice(3).every((s) => /(CE|PE)$/.test(s))).toBe(true);
  });

  it('treats SQL as plain text', async () => {
    const { status, body } = await get<{ rows: unknown[] }>(`/instruments/search?q=${encodeURIComponent("'; DROP TABLE instruments; --")}`);
    expect(status).toBe(200);
    expect(body.rows).toEqual([]);
    expect(await symbols('%')).toEqual([]);
    expect(await count('true')).toBeGreaterThan(95_000);
  });

  it('refuses an empty query and unknown parameters', async () => {
    const { status, body } = await get<unknown>('/instruments/search?q=%20');
    expect(status).toBe(400);
    expect(ErrorBody.parse(body).error.param).toBe('q');
    const unknown = await get<unknown>('/instruments/search?q=nifty&exchnage=NSE');
    expect(ErrorBody.parse(unknown.body).error).toMatchObject({
      param: 'exchnage',
      message: expect.stringContaining('this route takes q, exchange, segment, limit'),
    });
  });
});

describe('single instruments, stats, expiries and the static option chain', () => {
  it('finds an instrument by token and by symbol, and says 404 or 400 otherwise', async () => {
    const bySymbol = await get<InstrumentRow>('/instruments/by-symbol/NSE/NIFTY%2050');
    expect(bySymbol.body).toMatchObject({ instrument_token: 256265, segment: 'INDICES' });
    const byToken = await get<InstrumentRow>('/instruments/256265');
    expect(byToken.body.tradingsymbol).toBe('NIFTY 50');
    expect((await get<unknown>('/instruments/1')).status).toBe(404);
    const bad = await get<unknown>('/instruments/abc');
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(bad.body).error.param).toBe('token');
  });

  it('counts by exchange, segment and type, with the dataset version and last sync', async () => {
    const { body } = await get<{
      total: number;
      active: number;
      by_segment: Record<string, { active: number }>;
      dataset_version: number;
      last_sync: string;
      expiries_per_underlying: Record<string, number>;
    }>('/instruments/stats');
    expect(body.total).toBe(await count('true'));
    expect(body.active).toBe(await count('is_active'));
    expect(body.by_segment['NFO-OPT']?.active).toBe(await count("segment = 'NFO-OPT' AND is_active"));
    expect(body.dataset_version).toBeGreaterThanOrEqual(1);
    expect(Date.parse(body.last_sync)).not.toBeNaN();
    expect(body.expiries_per_underlying['NFO:NIFTY']).toBeGreaterThan(8);
    expect((await get<unknown>('/instruments/stats?x=1')).status).toBe(400);
  });

  it('lists expiries and lays out a chain with both sides of every strike', async () => {
    const { body: expiries } = await get<{ expiries: string[] }>('/instruments/expiries?name=NIFTY&exchange=NFO');
    expect(expiries.expiries).toEqual([...expiries.expiries].sort());
    const expiry = expiries.expiries[0];
    const { status, body } = await get<{ strikes: { strike: number; CE: unknown; PE: unknown }[]; lot_size: number }>(
      `/instruments/option-chain?name=NIFTY&expiry=${expiry}`,
    );
    expect(status).toBe(200);
    expect(body.strikes.length).toBeGreaterThan(50);
    expect(body.strikes.every((s) => s.CE && s.PE)).toBe(true);
    expect(body.lot_size).toBe(75);
    expect((await get<unknown>('/instruments/option-chain?name=NIFTY&expiry=2001-01-01')).status).toBe(404);
  });
});

/** The worker with some bindings replaced, as a differently configured (or failing) deployment. */
async function fetchWith(path: string, overrides: Record<string, string>, init: RequestInit = {}): Promise<Response> {
  return fetchEdgeWith(overrides, `http://edge.test${path}`, init);
}
let unique = 0;
const uniquePath = () => `/instruments/list?exchange=MCX&limit=${++unique + 10}`;

describe('caching', () => {
  it("serves a repeated request from the isolate's memory, with the same body", async () => {
    const path = uniquePath();
    const first = await fetchWith(path, {});
    expect(first.headers.get('x-cache')).toBe('miss');
    const second = await fetchWith(path, {});
    expect(second.headers.get('x-cache')).toBe('hit-memory');
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('serves it from the Cache API or Redis when the memory tier is off', async () => {
    const path = uniquePath();
    const first = await fetchWith(path, { ISOLATE_CACHE_MB: '0' });
    expect(first.headers.get('x-cache')).toBe('miss');
    const second = await fetchWith(path, { ISOLATE_CACHE_MB: '0' });
    expect(['hit-edge', 'hit-redis']).toContain(second.headers.get('x-cache'));
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const path = uniquePath();
    const first = await fetchWith(path, {});
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"v\d+-[0-9a-f]{24}"$/);
    const revalidated = await fetchWith(path, {}, { headers: { 'If-None-Match': etag } });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
  });

  it('misses everything cached before a new dataset version', async () => {
    const path = uniquePath();
    const before = await fetchWith(path, { CACHE_VERSION_TTL_MS: '0' });
    await fetchWith(path, { CACHE_VERSION_TTL_MS: '0' });
    const { rows } = await reference.query<{ id: string }>("INSERT INTO dataset_versions (source, rows_in_dump) VALUES ('cache test', 0) RETURNING id");
    try {
      const after = await fetchWith(path, { CACHE_VERSION_TTL_MS: '0' });
      expect(after.headers.get('x-cache')).toBe('miss');
      expect(Number(after.headers.get('x-dataset-version'))).toBe(Number(rows[0]?.id));
      expect(Number(after.headers.get('x-dataset-version'))).toBeGreaterThan(Number(before.headers.get('x-dataset-version')));
      expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    } finally {
      await reference.query('DELETE FROM dataset_versions WHERE id = $1', [rows[0]?.id]);
    }
  });

  it('answers from Postgres when Redis is down', async () => {
    const response = await fetchWith(uniquePath(), { UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${inject('deadPort')}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('miss');
    expect(((await response.json()) as ListResponse).total).toBeGreaterThan(0);
  });
});

describe('when Postgres is down', () => {
  const down = { NEON_HTTP_ENDPOINT: `http://127.0.0.1:${inject('blackHolePort')}/sql`, QUERY_TIMEOUT_MS: '300', CACHE_VERSION_TTL_MS: '0' };

  it('serves what it has cached, marked stale', async () => {
    const path = uniquePath();
    await fetchWith(path, {});
    const response = await fetchWith(path, down);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-data-stale')).toBe('true');
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 503 with the reason and Retry-After for what it has not cached', async () => {
    const response = await fetchWith(uniquePath(), down);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(ErrorBody.parse(await response.json()).error).toMatchObject({ code: 'database_unavailable', message: expect.stringContaining('no cached answer') });
  });
});
