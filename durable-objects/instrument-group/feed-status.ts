import type { FeedState } from '../../contracts/client-protocol.ts';
import type { GroupFeedState } from '../../contracts/group-state.ts';
import type { GroupStatus } from '../../contracts/hub-link.ts';
import { ORIGIN_SILENT_MS } from '../../contracts/origin-link.ts';

/**
 * The feed state a group's sessions see (docs/websocket.md, "feed status"),
 * from what the group knows: whether the origin is linked and what it
 * reported on that link, when the link dropped while the group was wanted,
 * and what FeedControl said of the origin when the group last asked for a
 * link (`origin`: the origin links a group only once it is wanted).
 *
 *   linked, nothing heard for ORIGIN_SILENT_MS    stale (the origin is stuck or cut off: a hung
 *                                                 process keeps its link open)
 *   linked, no report yet on this link            nothing to say yet (undefined)
 *   linked, Kite live                             live
 *   linked, Kite stale                            stale
 *   linked, Kite down or its token expired        down, with the origin's reason
 *   not linked, dropped < DOWN_AFTER_MS ago       stale (it is reconnecting)
 *   not linked, asked < DOWN_AFTER_MS ago, the    the feed's state as FeedControl
 *     origin connected                              has it (it is linking the group)
 *   not linked, asked, the origin away            down: not connected
 *   not linked, asked longer ago, the origin      down: it has not linked the group
 *     connected then
 *   not linked, dropped longer ago                down: not connected
 *   not linked, never asked nor dropped           nothing to say yet (undefined)
 *
 * Undefined keeps the sessions on what they were told last (`live`, for a
 * new one): a report from the link comes first thing, the answer of
 * FeedControl a moment after the demand that asked. Guessing before either
 * told sessions `down` for every fresh subscription, and on every return of
 * the origin the state of its previous run.
 */
export const DOWN_AFTER_MS = 30_000;

/** What FeedControl answered about the origin when the group asked to be linked, and when. */
export type OriginView = { linked: boolean; state: FeedState; reason?: string; at: number };

export type FeedFacts = {
  linked: boolean;
  /** What the origin reported on the current link; null until its first report. */
  feed: GroupFeedState | null;
  /** When the origin's link dropped while the group was wanted (null: it did not). */
  droppedAt: number | null;
  origin: OriginView | null;
  /** When the linked origin last sent anything (a batch, or its feed state every GROUP_HEARTBEAT_MS). */
  heardAt?: number;
};

export const KITE_TOKEN_EXPIRED = "Kite access token expired: log in at the origin's /login";

export function feedStatus(now: number, { linked, feed, droppedAt, origin, heardAt }: FeedFacts): GroupStatus | undefined {
  if (linked) {
    if (heardAt !== undefined && now - heardAt > ORIGIN_SILENT_MS) {
      return {
        type: 'status',
        state: 'stale',
        reason: `the origin has sent nothing for ${Math.round((now - heardAt) / 1000)} s: it is stuck or cut off`,
        at: now,
      };
    }
    if (!feed) return undefined;
    if (feed.state === 'live') return { type: 'status', state: 'live', at: now };
    const reason = feed.reason ?? (feed.state === 'token_expired' ? KITE_TOKEN_EXPIRED : `Kite is ${feed.state}`);
    return { type: 'status', state: feed.state === 'stale' ? 'stale' : 'down', reason, at: now };
  }
  if (droppedAt !== null && now - droppedAt < DOWN_AFTER_MS)
    return { type: 'status', state: 'stale', reason: 'the origin link dropped; it is reconnecting', at: now };
  if (origin && now - origin.at < DOWN_AFTER_MS) {
    if (!origin.linked) return { type: 'status', state: 'down', reason: 'the origin is not connected', at: now };
    return { type: 'status', state: origin.state, ...(origin.reason === undefined ? {} : { reason: origin.reason }), at: now };
  }
  if (origin?.linked && (droppedAt === null || origin.at > droppedAt))
    return { type: 'status', state: 'down', reason: 'the origin has not linked this group', at: now };
  if (droppedAt !== null || origin) return { type: 'status', state: 'down', reason: 'the origin is not connected', at: now };
  return undefined;
}
