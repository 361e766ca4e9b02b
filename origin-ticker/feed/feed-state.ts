import type { KiteFeedState } from '../../contracts/origin-link.ts';
import type { ConnectionStats } from '../kite/ticker-connection.ts';

/**
 * The one state of the origin's Kite feed that goes to every group link
 * and to FeedControl (contracts/origin-link.ts), from the connections that
 * carry instruments:
 *
 *   an account's token is missing, expired or refused   token_expired (with why)
 *   none live, one failing since it was last live       down (its failure)
 *   none live, the rest dialling or awaiting Kite       stale: connecting to Kite
 *   some live, some not                                 stale: k of n are not live
 *   all live                                            live
 *
 * A connection dialling for the first time (the origin just started, or a
 * fresh token arrived) is not down: nothing has failed. With nothing wanted,
 * the state stays what it was: at a start, STARTING, until the connections
 * placed for the first demand say more.
 */
export type FeedState = { state: KiteFeedState; reason?: string };

export const STARTING: FeedState = { state: 'stale', reason: 'the origin started and has not connected to Kite yet' };

export function feedStateOf(connections: readonly ConnectionStats[], before: FeedState): FeedState {
  const carrying = connections.filter((c) => c.instruments > 0);
  if (carrying.length === 0) return before;
  const expired = carrying.find((c) => c.state === 'token_expired');
  if (expired) return { state: 'token_expired', reason: expired.reason ?? 'the Kite access token expired' };
  const live = carrying.filter((c) => c.state === 'live').length;
  if (live === carrying.length) return { state: 'live' };
  if (live > 0) return { state: 'stale', reason: `${carrying.length - live} of ${carrying.length} Kite connections are not live` };
  const failing = carrying.find((c) => c.failure !== null);
  if (failing) return { state: 'down', reason: failing.failure ?? undefined };
  return { state: 'stale', reason: 'connecting to Kite' };
}
