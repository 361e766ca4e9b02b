import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { ConsumerName, type LatestPacket, MAX_CONSUMER_TOKENS } from '../../contracts/group-state.ts';
import { hubConfig } from '../../contracts/hub-config.ts';
import { type GroupKey, parseGroupKey } from '../../contracts/instrument-group.ts';
import { LeaseRequest } from '../../contracts/origin-lease.ts';
import { Demand } from '../../contracts/origin-link.ts';
import { feedControl, instrumentGroup, sessionHub } from '../../durable-objects/stubs.ts';
import { type AuthEnv, requires } from '../auth/policy.ts';
import { ADMIN, ORIGIN } from '../auth/principal.ts';
import { InvalidParameter } from '../errors.ts';
import { parseBody, parsePathParam, parseQuery } from '../validate.ts';
import { refuseNonLinkUpgrade } from './link-auth.ts';

/**
 * The origin's side of the edge (docs/origin-link.md). Every /origin route
 * needs `Authorization: Bearer <ORIGIN_LINK_SECRET>` and takes nothing else.
 *
 * The links are WebSockets handed whole to their Durable Object
 * (`stub.fetch(c.req.raw)`), which accepts them with the Hibernation API:
 *
 *   GET    /origin/feed                              the feed link → FeedControl
 *   GET    /origin/groups/:group                     a group link → InstrumentGroup :group
 *   POST   /origin/lease                             take, renew or give up the origin lease (FeedControl)
 *
 * Each link carries the active origin's fencing token (X-Origin-Fencing-Token);
 * the object refuses one that is not the current lease's (4002).
 *
 * Operator routes, for admins (an admin's access token, or an API key with
 * scope admin: docs/auth.md):
 *
 *   GET    /internal/feed                            FeedControl's view (feedHealth)
 *   GET    /internal/groups/:group                   the group's state
 *   GET    /internal/groups/:group/latest?tokens=    its latest packets (base64), all or some
 *   PUT    /internal/groups/:group/demand/:consumer  set a consumer's demand: {"tokens":{"<token>":"full"}}
 *   DELETE /internal/groups/:group/demand/:consumer  remove that consumer's demand
 *   POST   /internal/groups/:group/restart           reset the object (it reloads its snapshot)
 *   GET    /internal/hubs/:hub                       a session hub's state (hub-0 … hub-<HUB_SHARDS - 1>)
 *   POST   /internal/hubs/:hub/restart               reset the hub: its sockets close, their sessions can be resumed
 */
export const originLink = new Hono<AuthEnv>();
originLink.use('*', requires(ORIGIN));

originLink.get('/feed', (c) => refuseNonLinkUpgrade(c) ?? feedControl(c.env).fetch(c.req.raw));

originLink.get('/groups/:group', (c) => {
  const group = groupParam(c);
  return refuseNonLinkUpgrade(c) ?? instrumentGroup(c.env, group).fetch(c.req.raw);
});

originLink.post('/lease', async (c) => c.json(await feedControl(c.env).lease(await parseBody(c, LeaseRequest))));

export const internal = new Hono<AuthEnv>();
internal.use('*', requires(ADMIN));

internal.get('/feed', async (c) => c.json(await feedControl(c.env).feedHealth()));

internal.get('/groups/:group', async (c) => c.json(await instrumentGroup(c.env, groupParam(c)).state()));

const MAX_LATEST_TOKENS = 1_000;
const LatestQuery = z.strictObject({
  tokens: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be instrument tokens separated by commas, e.g. 256265,260105')
    .transform((list) => [...new Set(list.split(',').map(Number))])
    .refine((tokens) => tokens.every((t) => t <= 0xffffffff), 'every token must fit 32 bits')
    .refine((tokens) => tokens.length <= MAX_LATEST_TOKENS, `at most ${MAX_LATEST_TOKENS} tokens`)
    .optional(),
});

internal.get('/groups/:group/latest', async (c) => {
  const group = groupParam(c);
  const { tokens } = parseQuery(c, LatestQuery);
  const latest = await instrumentGroup(c.env, group).latest(tokens);
  const held = new Set(latest.map((packet: LatestPacket) => packet.token));
  return c.json({ group, latest, ...(tokens ? { missing: tokens.filter((t) => !held.has(t)) } : {}) });
});

const DemandBody = z.strictObject({
  tokens: Demand.refine((tokens) => Object.keys(tokens).length <= MAX_CONSUMER_TOKENS, `at most ${MAX_CONSUMER_TOKENS} tokens per consumer`),
});

internal.put('/groups/:group/demand/:consumer', async (c) => {
  const group = groupParam(c);
  const consumer = consumerParam(c);
  const { tokens } = await parseBody(c, DemandBody);
  return c.json(await instrumentGroup(c.env, group).setDemand(consumer, tokens));
});

internal.delete('/groups/:group/demand/:consumer', async (c) => {
  const group = groupParam(c);
  return c.json(await instrumentGroup(c.env, group).setDemand(consumerParam(c), {}));
});

internal.post('/groups/:group/restart', async (c) => {
  const group = groupParam(c);
  try {
    await instrumentGroup(c.env, group).restart();
  } catch (error) {
    // The object resets itself in the middle of the call, so the call itself fails by design.
    if (!String(error).includes('restart requested')) throw error;
  }
  return c.json({ group, restarted: true, state: await instrumentGroup(c.env, group).state() });
});

internal.get('/hubs/:hub', async (c) => c.json(await sessionHub(c.env, hubParam(c)).state()));

internal.post('/hubs/:hub/restart', async (c) => {
  const hub = hubParam(c);
  try {
    await sessionHub(c.env, hub).restart();
  } catch (error) {
    if (!String(error).includes('restart requested')) throw error;
  }
  return c.json({ hub, restarted: true, state: await sessionHub(c.env, hub).state() });
});

function hubParam(c: Context): string {
  const hub = c.req.param('hub') ?? '';
  const shards = hubConfig(c.env).shards;
  const n = /^hub-(0|[1-9]\d{0,3})$/.exec(hub)?.[1];
  // Only the hubs sessions are placed on: any other name would create an empty object.
  if (n === undefined || Number(n) >= shards) throw new InvalidParameter('hub', `${JSON.stringify(hub)} is not a session hub: hub-0 … hub-${shards - 1}`);
  return hub;
}

function groupParam(c: Context): GroupKey {
  const group = c.req.param('group') ?? '';
  if (!parseGroupKey(group)) {
    throw new InvalidParameter('group', `${JSON.stringify(group)} is not an instrument group key (e.g. index:NSE, fno:NFO:NIFTY, cash:NSE:07)`);
  }
  return group;
}

function consumerParam(c: Context): string {
  return parsePathParam(c, 'consumer', ConsumerName);
}
