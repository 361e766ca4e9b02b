import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../../contracts/errors.ts';
import { FnoChain, FnoSummary } from '../../contracts/fno-chain.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { black76Price } from '../../durable-objects/instrument-group/analytics/black76.ts';
import { openDatabase } from '../../storage/database.ts';
import { fullPacket, TestOrigin } from '../../test/workers/test-origin.ts';
import { call, callWith, keyAuth, newKey, newUser, type TestKey } from '../../test/workers/test-users.ts';

/**
 * GET /fno/chain and /fno/summary against the registry the test setup
 * synced from the simulator, with a test origin playing Kite: the first
 * request starts the chain, the origin sees its demand and answers it with
 * full packets priced by Black-76 at a known σ. Underlyings are picked by
 * SQL away from NIFTY and BANKNIFTY, which other files stream.
 */
type Underlying = { name: string; expiry: string; group: string };

const db = () => openDatabase(edgeConfig(env).database, 10_000);
async function pickUnderlyings(count: number): Promise<Underlying[]> {
  const { rows } = await db().query<{ name: string; expiry: string }>(
    `SELECT name, min(expiry)::text AS expiry FROM instruments
     WHERE is_active AND exchange = 'NFO' AND instrument_type = 'CE' AND expiry > current_date + 1
       AND name NOT IN ('NIFTY', 'BANKNIFTY')
     GROUP BY name ORDER BY md5(name || ':fno-routes') LIMIT $1`,
    [count],
  );
  if (rows.length < count) throw new Error(`the test registry has fewer than ${count} underlyings with options`);
  return rows.map((row) => ({ ...row, group: `fno:NFO:${row.name.replace(/[^A-Za-z0-9.-]/g, (c) => `_${c.charCodeAt(0).toString(16).toUpperCase()}`)}` }));
}

const SIGMA = 0.3;
const RATE = 0.065;

let key: TestKey;
let live: Underlying;
let silent: Underlying;
let refused: Underlying;
const get = async (path: string, auth: Record<string, string> = keyAuth(key)) => {
  const response = await call(path, { headers: auth });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
};
const errorOf = (body: unknown) => ErrorBody.parse(body).error;

beforeAll(async () => {
  key = await newKey(await newUser(), ['read']);
  [live, silent, refused] = (await pickUnderlyings(3)) as [Underlying, Underlying, Underlying];
});

/** Answers the chain's demand as Kite would: a full packet of every demanded token, options at σ around the middle strike. */
async function answerDemand(origin: TestOrigin, expiry: string): Promise<number> {
  for (;;) {
    const frame = await origin.next<{ type: string; tokens: Record<string, string> }>();
    if (frame.type !== 'demand' || Object.keys(frame.tokens).length === 0) continue;
    const { rows } = await db().query<{ instrument_token: number; strike: number; instrument_type: 'CE' | 'PE' | 'FUT' }>(
      `SELECT instrument_token::float8 AS instrument_token, strike::float8 AS strike, instrument_type
       FROM instruments WHERE instrument_token = ANY($1::bigint[]) ORDER BY strike`,
      [Object.keys(frame.tokens)],
    );
    const strikes = rows.filter((r) => r.instrument_type !== 'FUT').map((r) => r.strike);
    const forward = strikes[Math.floor(strikes.length / 2)] as number;
    const years = (Date.parse(`${expiry}T10:00:00Z`) - Date.now()) / (365 * 86_400_000);
    origin.sendBatch(
      rows.map((r) =>
        r.instrument_type === 'FUT'
          ? fullPacket(r.instrument_token, { last: forward })
          : fullPacket(r.instrument_token, {
              last: Math.max(0.05, Math.round(black76Price(r.instrument_type, forward, r.strike, years, SIGMA, RATE) * 20) / 20),
              oi: 100,
            }),
      ),
    );
    return forward;
  }
}

