import { hubName, hubShardName } from '../contracts/hub-config.ts';
import type { GroupKey } from '../contracts/instrument-group.ts';

/**
 * Which Durable Object serves what: the one place a name becomes a stub.
 * One InstrumentGroup per group key (contracts/instrument-group.ts), one
 * FeedControl for the whole edge, HUB_SHARDS SessionHubs, and one
 * WebhookDispatcher per user.
 */
export const FEED_CONTROL_NAME = 'feed';

export function feedControl(env: Cloudflare.Env) {
  return env.FEED_CONTROL.getByName(FEED_CONTROL_NAME);
}

export function instrumentGroup(env: Cloudflare.Env, group: GroupKey) {
  return env.INSTRUMENT_GROUP.getByName(group);
}

/** A user's sessions all live on one hub (so its session count and its alerts are local to one object). */
export function sessionHubOf(env: Cloudflare.Env, userId: string, shards: number) {
  return env.SESSION_HUB.getByName(hubName(userId, shards));
}

export function sessionHub(env: Cloudflare.Env, name: string) {
  return env.SESSION_HUB.getByName(name);
}

/** Every hub, `hub-0` to `hub-<shards − 1>`: what must hear of a credential that ended. */
export function everySessionHub(env: Cloudflare.Env, shards: number) {
  return Array.from({ length: shards }, (_, n) => env.SESSION_HUB.getByName(hubShardName(n)));
}

/** A user's alert webhooks are sent by their own dispatcher, named by the user id. */
export function webhookDispatcherOf(env: Cloudflare.Env, userId: string) {
  return env.WEBHOOK_DISPATCHER.getByName(userId);
}
