import type { GroupKey } from '../contracts/instrument-group.ts';

/**
 * Which Durable Object serves what: the one place a name becomes a stub.
 * One InstrumentGroup per group key (contracts/instrument-group.ts), and one
 * FeedControl for the whole edge.
 */
export const FEED_CONTROL_NAME = 'feed';

export function feedControl(env: Cloudflare.Env) {
  return env.FEED_CONTROL.getByName(FEED_CONTROL_NAME);
}

export function instrumentGroup(env: Cloudflare.Env, group: GroupKey) {
  return env.INSTRUMENT_GROUP.getByName(group);
}