describe('GET /fno/chain', () => {
  it('starts a chain on the first request and answers it with live prices once its ticks arrive', async () => {
    const origin = await TestOrigin.connect(`/origin/groups/${live.group}`);
    const answer = get(`/fno/chain?name=${encodeURIComponent(live.name)}&expiry=${live.expiry}`);
    const forward = await answerDemand(origin, live.expiry);
    const { status, headers, body } = await answer;
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    const chain = FnoChain.parse(body);
    expect(chain).toMatchObject({ name: live.name, expiry: live.expiry, forward, rate: RATE, atm_strike: forward });
    const atm = chain.strikes.find((row) => row.strike === forward);
    expect(Math.abs((atm?.CE?.iv ?? 0) - 100 * SIGMA)).toBeLessThan(0.5);

    // Already streaming: a window of two strikes each side, straight from the group.
    const window = await get(`/fno/chain?name=${encodeURIComponent(live.name)}&expiry=${live.expiry}&strikes=2`);
    expect(window.status).toBe(200);
    expect(FnoChain.parse(window.body).strikes.map((row) => row.strike)).toHaveLength(5);

    const summary = await get(`/fno/summary?name=${encodeURIComponent(live.name)}`);
    expect(summary.status).toBe(200);
    expect(FnoSummary.parse(summary.body).expiries).toEqual([expect.objectContaining({ expiry: live.expiry, forward, atm_strike: forward })]);
    origin.close();
  });

  it('answers chain_starting (503, Retry-After) when no tick arrives within the wait', async () => {
    const { status, headers, body } = await get(`/fno/chain?name=${encodeURIComponent(silent.name)}&expiry=${silent.expiry}`);
    expect(status).toBe(503);
    expect(headers.get('retry-after')).toBe('1');
    expect(errorOf(body)).toMatchObject({ code: 'chain_starting', message: expect.stringContaining(`${silent.name} ${silent.expiry} is starting`) });
  });

  it('answers kite_capacity (503) with how many contracts Kite refused, as soon as the origin reports them', async () => {
    const origin = await TestOrigin.connect(`/origin/groups/${refused.group}`);
    const answer = get(`/fno/chain?name=${encodeURIComponent(refused.name)}&expiry=${refused.expiry}`);
    let tokens: string[] = [];
    while (tokens.length === 0) {
      const frame = await origin.next<{ type: string; tokens: Record<string, string> }>();
      if (frame.type === 'demand') tokens = Object.keys(frame.tokens);
    }
    origin.sendJson({ type: 'capacity', rejected: tokens.slice(0, 4).map((token) => ({ token: Number(token), reason: 'every connection is full' })) });
    const { status, body } = await answer;
    expect(status).toBe(503);
    expect(errorOf(body)).toMatchObject({
      code: 'kite_capacity',
      refused: 4,
      message: expect.stringContaining(`Kite could not subscribe 4 of its ${tokens.length} contracts of ${refused.name} ${refused.expiry}`),
    });
    origin.close();
  });

  it('refuses an FNO_RATE outside 0–0.5, naming it', async () => {
    const response = await callWith({ FNO_RATE: '6.5' }, `/fno/chain?name=NIFTY&expiry=2026-01-27`, { headers: keyAuth(key) });
    expect(response.status).toBe(503);
    expect(errorOf(await response.json())).toMatchObject({
      code: 'config_invalid',
      problems: [{ variable: 'FNO_RATE', problem: expect.stringContaining('at most 0.5') }],
    });
  });

  it('404s an unknown underlying, and an expiry that is not listed with the ones that are', async () => {
    const unknown = await get('/fno/chain?name=NOSUCHNAME&expiry=2026-01-27');
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.body)).toMatchObject({
      code: 'unknown_chain',
      expiries: [],
      message: expect.stringContaining('no options of NOSUCHNAME are listed'),
    });

    const wrong = await get(`/fno/chain?name=${encodeURIComponent(live.name)}&expiry=2001-01-01`);
    expect(wrong.status).toBe(404);
    const error = errorOf(wrong.body);
    expect(error.code).toBe('unknown_chain');
    expect(error.expiries).toContain(live.expiry);
    expect(error.message).toContain(`no options of ${live.name} expire on 2001-01-01; the listed expiries are `);
  });

  it('names the parameter at fault with a 400', async () => {
    for (const [query, param, rule] of [
      ['expiry=2026-01-27', 'name', ''],
      ['name=NIFTY', 'expiry', ''],
      ['name=NIFTY&expiry=27-01-2026', 'expiry', 'YYYY-MM-DD'],
      ['name=nifty 50&expiry=2026-01-27', 'name', 'as Kite names'],
      ['name=NIFTY&expiry=2026-01-27&strikes=-1', 'strikes', 'at least 0'],
      ['name=NIFTY&expiry=2026-01-27&strikes=2.5', 'strikes', 'whole number'],
      ['name=NIFTY&expiry=2026-01-27&depth=5', 'depth', 'unknown parameter'],
    ] as const) {
      const { status, body } = await get(`/fno/chain?${query}`);
      expect(status, query).toBe(400);
      expect(errorOf(body), query).toMatchObject({ code: 'invalid_parameter', param, message: expect.stringContaining(rule) });
    }
    const summary = await get('/fno/summary?expiry=2026-01-27&name=NIFTY');
    expect(errorOf(summary.body)).toMatchObject({ code: 'invalid_parameter', param: 'expiry' });
  });

  it('needs the read scope', async () => {
    expect((await get('/fno/chain?name=NIFTY&expiry=2026-01-27', {})).status).toBe(401);
    expect((await get('/fno/summary?name=NIFTY', {})).status).toBe(401);
  });
});

describe('GET /fno/summary', () => {
  it('404s an underlying without options', async () => {
    const { status, body } = await get('/fno/summary?name=NOSUCHNAME');
    expect(status).toBe(404);
    expect(errorOf(body).code).toBe('unknown_chain');
  });
});
