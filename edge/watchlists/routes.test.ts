import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InstrumentRow } from '../../contracts/instruments-api.ts';
import { Watchlist, WatchlistList } from '../../contracts/watchlists.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { REGISTRY_TEMPLATE } from '../../test/setup/template-names.ts';
import { asUser } from '../../test/workers/test-alerts.ts';
import {
  accessTokenFor,
  type CallInit,
  call,
  callWith,
  errorOf,
  keyAuth,
  newKey,
  newUser,
  newUserWith,
  sql,
  type TestUser,
} from '../../test/workers/test-users.ts';

/**
 * The watchlists API in workerd against the test Postgres: the lists and
 * their order, idempotent adds, the limits (vitest.config.ts: 3 watchlists
 * per user, 4 instruments per list), names unique per user, isolation
 * between users, bad input, credentials, and an instrument that expires
 * while listed.
 */
const problem = async (response: Response) => ({ status: response.status, ...(await errorOf(response)) });

async function ok<T>(response: Response, schema: { parse(value: unknown): T }, status = 200): Promise<T> {
  if (response.status !== status) throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
  return schema.parse(await response.json());
}

const create = async (user: TestUser, name: string) => ok(await asUser(user, '/watchlists', { json: { name } }), Watchlist, 201);
const get = async (user: TestUser, id: string) => ok(await asUser(user, `/watchlists/${id}`), Watchlist);
const list = async (user: TestUser) => (await ok(await asUser(user, '/watchlists'), WatchlistList)).watchlists;
const add = (user: TestUser, id: string, token: unknown) => asUser(user, `/watchlists/${id}/instruments`, { json: { instrument_token: token } });
const put = (user: TestUser, id: string, tokens: unknown) =>
  asUser(user, `/watchlists/${id}/instruments`, { method: 'PUT', json: { instrument_tokens: tokens } });
const remove = (user: TestUser, id: string, token: number | string) => asUser(user, `/watchlists/${id}/instruments/${token}`, { method: 'DELETE' });
const tokensOf = (watchlist: Watchlist) => watchlist.instruments.map((row) => row.instrument_token);

/** Five active NSE stocks of the test registry, as GET /instruments/:token answers them. */
let stocks: InstrumentRow[] = [];
beforeAll(async () => {
  const rows = await sql<{ instrument_token: number }>(
    "SELECT instrument_token::float8 AS instrument_token FROM instruments WHERE is_active AND exchange = 'NSE' AND instrument_type = 'EQ' ORDER BY instrument_token LIMIT 5",
  );
  stocks = await Promise.all(rows.map(async (row) => ok(await call(`/instruments/${row.instrument_token}`), InstrumentRow)));
  expect(stocks).toHaveLength(5);
});
const token = (n: number) => (stocks[n] as InstrumentRow).instrument_token;

