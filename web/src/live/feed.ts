import type { KiteEdgeClient } from '@kite-edge/client';
import { Store } from '../store.ts';

/**
 * What the feed-status badge shows: the live connection's state and the
 * feed state of the groups the session's instruments are in (the `status`
 * frames: docs/websocket.md#feed-status), folded into one word and one
 * sentence. A session assumes `live` until a group says otherwise; a lost
 * connection is `down` until it comes back, which it does by itself.
 */
export type FeedState = 'live' | 'stale' | 'down';
export type FeedSummary = { state: FeedState; text: string };

const RANK: Record<FeedState, number> = { live: 0, stale: 1, down: 2 };

export function watchFeed(client: KiteEdgeClient): { summary: Store<FeedSummary>; stop: () => void } {
  const summary = new Store<FeedSummary>({ state: 'stale', text: 'Connecting to the live feed…' });
  let retry: { attempt: number; at: number } | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const update = () => {
    clearInterval(timer);
    if (client.state === 'open') return summary.set(groupsSummary(client));
    if (client.state === 'reconnecting' && retry) {
      const seconds = Math.max(0, Math.ceil((retry.at - Date.now()) / 1000));
      summary.set({
        state: 'down',
        text: `Connection lost: reconnecting${seconds > 0 ? ` in ${seconds} s` : '…'} (attempt ${retry.attempt}). Prices resume by themselves.`,
      });
      if (seconds > 0) timer = setInterval(update, 1000);
      return;
    }
    if (client.state === 'closed') return summary.set({ state: 'down', text: 'Not connected to the live feed.' });
    summary.set({ state: 'stale', text: 'Connecting to the live feed…' });
  };

  const stops = [
    client.on('open', () => {
      retry = undefined;
      update();
    }),
    client.on('status', update),
    client.on('reconnecting', ({ attempt, delayMs }) => {
      retry = { attempt, at: Date.now() + delayMs };
      update();
    }),
    client.on('close', update),
  ];
  const onNetwork = () => update();
  window.addEventListener('offline', onNetwork);
  window.addEventListener('online', onNetwork);
  update();
  return {
    summary,
    stop: () => {
      clearInterval(timer);
      for (const stop of stops) stop();
      window.removeEventListener('offline', onNetwork);
      window.removeEventListener('online', onNetwork);
    },
  };
}

/** The worst state among the groups that hold instruments of this session, with the reason the feed gave. */
function groupsSummary(client: KiteEdgeClient): FeedSummary {
  if (!navigator.onLine) return { state: 'down', text: 'Your device is offline: prices resume when the network is back.' };
  let worst: { state: FeedState; reason: string | undefined } = { state: 'live', reason: undefined };
  for (const status of client.feedStatus.values()) {
    if (status.instruments.length === 0) continue;
    if (RANK[status.state] > RANK[worst.state]) worst = { state: status.state, reason: status.reason };
  }
  if (worst.state === 'live') return { state: 'live', text: 'Live: prices are streaming.' };
  if (worst.state === 'stale')
    return { state: 'stale', text: `Delayed: the market feed is catching up${worst.reason ? ` (${worst.reason})` : ''}. The last prices stay shown.` };
  return { state: 'down', text: `The market feed is down${worst.reason ? ` (${worst.reason})` : ''}. Prices resume when it is back.` };
}
