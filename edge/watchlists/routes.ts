import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { NoQuery, TokenParam } from '../../contracts/instruments-api.ts';
import { Watchlist, WatchlistAdd, WatchlistInstruments, WatchlistList, WatchlistNameBody } from '../../contracts/watchlists.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { type Database, openDatabase } from '../../storage/database.ts';
import { resolveInstruments } from '../../storage/resolve-instruments.ts';
import {
  addInstrument,
  createWatchlist,
  deleteWatchlist,
  findWatchlist,
  listWatchlists,
  type Refusal,
  removeInstrument,
  renameWatchlist,
  setInstruments,
} from '../../storage/watchlists.ts';
import { type AuthEnv, principalOf, requires } from '../auth/policy.ts';
import { SESSION, scope } from '../auth/principal.ts';
import { errorResponse, InvalidParameter } from '../errors.ts';
import { invalidParameter, json, noContent, problem, route } from '../openapi/describe.ts';
import { parseBody, parsePathParam, parseQuery } from '../validate.ts';

/**
 * Watchlists (docs/watchlists.md): route → schema (contracts/watchlists.ts)
 * → Postgres (storage/watchlists.ts, one statement per change) → the
 * watchlist, its instruments resolved from the registry in the user's order.
 *
 *   GET    /watchlists                                 the user's watchlists, in the order they were made
 *   POST   /watchlists                  {name}         201 a new, empty one
 *   GET    /watchlists/:id                             one
 *   PATCH  /watchlists/:id              {name}         rename it
 *   DELETE /watchlists/:id                             204
 *   POST   /watchlists/:id/instruments  {instrument_token}   append one (already listed: unchanged)
 *   DELETE /watchlists/:id/instruments/:instrument_token      remove one (not listed: unchanged)
 *   PUT    /watchlists/:id/instruments  {instrument_tokens}  replace the list (reorder it)
 *
 * Access: reading takes an access token or an API key with scope `read`;
 * changing takes the user's access token (there is no scope that grants
 * writing them, and a read-only key must not). Another user's watchlist
 * answers 404 watchlist_not_found, exactly like an id that does not exist.
 */
export const watchlists = new OpenAPIHono<AuthEnv>();
const READ = requires(scope('read'), { limit: 'api' });
const OWN_SESSION = requires(SESSION, { limit: 'api' });

const WatchlistId = z.uuid('must be a watchlist id (a UUID)');
const IdParams = z.object({ id: WatchlistId });

const EXAMPLE: Watchlist = {
  id: '3d6f1b2a-7c4e-4f9a-8b1d-2e5c6a7b8c9d',
  name: 'Banks',
  instruments: [
    {
      instrument_token: 341249,
      exchange_token: 1333,
      tradingsymbol: 'HDFCBANK',
      name: 'HDFC BANK',
      last_price: 0,
      expiry: null,
      strike: 0,
      tick_size: 0.05,
      lot_size: 1,
      instrument_type: 'EQ',
      segment: 'NSE',
      exchange: 'NSE',
      is_active: true,
    },
  ],
  created_at: '2026-01-05T09:45:12.000Z',
  updated_at: '2026-01-05T09:47:30.000Z',
};
const NO_LIST = problem('the caller has no such watchlist (another user’s answers the same)', 'watchlist_not_found', `you have no watchlist ${EXAMPLE.id}`);
const BAD_ID = invalidParameter('id', 'must be a watchlist id (a UUID)');
const NAME_TAKEN = problem('the user has a watchlist of that name already (case aside)', 'watchlist_name_taken', 'you have a watchlist named "Banks" already');
const instrumentBody = (schema: z.ZodType, example: unknown) => ({
  params: IdParams,
  body: { required: true, content: { 'application/json': { schema, example } } },
});

route(
  watchlists,
  createRoute({
    method: 'get',
    path: '/',
    tags: ['watchlists'],
    summary: 'The user’s watchlists, in the order they were made',
    request: { query: NoQuery },
    responses: {
      200: json(WatchlistList, 'the watchlists with their instruments', { watchlists: [EXAMPLE] }),
      400: invalidParameter('x', 'unknown parameter; this route takes none'),
    },
  }),
  READ,
  async (c) => {
    parseQuery(c, NoQuery);
    return c.json({ watchlists: await listWatchlists(database(c), principalOf(c).userId) });
  },
);