describe('watchlists', () => {
  it('are created, listed in the order they were made, read, renamed and deleted', async () => {
    const user = await newUser();
    expect(await list(user)).toEqual([]);
    const banks = await create(user, '  Banks ');
    expect(banks).toMatchObject({ name: 'Banks', instruments: [] });
    expect(banks.updated_at).toBe(banks.created_at);
    const tech = await create(user, 'IT');
    const autos = await create(user, 'Autos');
    expect((await list(user)).map((w) => w.name)).toEqual(['Banks', 'IT', 'Autos']);
    expect(await get(user, tech.id)).toEqual(tech);

    const renamed = await ok(await asUser(user, `/watchlists/${banks.id}`, { method: 'PATCH', json: { name: 'Private banks' } }), Watchlist);
    expect(renamed).toMatchObject({ id: banks.id, name: 'Private banks', created_at: banks.created_at });
    expect(Date.parse(renamed.updated_at)).toBeGreaterThanOrEqual(Date.parse(banks.updated_at));
    // Renaming keeps the list's place: the order is that of creation.
    expect((await list(user)).map((w) => w.name)).toEqual(['Private banks', 'IT', 'Autos']);

    expect((await asUser(user, `/watchlists/${tech.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await problem(await asUser(user, `/watchlists/${tech.id}`))).toMatchObject({ status: 404, code: 'watchlist_not_found' });
    expect(await problem(await asUser(user, `/watchlists/${tech.id}`, { method: 'DELETE' }))).toMatchObject({ status: 404, code: 'watchlist_not_found' });
    expect((await list(user)).map((w) => w.id)).toEqual([banks.id, autos.id]);
  });

  it('hold instruments in the user’s order, each as the instruments API answers it', async () => {
    const user = await newUser();
    const watchlist = await create(user, 'Mine');
    for (const n of [2, 0, 1]) await ok(await add(user, watchlist.id, token(n)), Watchlist);
    const three = await get(user, watchlist.id);
    expect(three.instruments).toEqual([stocks[2], stocks[0], stocks[1]]);
    expect(Date.parse(three.updated_at)).toBeGreaterThanOrEqual(Date.parse(watchlist.updated_at));

    const reordered = await ok(await put(user, watchlist.id, [token(1), token(2), token(0)]), Watchlist);
    expect(tokensOf(reordered)).toEqual([token(1), token(2), token(0)]);
    const removed = await ok(await remove(user, watchlist.id, token(2)), Watchlist);
    expect(tokensOf(removed)).toEqual([token(1), token(0)]);
    // Appended at the end, after the reorder and the removal.
    expect(tokensOf(await ok(await add(user, watchlist.id, token(2)), Watchlist))).toEqual([token(1), token(0), token(2)]);
    expect(tokensOf(await ok(await put(user, watchlist.id, []), Watchlist))).toEqual([]);
    expect((await get(user, watchlist.id)).instruments).toEqual([]);
  });

  it('take an instrument already listed, or remove one not listed, without changing anything', async () => {
    const user = await newUser();
    const watchlist = await create(user, 'Twice');
    await ok(await add(user, watchlist.id, token(0)), Watchlist);
    const before = await ok(await add(user, watchlist.id, token(1)), Watchlist);
    const again = await ok(await add(user, watchlist.id, token(0)), Watchlist);
    expect(again).toEqual(before);
    expect(await ok(await remove(user, watchlist.id, token(3)), Watchlist)).toEqual(before);
    expect(await get(user, watchlist.id)).toEqual(before);
  });

  it('stop at WATCHLISTS_PER_USER lists and WATCHLIST_INSTRUMENTS instruments, with a 409 naming the limit', async () => {
    const user = await newUser();
    const [first] = [await create(user, 'one'), await create(user, 'two'), await create(user, 'three')];
    expect(await problem(await asUser(user, '/watchlists', { json: { name: 'four' } }))).toMatchObject({
      status: 409,
      code: 'limit_exceeded',
      message: 'a user may hold 3 watchlists: delete one first',
    });
    const id = (first as Watchlist).id;
    for (const n of [0, 1, 2, 3]) await ok(await add(user, id, token(n)), Watchlist);
    expect(await problem(await add(user, id, token(4)))).toMatchObject({
      status: 409,
      code: 'limit_exceeded',
      message: 'a watchlist may hold 4 instruments: remove one first',
    });
    // At the limit, adding one already listed is still the no-op it always is.
    expect((await add(user, id, token(3))).status).toBe(200);
    expect(await problem(await put(user, id, [0, 1, 2, 3, 4].map(token)))).toMatchObject({
      status: 409,
      code: 'limit_exceeded',
      message: 'a watchlist may hold 4 instruments: this list has 5',
    });
    expect(tokensOf(await get(user, id))).toEqual([0, 1, 2, 3].map(token));

    // Deleting one makes room; the limits are the deployment's settings.
    expect((await asUser(user, `/watchlists/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await asUser(user, '/watchlists', { json: { name: 'four' } })).status).toBe(201);
  });

  it('have names unique per user without regard to case', async () => {
    const user = await newUser();
    const banks = await create(user, 'Banks');
    const tech = await create(user, 'IT');
    expect(await problem(await asUser(user, '/watchlists', { json: { name: ' BANKS' } }))).toMatchObject({
      status: 409,
      code: 'watchlist_name_taken',
      message: 'you have a watchlist named "BANKS" already (names are compared without regard to case)',
    });
    expect(await problem(await asUser(user, `/watchlists/${tech.id}`, { method: 'PATCH', json: { name: 'banks' } }))).toMatchObject({
      status: 409,
      code: 'watchlist_name_taken',
    });
    // A list may change the case of its own name; another user may use the same name.
    expect((await ok(await asUser(user, `/watchlists/${banks.id}`, { method: 'PATCH', json: { name: 'BANKS' } }), Watchlist)).name).toBe('BANKS');
    expect((await create(await newUser(), 'Banks')).name).toBe('Banks');
    expect((await list(user)).map((w) => w.name)).toEqual(['BANKS', 'IT']);
  });

  it('of another user are invisible: every route answers 404 as for an id that does not exist', async () => {
    const owner = await newUser();
    const other = await newUser();
    const mine = await create(owner, 'Mine');
    await ok(await add(owner, mine.id, token(0)), Watchlist);
    const before = await get(owner, mine.id);
    const attempts = [
      asUser(other, `/watchlists/${mine.id}`),
      asUser(other, `/watchlists/${mine.id}`, { method: 'PATCH', json: { name: 'Stolen' } }),
      add(other, mine.id, token(1)),
      put(other, mine.id, [token(1)]),
      remove(other, mine.id, token(0)),
      asUser(other, `/watchlists/${mine.id}`, { method: 'DELETE' }),
      asUser(other, `/watchlists/${crypto.randomUUID()}`),
    ];
    for (const attempt of attempts) {
      expect(await problem(await attempt)).toMatchObject({
        status: 404,
        code: 'watchlist_not_found',
        message: expect.stringMatching(/^you have no watchlist /),
      });
    }
    expect(await list(other)).toEqual([]);
    expect(await get(owner, mine.id)).toEqual(before);
  });

  it('refuse bad input with a 400 naming the field', async () => {
    const user = await newUser();
    const { id } = await create(user, 'Valid');
    const cases: [Promise<Response>, string, RegExp][] = [
      [asUser(user, '/watchlists', { json: { name: 'x'.repeat(41) } }), 'name', /at most 40 characters/],
      [asUser(user, '/watchlists', { json: { name: '   ' } }), 'name', /must not be empty/],
      [asUser(user, '/watchlists', { json: { name: 42 } }), 'name', /must be a string/],
      [asUser(user, '/watchlists', { json: {} }), 'name', /must be a string/],
      [asUser(user, '/watchlists', { json: { name: 'ok', colour: 'red' } }), 'colour', /unknown field/],
      [asUser(user, '/watchlists', { json: { name: 'nul\u0000' } }), 'name', /NUL character/],
      [asUser(user, '/watchlists', { method: 'POST', body: 'not json', headers: { 'Content-Type': 'application/json' } }), '(body)', /JSON object/],
      [asUser(user, '/watchlists/not-a-uuid'), 'id', /must be a watchlist id \(a UUID\)/],
      [asUser(user, '/watchlists?limit=5'), 'limit', /unknown parameter/],
      [asUser(user, `/watchlists/${id}`, { method: 'PATCH', json: { name: 'x'.repeat(41) } }), 'name', /at most 40/],
      [add(user, id, 4_294_967_295), 'instrument_token', /no active instrument has token 4294967295; find one with GET \/instruments\/search/],
      [add(user, id, 0), 'instrument_token', /instrument_token: a whole number from 1/],
      [add(user, id, 1.5), 'instrument_token', /whole number/],
      [add(user, id, String(token(0))), 'instrument_token', /whole number/],
      [add(user, 'nope', token(0)), 'id', /UUID/],
      [asUser(user, `/watchlists/${id}/instruments`, { json: { instrument_tokens: [token(0)] } }), 'instrument_token', /whole number/],
      [put(user, id, [token(0), token(1), token(0)]), 'instrument_tokens', /must not list an instrument twice/],
      [put(user, id, [token(0), 4_294_967_295]), 'instrument_tokens.1', /no active instrument has token 4294967295/],
      [put(user, id, 'all of them'), 'instrument_tokens', /array of instrument tokens/],
      [put(user, id, [token(0), -3]), 'instrument_tokens.1', /whole number from 1/],
      [remove(user, id, 'abc'), 'instrument_token', /whole number from 0 to 4294967295/],
    ];
    for (const [answer, param, message] of cases) {
      const refused = await problem(await answer);
      expect(refused, `${param} ${message}`).toMatchObject({ status: 400, code: 'invalid_parameter', param, message: expect.stringMatching(message) });
    }
    expect(await get(user, id)).toMatchObject({ name: 'Valid', instruments: [] });
    expect((await list(user)).map((w) => w.name)).toEqual(['Valid']);
  });

  it('need the user’s access token to change, and a read credential to read', async () => {
    const user = await newUser();
    const { id } = await create(user, 'Guarded');
    const routes: [string, RequestInit & { json?: unknown }][] = [
      ['/watchlists', {}],
      ['/watchlists', { json: { name: 'x' } }],
      [`/watchlists/${id}`, {}],
      [`/watchlists/${id}`, { method: 'PATCH', json: { name: 'x' } }],
      [`/watchlists/${id}`, { method: 'DELETE' }],
      [`/watchlists/${id}/instruments`, { json: { instrument_token: token(0) } }],
      [`/watchlists/${id}/instruments`, { method: 'PUT', json: { instrument_tokens: [] } }],
      [`/watchlists/${id}/instruments/${token(0)}`, { method: 'DELETE' }],
    ];
    const expired = await accessTokenFor(user, -60);
    for (const [path, init] of routes) {
      const what = `${init.method ?? (init.json ? 'POST' : 'GET')} ${path}`;
      const none = await call(path, init);
      expect(none.status, what).toBe(401);
      expect(none.headers.get('WWW-Authenticate'), what).toMatch(/^Bearer/);
      expect(await problem(await call(path, { ...init, bearer: expired.token })), what).toMatchObject({ status: 401, code: 'token_expired' });
    }

    const reader = await newKey(user, ['read']);
    expect(tokensOf(await ok(await call(`/watchlists/${id}`, { headers: keyAuth(reader) }), Watchlist))).toEqual([]);
    expect((await ok(await call('/watchlists', { headers: keyAuth(reader) }), WatchlistList)).watchlists.map((w) => w.id)).toEqual([id]);
    expect(await problem(await call('/watchlists', { json: { name: 'by key' }, headers: keyAuth(reader) }))).toMatchObject({
      status: 403,
      code: 'forbidden',
      message: expect.stringMatching(/access token/),
    });
    const alertsOnly = await newKey(user, ['alerts']);
    expect(await problem(await call('/watchlists', { headers: keyAuth(alertsOnly) }))).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await list(user)).map((w) => w.name)).toEqual(['Guarded']);
  });
});

