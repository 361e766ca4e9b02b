import type { GroupFeedState } from '../../contracts/group-state.ts';
import type { GroupStatus } from '../../contracts/hub-link.ts';

/**
 * The feed state a group's sessions see (docs/websocket.md, "feed status"),
 * from what the group knows: whether the origin is linked, since when it is
 * not, and the Kite feed state the origin last reported.
 *
 *   no origin link, for less than DOWN_AFTER_MS   stale (it is reconnecting)
 *   no origin link, longer or never               down
 *   linked, Kite live (or nothing reported yet)   live
 *   linked, Kite stale                            stale
 *   linked, Kite down or its token expired        down
 */
export const DOWN_AFTER_MS = 30_000;

export type FeedFacts = { linked: boolean; disconnectedAt: number | null; feed: GroupFeedState | null };

export function feedStatus(now: number, { linked, disconnectedAt, feed }: FeedFacts): GroupStatus {
  if (!linked) {
    if (disconnectedAt !== null && now - disconnectedAt < DOWN_AFTER_MS)
      return { type: 'status', state: 'stale', reason: 'the origin link dropped; it is reconnecting', at: now };
    return { type: 'status', state: 'down', reason: 'the origin is not connected', at: now };
  }
  if (!feed || feed.state === 'live') return { type: 'status', state: 'live', at: now };
  const reason = feed.reason ?? (feed.state === 'token_expired' ? 'the Kite access token expired' : `Kite is ${feed.state}`);
  return { type: 'status', state: feed.state === 'stale' ? 'stale' : 'down', reason, at: now };
}
