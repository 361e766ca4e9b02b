import { z } from 'zod';
import type { GroupKey } from './instrument-group.ts';
import type { Demand, KiteFeedState } from './origin-link.ts';

/**
 * What an InstrumentGroup object answers the worker about itself (its RPC
 * methods `state()`, `latest()`, `demandSummary()` and the named consumers of
 * its demand): read by edge/origin/routes.ts and the operators' /internal routes.
 */

/** Tokens one consumer (a hub, or an operator's named consumer) may want of one group. */
export const MAX_CONSUMER_TOKENS = 20_000;
/** Capacity rejections kept for state(); the count is always exact. */
export const MAX_KEPT_REJECTIONS = 1_000;

export const ConsumerName = z.string().regex(/^[A-Za-z0-9._:~-]{1,100}$/, 'must be 1-100 characters of A-Z a-z 0-9 . _ : ~ -');

/** One instrument's latest packet as `latest()` and GET /internal/groups/:group/latest give it. */
export type LatestPacket = {
  token: number;
  /** When the origin received the Kite frame this packet came in (ms since epoch, the origin's clock). */
  received_at: number;
  /** Kite's packet bytes, base64. */
  packet: string;
};

export type GroupFeedState = { state: KiteFeedState; reason?: string; at: number; received_at: number };

export type GroupCapacity = {
  /** How many of the demanded instruments the origin could not subscribe. */
  rejected_count: number;
  /** The first MAX_KEPT_REJECTIONS of them, with the reason. */
  rejected: { token: number; reason: string }[];
  received_at: number;
};

export type GroupState = {
  group: GroupKey;
  link: { connected: boolean; connected_at: number | null; disconnected_at: number | null };
  /** The Kite connections' state as the origin last reported it for this group. */
  feed: GroupFeedState | null;
  ticks_received: number;
  /** When the last tick batch reached this object (the edge's clock). */
  last_tick_at: number | null;
  last_tick_age_ms: number | null;
  instruments_held: number;
  demand: { tokens: Demand; consumers: Record<string, number> };
  capacity: GroupCapacity | null;
  snapshot: { pending_writes: number; last_written_at: number | null };
  candles: GroupCandlesState;
};

export type DemandSummary = { group: GroupKey; tokens: number; consumers: Record<string, number> };

/** A group's candle building and writing (docs/candles.md). */
export type GroupCandlesState = {
  /** Ticks older than the minute just closed: dropped. */
  late_ticks: number;
  minutes_closed: number;
  /** Instruments with candle state held. */
  instruments: number;
  /** Closed minutes waiting for their write to Postgres. */
  outbox: number;
  written_minutes: number;
  last_write_at: number | null;
  last_write_error: string | null;
};
