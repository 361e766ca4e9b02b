import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { describeCondition } from './alerts/conditions.ts';
import { type FeedSummary, watchFeed } from './live/feed.ts';
import { LiveQuotes } from './live/quotes.ts';
import type { Session } from './session.ts';
import type { Store } from './store.ts';
import { toast } from './toasts.ts';
import { Watchlists } from './watchlists.ts';

/**
 * Everything a signed-in page works with, made once per session: the
 * session (REST and the /v2/ws client), the live quotes, the feed's state
 * and the watchlists. The /v2/ws session opens here and an `alert` frame
 * becomes a toast on whatever page is shown.
 */
export class Workspace {
  readonly session: Session;
  readonly quotes: LiveQuotes;
  readonly feed: Store<FeedSummary>;
  readonly watchlists: Watchlists;
  readonly #stops: (() => void)[] = [];

  constructor(session: Session) {
    this.session = session;
    this.quotes = new LiveQuotes(session.live);
    const feed = watchFeed(session.live);
    this.feed = feed.summary;
    this.watchlists = new Watchlists(session.rest);
    this.#stops.push(
      feed.stop,
      session.live.on('alert', (fired) => {
        const what = `${fired.instrument.exchange}:${fired.instrument.tradingsymbol}`;
        toast(
          'alert',
          `Alert: ${what}`,
          `${describeCondition(fired.condition)}: last price ${fired.last_price}${fired.note ? ` (${fired.note})` : ''}`,
          15_000,
        );
      }),
    );
    // Failures show in the feed badge; the client keeps trying by itself.
    session.live.connect().catch(() => {});
  }

  close(): void {
    for (const stop of this.#stops) stop();
    this.session.live.close();
  }
}

export const WorkspaceContext = createContext<Workspace | null>(null);

/** The signed-in workspace; only pages shown to a signed-in user call it. */
export function useWorkspace(): Workspace {
  const workspace = useContext(WorkspaceContext);
  if (!workspace) throw new Error('useWorkspace outside a signed-in page');
  return workspace;
}