describe('an instrument that expires while listed', () => {
  // A database of its own, copied from the synced registry the global setup made: the instruments API tests
  // compare /instruments/stats and list totals with the shared database's rows, so rows added and expired
  // here must not be there (a CI run saw the stats off by these two rows).
  const overrides = { DATABASE_URL: '' };
  const listed = 4_294_960_101;
  const neverActive = 4_294_960_102;
  const own = <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
    openDatabase({ ...edgeConfig(env).database, url: overrides.DATABASE_URL }, 10_000)
      .query<T>(text, values)
      .then((result) => result.rows);
  const asOwnUser = (user: TestUser, path: string, init: CallInit = {}) =>
    callWith(overrides, path, { ip: user.ip, bearer: user.tokens.access_token, ...init });
  const insert = async (token: number, symbol: string, active: boolean) => {
    const [version] = await own<{ id: string }>('SELECT max(id)::text AS id FROM dataset_versions');
    await own(
      `INSERT INTO instruments (instrument_token, exchange_token, tradingsymbol, name, tick_size, lot_size, instrument_type, segment, exchange,
                                is_active, first_seen_version, last_seen_version)
       VALUES ($1, 1, $2, 'WATCHTEST', 0.05, 1, 'FUT', 'NCO', 'NCO', $3, $4, $4)`,
      [token, symbol, active, version?.id],
    );
  };
  beforeAll(async () => {
    const url = new URL(inject('databaseUrl'));
    url.pathname = '/watchlists_expiry';
    await sql('DROP DATABASE IF EXISTS watchlists_expiry WITH (FORCE)');
    await sql(`CREATE DATABASE watchlists_expiry TEMPLATE ${REGISTRY_TEMPLATE} STRATEGY FILE_COPY`);
    overrides.DATABASE_URL = url.toString();
    await insert(listed, 'WATCHTEST26JANFUT', true);
    await insert(neverActive, 'WATCHTEST25DECFUT', false);
  });
  afterAll(async () => {
    if (overrides.DATABASE_URL) await sql('DROP DATABASE IF EXISTS watchlists_expiry WITH (FORCE)');
  });

  it('stays listed in its place with is_active false, can be reordered and removed, and an inactive one cannot be added', async () => {
    const user = await newUserWith(overrides);
    const { id } = await ok(await asOwnUser(user, '/watchlists', { json: { name: 'Futures' } }), Watchlist, 201);
    const addOwn = (t: unknown) => asOwnUser(user, `/watchlists/${id}/instruments`, { json: { instrument_token: t } });
    const putOwn = (tokens: unknown) => asOwnUser(user, `/watchlists/${id}/instruments`, { method: 'PUT', json: { instrument_tokens: tokens } });
    for (const t of [token(0), listed, token(1)]) await ok(await addOwn(t), Watchlist);
    await own('UPDATE instruments SET is_active = false WHERE instrument_token = $1', [listed]);

    const after = await ok(await asOwnUser(user, `/watchlists/${id}`), Watchlist);
    expect(tokensOf(after)).toEqual([token(0), listed, token(1)]);
    expect(after.instruments[1]).toMatchObject({ instrument_token: listed, tradingsymbol: 'WATCHTEST26JANFUT', exchange: 'NCO', is_active: false });
    // A list holding it can still be reordered with it in.
    expect(tokensOf(await ok(await putOwn([listed, token(1), token(0)]), Watchlist))).toEqual([listed, token(1), token(0)]);

    expect(await problem(await addOwn(neverActive))).toMatchObject({
      status: 400,
      param: 'instrument_token',
      message: expect.stringMatching(/no active instrument has token 4294960102/),
    });
    expect(await problem(await putOwn([listed, neverActive]))).toMatchObject({ status: 400, param: 'instrument_tokens.1' });
    const removed = await asOwnUser(user, `/watchlists/${id}/instruments/${listed}`, { method: 'DELETE' });
    expect(tokensOf(await ok(removed, Watchlist))).toEqual([token(1), token(0)]);
  });
});

describe('a deleted user', () => {
  it('takes their watchlists along', async () => {
    const user = await newUser();
    await create(user, 'Gone');
    expect(await sql('SELECT id FROM watchlists WHERE user_id = $1', [user.id])).toHaveLength(1);
    await sql('DELETE FROM users WHERE id = $1', [user.id]);
    expect(await sql('SELECT id FROM watchlists WHERE user_id = $1', [user.id])).toEqual([]);
  });
});
