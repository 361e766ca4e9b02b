import { z } from 'zod';
import { FeedState } from './client-protocol.ts';
import { Demand } from './origin-link.ts';

/**
 * The link from a SessionHub to an InstrumentGroup (docs/websocket.md,
 * "inside the edge"): one WebSocket per (hub, group) pair, opened by the
 * hub through the group's stub, so a group sends one batch per hub and not
 * one per client.
 *
 *   hub → group  JSON `want`, on every (re)connect: the hub's whole demand
 *                on this group (the union of its sessions' subscriptions,
 *                each token in the richest mode any session wants), and
 *                the tokens whose latest packet the hub needs now (new
 *                subscriptions). JSON `change`, after that: only what moved
 *                (tokens added or re-moded, tokens dropped) and the
 *                snapshots to send, so a session subscribing costs the
 *                size of its subscription, not of the hub's whole demand.
 *   group → hub  binary tick batches (contracts/origin-link.ts): kind 1,
 *                live packets of wanted tokens as they arrive; kind 2, the
 *                snapshot answering a `want` (always sent when asked, empty
 *                when the group holds none of them).
 *                JSON `status`: the group's feed state, on connect and on
 *                every change.
 *
 * Packets travel in the richest mode wanted; the hub cuts each down to a
 * session's mode (Kite's lower modes are prefixes of the richer packets).
 */
export const HUB_LINK_PATH = '/hub-link';
/** Header naming the hub on the link request (the group keys the hub's demand by it). */
export const HUB_NAME_HEADER = 'X-Hub-Name';

export const MAX_HUB_TOKENS_PER_GROUP = 20_000;

const Tokens = z.array(z.number().int().nonnegative()).max(MAX_HUB_TOKENS_PER_GROUP);

export const HubToGroup = z.discriminatedUnion('type', [
  z.object({ type: z.literal('want'), tokens: Demand, snapshot: Tokens }),
  z.object({ type: z.literal('change'), set: Demand, drop: Tokens, snapshot: Tokens }),
]);
export type HubToGroup = z.infer<typeof HubToGroup>;

export const GroupStatus = z.object({ type: z.literal('status'), state: FeedState, reason: z.string().max(500).optional(), at: z.number() });
export type GroupStatus = z.infer<typeof GroupStatus>;
/** Group → hub text frames (the tick batches are binary). */
export const GroupToHub = z.discriminatedUnion('type', [GroupStatus]);
export type GroupToHub = z.infer<typeof GroupToHub>;
