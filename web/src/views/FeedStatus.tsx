import type { FeedSummary } from '../live/feed.ts';
import type { Store } from '../store.ts';
import { useStore } from '../store.ts';

/** The feed's state, always in the header: a dot and a word, the sentence for screen readers and on hover. */
export function FeedStatus({ feed }: { feed: Store<FeedSummary> }) {
  const { state, text } = useStore(feed);
  const word = state === 'live' ? 'Live' : state === 'stale' ? 'Delayed' : 'Down';
  return (
    <div class={`feed-status feed-${state}`} data-testid="feed-status" data-state={state} role="status" title={text}>
      <span class="dot" aria-hidden="true" />
      <span class="word">{word}</span>
      <span class="visually-hidden">{text}</span>
    </div>
  );
}
