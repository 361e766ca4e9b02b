import { type ClientEvents, type FeedStatus, KiteEdgeClient, type SocketConstructor } from '@kite-edge/client';
import { WebSocket } from 'ws';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import { type Platform, waitFor } from './platform.ts';

/**
 * What a user runs, watching the platform through a fault: the typed
 * client on an API key (quick reconnects), with every tick, feed status and
 * session open it saw, and when. The fault matrix and the failover suite
 * watch with it.
 */
export class Watcher {
  readonly #stack: Platform;
  readonly client: KiteEdgeClient;
  readonly ticks: { at: number; tick: Tick }[] = [];
  readonly statuses: { at: number; status: FeedStatus }[] = [];
  readonly opens: { at: number; open: ClientEvents['open'] }[] = [];

  constructor(stack: Platform, credentials: { apiKey: string; secret: string }) {
    this.#stack = stack;
    this.client = new KiteEdgeClient({
      url: `${stack.edgeUrl.replace('http', 'ws')}/v2/ws`,
      credentials,
      WebSocket: WebSocket as unknown as SocketConstructor,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
    });
    this.client.on('tick', (tick) => this.ticks.push({ at: Date.now(), tick }));
    this.client.on('status', (status) => this.statuses.push({ at: Date.now(), status }));
    this.client.on('open', (open) => this.opens.push({ at: Date.now(), open }));
  }

  /** When every one of `tokens` has ticked at or after `since`. */
  async ticksOfAllSince(since: number, tokens: number[], ms = 20_000): Promise<number> {
    return waitFor(
      this.#stack,
      `a tick of each of ${tokens.join(', ')} after ${new Date(since).toISOString()}`,
      async () => {
        const firsts = tokens.map((token) => this.ticks.find((t) => t.at >= since && t.tick.instrument_token === token)?.at);
        return firsts.every((at) => at !== undefined) ? Math.max(...(firsts as number[])) : undefined;
      },
      ms,
    );
  }

  /** The first status of `group` received at or after `since` in one of `states` (and, if given, whose reason matches), with when. */
  async statusSince(
    since: number,
    states: FeedStatus['state'] | FeedStatus['state'][],
    group: string,
    reason?: RegExp,
    ms = 20_000,
  ): Promise<{ at: number; status: FeedStatus }> {
    const wanted = [states].flat();
    return waitFor(
      this.#stack,
      `status ${wanted.join(' or ')} of ${group}${reason ? ` with a reason matching ${reason}` : ''}`,
      async () =>
        this.statuses.find(
          (s) => s.at >= since && wanted.includes(s.status.state) && s.status.group === group && (!reason || reason.test(s.status.reason ?? '')),
        ),
      ms,
    );
  }
}
