import type { GroupFeedState } from '../../contracts/group-state.ts';
import type { GroupStatus } from '../../contracts/hub-link.ts';
import { ORIGIN_SILENT_MS } from '../../contracts/origin-link.ts';

/**
 * The feed state a group's sessions see (docs/websocket.md, "feed status"),
 * from what the group knows: whether the origin is linked, since when it is
 * not, and the Kite feed state the origin last reported.
 *
 *   no origin link, for less than DOWN_AFTER_MS   stale (it is reconnecting)
 *   no origin link, longer or never               down
 *   linked, nothing heard for ORIGIN_SILENT_MS    stale (the origin is stuck or cut off)
 *   linked, Kite live (or nothing reported yet)   live
 *   linked, Kite stale                            stale
 *   linked, Kite down or its token expired        down
 */
export const DOWN_AFTER_MS = 30_000;

/** `heardAt`: when the linked origin last sent anything (a batch, or its feed state every GROUP_HEARTBEAT_MS). */
export type FeedFacts = { linked: boolean; disconnectedAt: number | null; feed: GroupFeedState | null; heardAt?: number };

export function feedStatus(now: number, { linked, disconnectedAt, feed, heardAt }: FeedFacts): GroupStatus {
  if (!linked) {
    if (disconnectedAt !== null && now - disconnectedAt < DOWN_AFTER_MS)
      return { type: 'status', state: 'stale', reason: 'the origin link dropped; it is reconnecting', at: now };
    return { type: 'status', state: 'down', reason: 'the origin is not connected', at: now };
  }
  if (heardAt !== undefined && now - heardAt > ORIGIN_SILENT_MS) {
    return {
      type: 'status',
      state: 'stale',
      reason: `the origin has sent nothing for ${Math.round((now - heardAt) / 1000)} s: it is stuck or cut off`,
      at: now,
    };
  }
  if (!feed || feed.state === 'live') return { type: 'status', state: 'live', at: now };
  const reason = feed.reason ?? (feed.state === 'token_expired' ? 'the Kite access token expired' : `Kite is ${feed.state}`);
  return { type: 'status', state: feed.state === 'stale' ? 'stale' : 'down', reason, at: now };
}
