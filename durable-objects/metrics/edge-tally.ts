import type { EdgeTally } from '../../contracts/edge-metrics.ts';
import { feedControl } from '../stubs.ts';

/**
 * Hands counts to FeedControl, which keeps the edge's totals for objects
 * that come and go (a group loses its demand, a user's dispatcher goes
 * idle): their own totals would drop out of the sum /metrics reports the
 * moment /metrics stopped asking them. Not retried: a lost count is a
 * metric a little low, not worth a queue; the failure is logged.
 */
export function tally(env: Cloudflare.Env, from: string, tallies: EdgeTally[]): Promise<void> {
  return feedControl(env)
    .tally(tallies)
    .catch((error: unknown) => console.warn(`${from}: FeedControl did not take ${tallies.length} metric counts: ${String(error)}`));
}