route(
  watchlists,
  createRoute({
    method: 'post',
    path: '/',
    tags: ['watchlists'],
    summary: 'Create an empty watchlist',
    request: { body: { required: true, content: { 'application/json': { schema: WatchlistNameBody, example: { name: 'Banks' } } } } },
    responses: {
      201: json(Watchlist, 'the new watchlist', { ...EXAMPLE, instruments: [], updated_at: EXAMPLE.created_at }),
      400: invalidParameter('name', 'must be at most 40 characters'),
      409: problem(
        'the name is taken (`watchlist_name_taken`), or the user holds as many watchlists as one may (`limit_exceeded`)',
        'limit_exceeded',
        'a user may hold 10 watchlists: delete one first',
      ),
    },
  }),
  OWN_SESSION,
  async (c) => {
    const { name } = await parseBody(c, WatchlistNameBody);
    const created = await createWatchlist(database(c), edgeConfig(c.env).watchlists, principalOf(c).userId, name);
    return 'refused' in created ? refusal(c, created, { name }) : c.json(created, 201);
  },
);

route(
  watchlists,
  createRoute({
    method: 'get',
    path: '/{id}',
    tags: ['watchlists'],
    summary: 'One watchlist',
    request: { params: IdParams, query: NoQuery },
    responses: { 200: json(Watchlist, 'the watchlist', EXAMPLE), 400: BAD_ID, 404: NO_LIST },
  }),
  READ,
  async (c) => {
    parseQuery(c, NoQuery);
    const id = watchlistId(c);
    const found = await findWatchlist(database(c), principalOf(c).userId, id);
    return found ? c.json(found) : notFound(c, id);
  },
);

route(
  watchlists,
  createRoute({
    method: 'patch',
    path: '/{id}',
    tags: ['watchlists'],
    summary: 'Rename a watchlist',
    request: { params: IdParams, body: { required: true, content: { 'application/json': { schema: WatchlistNameBody, example: { name: 'Private banks' } } } } },
    responses: {
      200: json(Watchlist, 'the renamed watchlist', { ...EXAMPLE, name: 'Private banks' }),
      400: invalidParameter('name', 'must not be empty'),
      404: NO_LIST,
      409: NAME_TAKEN,
    },
  }),
  OWN_SESSION,
  async (c) => {
    const id = watchlistId(c);
    const { name } = await parseBody(c, WatchlistNameBody);
    const renamed = await renameWatchlist(database(c), principalOf(c).userId, id, name);
    return 'refused' in renamed ? refusal(c, renamed, { id, name }) : c.json(renamed);
  },
);

route(
  watchlists,
  createRoute({
    method: 'delete',
    path: '/{id}',
    tags: ['watchlists'],
    summary: 'Delete a watchlist',
    request: { params: IdParams },
    responses: { 204: noContent('deleted'), 400: BAD_ID, 404: NO_LIST },
  }),
  OWN_SESSION,
  async (c) => {
    const id = watchlistId(c);
    return (await deleteWatchlist(database(c), principalOf(c).userId, id)) ? c.body(null, 204) : notFound(c, id);
  },
);

route(
  watchlists,
  createRoute({
    method: 'post',
    path: '/{id}/instruments',
    tags: ['watchlists'],
    summary: 'Append an instrument (one already listed stays where it is)',
    request: instrumentBody(WatchlistAdd, { instrument_token: 341249 }),
    responses: {
      200: json(Watchlist, 'the watchlist', EXAMPLE),
      400: invalidParameter('instrument_token', 'no active instrument has token 1; find one with GET /instruments/search?q=…'),
      404: NO_LIST,
      409: problem('the watchlist holds as many instruments as one may', 'limit_exceeded', 'a watchlist may hold 100 instruments: remove one first'),
    },
  }),
  OWN_SESSION,
  async (c) => {
    const id = watchlistId(c);
    const { instrument_token: token } = await parseBody(c, WatchlistAdd);
    const db = database(c);
    const { unknown } = await resolveInstruments(db, [token]);
    const added = await addInstrument(db, edgeConfig(c.env).watchlists, principalOf(c).userId, id, token, unknown.length === 0);
    return 'refused' in added ? refusal(c, added, { id, tokenParam: () => 'instrument_token' }) : c.json(added);
  },
);

