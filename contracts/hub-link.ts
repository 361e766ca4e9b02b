import { z } from 'zod';
import { CandleInterval, CandleShape } from './candles.ts';
import { FeedState, MAX_CHAIN_WINDOW } from './client-protocol.ts';
import { FnoChain, FnoChainUpdate } from './fno-chain.ts';
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
 * Option chains (an `fno` group's, docs/fno.md) ride the same link:
 *   hub → group  JSON `chains`: every chain stream the hub's sessions hold
 *                on this group (expiry and window), whole, after each
 *                `want` and whenever it changes. The hub starts a chain
 *                (the group's `startChain` RPC) before naming it here.
 *   group → hub  JSON `chain`: a stream's whole chain, when the hub first
 *                names the stream (or the group has none yet, with the
 *                first it computes); then `chain_update`, what changed
 *                (chainDelta), at most once a second per chain.
 *
 * Candles (docs/candles.md) too:
 *   hub → group  JSON `candles`: every (token, interval) candle stream the
 *                hub's sessions hold on this group, whole, after each
 *                connect and whenever it changes; the group streams those
 *                tokens in full mode for as long as some hub names them.
 *   group → hub  JSON `candle`: a stream's forming candle when it is named
 *                and at most once a second while it changes; `closed: true`
 *                once its interval ended.
 *
 * Packets travel in the richest mode wanted; the hub cuts each down to a
 * session's mode (Kite's lower modes are prefixes of the richer packets).
 */
export const HUB_LINK_PATH = '/hub-link';
/** Header naming the hub on the link request (the group keys the hub's demand by it). */
export const HUB_NAME_HEADER = 'X-Hub-Name';

export const MAX_HUB_TOKENS_PER_GROUP = 20_000;

const Tokens = z.array(z.number().int().nonnegative()).max(MAX_HUB_TOKENS_PER_GROUP);

/** Chain streams one hub may hold on one group (its sessions' distinct expiry and window pairs). */
export const MAX_HUB_CHAIN_STREAMS = 200;

const Window = z.number().int().min(0).max(MAX_CHAIN_WINDOW).nullable();
export const ChainStreamKey = z.object({ expiry: z.iso.date(), window: Window });
export type ChainStreamKey = z.infer<typeof ChainStreamKey>;

/** Candle streams one hub may hold on one group (its sessions' distinct instrument and interval pairs). */
export const MAX_HUB_CANDLE_STREAMS = 5_000;
export const CandleStreamKey = z.object({ token: z.number().int().min(1).max(0xffffffff), interval: CandleInterval });
export type CandleStreamKey = z.infer<typeof CandleStreamKey>;

export const HubToGroup = z.discriminatedUnion('type', [
  z.object({ type: z.literal('want'), tokens: Demand, snapshot: Tokens }),
  z.object({ type: z.literal('chains'), streams: z.array(ChainStreamKey).max(MAX_HUB_CHAIN_STREAMS) }),
  z.object({ type: z.literal('candles'), streams: z.array(CandleStreamKey).max(MAX_HUB_CANDLE_STREAMS) }),
  z.object({ type: z.literal('change'), set: Demand, drop: Tokens, snapshot: Tokens }),
]);
export type HubToGroup = z.infer<typeof HubToGroup>;

export const GroupStatus = z.object({ type: z.literal('status'), state: FeedState, reason: z.string().max(500).optional(), at: z.number() });
export type GroupStatus = z.infer<typeof GroupStatus>;
/** Group → hub text frames (the tick batches are binary). */
export const GroupChain = z.object({ type: z.literal('chain'), window: Window, chain: FnoChain });
export const GroupChainUpdate = z.object({ type: z.literal('chain_update'), window: Window, update: FnoChainUpdate });
/** A candle stream's candle: forming (at most once a second) or `closed` (its interval ended). */
export const GroupCandle = z.object({ type: z.literal('candle'), token: z.number().int(), interval: CandleInterval, closed: z.boolean(), candle: CandleShape });
export const GroupToHub = z.discriminatedUnion('type', [GroupStatus, GroupChain, GroupChainUpdate, GroupCandle]);
export type GroupToHub = z.infer<typeof GroupToHub>;
