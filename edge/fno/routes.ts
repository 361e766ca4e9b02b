import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type ChainAnswer, FnoChain, FnoSummary } from '../../contracts/fno-chain.ts';
import { type GroupedInstrument, instrumentGroup as groupKeyOf } from '../../contracts/instrument-group.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { instrumentGroup } from '../../durable-objects/stubs.ts';
import { openDatabase } from '../../storage/database.ts';
import { listedExpiries, resolveChain } from '../../storage/resolve-chain.ts';
import { type AuthEnv, requires } from '../auth/policy.ts';
import { scope } from '../auth/principal.ts';
import { errorResponse } from '../errors.ts';
import { invalidParameter, json, problem, route } from '../openapi/describe.ts';
import { parseQuery } from '../validate.ts';
import { ChainQuery, SummaryQuery } from './query.ts';

/**
 * The live option chain (docs/fno.md), computed by the underlying's `fno`
 * group Durable Object:
 *
 *   GET /fno/chain?name=&expiry=[&strikes=N]   one expiry's chain (FnoChain)
 *   GET /fno/summary?name=                     the term structure of the streaming expiries
 *
 * A chain the group is not streaming is started here: its definition
 * resolved from Postgres (storage/resolve-chain.ts) and handed to the group,
 * which subscribes its contracts and answers once the first ticks have
 * arrived (CHAIN_WAIT_MS at most). Live data: never cached.
 */
export const fno = new OpenAPIHono<AuthEnv>();
fno.use('*', requires(scope('read'), { limit: 'api' }));

/** How long a first request waits for a new chain's first ticks before answering `chain_starting`. */
export const CHAIN_WAIT_MS = 5_000;

route(
  fno,
  createRoute({
    method: 'get',
    path: '/chain',
    tags: ['fno'],
    summary: 'The live option chain of one expiry: greeks, IV, OI, max pain, PCR',
    description: 'A chain not streaming yet is started and answered once its first ticks arrive (docs/fno.md).',
    request: { query: ChainQuery },
    responses: {
      200: json(FnoChain, 'the chain at `as_of`, rows in ascending strike'),
      400: invalidParameter('expiry', 'must be a date YYYY-MM-DD'),
      404: problem(
        'no option of the underlying expires that day: `expiries` lists those that do',
        'unknown_chain',
        'no options of NIFTY expire on 2026-01-30; the listed expiries are 2026-01-29, 2026-02-26',
        {
          expiries: ['2026-01-29', '2026-02-26'],
        },
      ),
      503: problem(
        'the chain is starting (`chain_starting`, retry after `Retry-After`), Kite cannot take its contracts (`kite_capacity`, `refused` counts them), or the platform is misconfigured or its database unavailable',
        'chain_starting',
        'the chain of NIFTY 2026-01-29 is starting: no tick of its contracts arrived within 5 s; retry',
      ),
    },
  }),
  async (c) => {
    const query = parseQuery(c, ChainQuery);
    const config = edgeConfig(c.env);
    // The group is named by the underlying; NSE's derivatives (NFO) first, as nearly every chain is there.
    let answer: ChainAnswer | undefined = await instrumentGroup(c.env, groupKeyOf(nfoContract(query.name))).chain(query.expiry, query.strikes, CHAIN_WAIT_MS);
    let chainSize: number | undefined;
    if (answer === undefined) {
      const resolved = await resolveChain(openDatabase(config.database, config.queryTimeoutMs), query.name, query.expiry, config.fnoRate);
      if (!resolved.found) return unknownChain(c, query.name, query.expiry, resolved.expiries);
      chainSize = resolved.definition.options.length + (resolved.definition.future ? 1 : 0);
      answer = await instrumentGroup(c.env, resolved.group).startChain(resolved.definition, query.strikes, CHAIN_WAIT_MS);
    }
    c.header('Cache-Control', 'no-store');
    if (answer.refused > 0) {
      const of = chainSize === undefined ? '' : ` of its ${chainSize}`;
      return errorResponse(
        c,
        503,
        'kite_capacity',
        `Kite could not subscribe ${answer.refused}${of} contracts of ${query.name} ${query.expiry}: the accounts' connections are full (3 connections × 3000 instruments each, counting what is already streamed); unsubscribe something, or add an account`,
        { refused: answer.refused },
      );
    }
    if (answer.chain === null) {
      c.header('Retry-After', '1');
      return errorResponse(
        c,
        503,
        'chain_starting',
        `the chain of ${query.name} ${query.expiry} is starting: no tick of its contracts arrived within ${CHAIN_WAIT_MS / 1000} s; retry`,
      );
    }
    return c.json(answer.chain satisfies FnoChain);
  },
);

route(
  fno,
  createRoute({
    method: 'get',
    path: '/summary',
    tags: ['fno'],
    summary: 'The term structure: every streaming expiry of an underlying, nearest first',
    request: { query: SummaryQuery },
    responses: {
      200: json(FnoSummary, 'the expiries being streamed (empty when none is)'),
      400: invalidParameter('name', 'must not be empty'),
      404: problem(
        'no options of the underlying are listed',
        'unknown_chain',
        'no options of NOSUCH are listed (name is the underlying as Kite names its derivatives: NIFTY, BANKNIFTY, RELIANCE)',
        { expiries: [] },
      ),
    },
  }),
  async (c) => {
    const query = parseQuery(c, SummaryQuery);
    const config = edgeConfig(c.env);
    const summary: FnoSummary = await instrumentGroup(c.env, groupKeyOf(nfoContract(query.name))).chainSummary();
    if (summary.expiries.length === 0) {
      // Nothing streaming: an underlying that has no options deserves a 404, one that has them an empty term structure.
      const expiries = await listedExpiries(openDatabase(config.database, config.queryTimeoutMs), query.name);
      if (expiries.length === 0) return unknownChain(c, query.name, undefined, expiries);
    }
    c.header('Cache-Control', 'no-store');
    return c.json(summary);
  },
);

/** What the group key of an underlying's NSE derivatives is computed from. */
function nfoContract(name: string): GroupedInstrument {
  return { instrument_token: 0, name, exchange: 'NFO', segment: 'NFO-OPT', instrument_type: 'CE' };
}

function unknownChain(c: Context<AuthEnv>, name: string, expiry: string | undefined, expiries: string[]): Response {
  const message =
    expiries.length === 0
      ? `no options of ${name} are listed (name is the underlying as Kite names its derivatives: NIFTY, BANKNIFTY, RELIANCE)`
      : `no options of ${name} expire on ${expiry}; the listed expiries are ${expiries.join(', ')}`;
  return errorResponse(c, 404, 'unknown_chain', message, { expiries });
}