route(
  watchlists,
  createRoute({
    method: 'put',
    path: '/{id}/instruments',
    tags: ['watchlists'],
    summary: 'Replace a watchlist’s instruments (to reorder them, say)',
    request: instrumentBody(WatchlistInstruments, { instrument_tokens: [341249, 1270529] }),
    responses: {
      200: json(Watchlist, 'the watchlist, in the order given', EXAMPLE),
      400: invalidParameter('instrument_tokens', 'must not list an instrument twice'),
      404: NO_LIST,
      409: problem('more instruments than a watchlist may hold', 'limit_exceeded', 'a watchlist may hold 100 instruments: this list has 120'),
    },
  }),
  OWN_SESSION,
  async (c) => {
    const id = watchlistId(c);
    const { instrument_tokens: tokens } = await parseBody(c, WatchlistInstruments);
    const { instruments: max } = edgeConfig(c.env).watchlists;
    if (tokens.length > max) return errorResponse(c, 409, 'limit_exceeded', `a watchlist may hold ${max} instruments: this list has ${tokens.length}`);
    const db = database(c);
    const { unknown } = await resolveInstruments(db, tokens);
    const set = await setInstruments(db, principalOf(c).userId, id, tokens, unknown.map(Number));
    return 'refused' in set ? refusal(c, set, { id, tokenParam: (token) => `instrument_tokens.${tokens.indexOf(token)}` }) : c.json(set);
  },
);

route(
  watchlists,
  createRoute({
    method: 'delete',
    path: '/{id}/instruments/{instrument_token}',
    tags: ['watchlists'],
    summary: 'Remove an instrument (one not listed: nothing changes)',
    request: { params: IdParams.extend({ instrument_token: TokenParam }) },
    responses: {
      200: json(Watchlist, 'the watchlist', { ...EXAMPLE, instruments: [] }),
      400: invalidParameter('instrument_token', 'must be an instrument_token: a whole number from 0 to 4294967295'),
      404: NO_LIST,
    },
  }),
  OWN_SESSION,
  async (c) => {
    const id = watchlistId(c);
    const token = Number(parsePathParam(c, 'instrument_token', TokenParam));
    const removed = await removeInstrument(database(c), principalOf(c).userId, id, token);
    return 'refused' in removed ? refusal(c, removed, { id }) : c.json(removed);
  },
);

// ---- helpers of these routes ----

function database(c: Context<AuthEnv>): Database {
  const config = edgeConfig(c.env);
  return openDatabase(config.database, config.queryTimeoutMs);
}

function watchlistId(c: Context<AuthEnv>): string {
  return parsePathParam(c, 'id', WatchlistId);
}

/** What a refused change answers: `asked` is what the request named, for the message (`tokenParam`: where it gave a token). */
function refusal(c: Context<AuthEnv>, refused: Refusal, asked: { id?: string; name?: string; tokenParam?: (token: number) => string }): Response {
  switch (refused.refused) {
    case 'not_found':
      return notFound(c, asked.id ?? '');
    case 'name_taken':
      return errorResponse(
        c,
        409,
        'watchlist_name_taken',
        `you have a watchlist named ${JSON.stringify(asked.name)} already (names are compared without regard to case)`,
      );
    case 'limit':
      return refused.limit === 'watchlists'
        ? errorResponse(c, 409, 'limit_exceeded', `a user may hold ${refused.max} watchlists: delete one first`)
        : errorResponse(c, 409, 'limit_exceeded', `a watchlist may hold ${refused.max} instruments: remove one first`);
    case 'unknown_instruments': {
      const token = refused.tokens[0] ?? 0;
      throw new InvalidParameter(
        asked.tokenParam?.(token) ?? 'instrument_token',
        `no active instrument has token ${token}; find one with GET /instruments/search?q=…`,
      );
    }
  }
}

const notFound = (c: Context<AuthEnv>, id: string) => errorResponse(c, 404, 'watchlist_not_found', `you have no watchlist ${id}`);
