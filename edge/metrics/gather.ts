import type { Sample } from '../../contracts/edge-metrics.ts';
import { everySessionHub, feedControl, instrumentGroup } from '../../durable-objects/stubs.ts';
import { describe } from '../../storage/database.ts';
import { DeadlineExceeded, withDeadline } from '../../storage/deadline.ts';

/** Some object did not hand over its metrics: the message names which, and why. */
export class MetricsUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsUnavailable';
  }
}

/**
 * The objects' share of the edge's metrics, each from its `metrics()` RPC:
 * FeedControl (the edge-wide totals it keeps, and which groups have
 * demand), every SessionHub shard, and each InstrumentGroup with demand.
 * All of them or none: an object that fails or does not answer within
 * `timeoutMs` fails the gathering (MetricsUnavailable), because totals served with one hub missing would
 * look to Prometheus like counters going back (a reset).
 */
export async function gatherObjects(env: Cloudflare.Env, shards: number, timeoutMs: number): Promise<Sample[]> {
  const within = <T>(what: string, call: Promise<T>) =>
    withDeadline(call, timeoutMs, what).catch((error: unknown) => {
      throw new MetricsUnavailable(error instanceof DeadlineExceeded ? error.message : `${what}: ${describe(error)}`);
    });
  const feed = await within('FeedControl', Promise.resolve(feedControl(env).metrics()));
  const [hubs, groups] = await Promise.all([
    Promise.all(everySessionHub(env, shards).map((hub, n) => within(`SessionHub hub-${n}`, Promise.resolve(hub.metrics())))),
    Promise.all(feed.groups.map((group) => within(`InstrumentGroup ${group}`, Promise.resolve(instrumentGroup(env, group).metrics())))),
  ]);
  return [...feed.samples, ...hubs.flat(), ...groups.flat()];
}
