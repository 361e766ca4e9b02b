import type { FnoChain } from '../../contracts/fno-chain.ts';
import type { ChainStreamKey } from '../../contracts/hub-link.ts';
import { chainDelta } from './analytics/chain-delta.ts';
import type { ChainBook } from './chain-book.ts';
import { type HubLinks, sendTextToHubs, sendToHub } from './hub-socket.ts';
import { HubStreams } from './hub-streams.ts';

/**
 * The chain streams an `fno` group pushes to its hubs (contracts/hub-link.ts):
 * each hub names, whole, the (expiry, window) pairs its sessions stream; a
 * stream's chain goes whole (`chain`) to a hub that has not had it, then
 * as `chain_update`s. The delta is computed once per stream, not per hub or
 * per session: every hub of a stream holds the same chain. Memory only: a
 * hub names its streams again when its link reconnects (hub-streams.ts).
 */
type Stream = { expiry: string; window: number | null; sent: FnoChain | null; hubs: Set<string> };

export class ChainStreams {
  readonly #book: ChainBook;
  readonly #hubs: HubLinks;
  // Its idle time counts from when no hub streams it, not from the alarm that last saw it streamed: a session resuming
  // within its window finds it running.
  readonly #streams = new HubStreams<Stream>((stream) => this.#book.touch(stream.expiry, Date.now()));

  constructor(book: ChainBook, hubs: HubLinks) {
    this.#book = book;
    this.#hubs = hubs;
  }

  /** A hub's whole set of streams: new ones get their chain now (when there is one), dropped ones stop. */
  set(hub: string, socket: WebSocket, streams: readonly ChainStreamKey[]): void {
    const named = new Map(
      streams.map(({ expiry, window }) => [
        streamKey({ expiry, window }),
        (): Stream => ({ expiry, window, sent: this.#book.last(expiry, window ?? undefined), hubs: new Set() }),
      ]),
    );
    this.#streams.name(hub, named, (stream) => {
      if (stream.sent) sendToHub(socket, { type: 'chain', window: stream.window, chain: stream.sent });
    });
  }

  /** A hub's link closed: its streams go with it. */
  drop(hub: string): void {
    this.#streams.drop(hub);
  }

  /** The expiries some hub streams (they count as asked for: chains with subscribers are not idle). */
  expiries(): Set<string> {
    return new Set([...this.#streams.values()].map((stream) => stream.expiry));
  }

  /** An expiry's chain was recomputed: each of its streams sends what changed (or the whole chain, to a stream that had none). */
  published(expiry: string): void {
    const open = this.#hubs.open().filter(({ hub }) => this.#streams.streamsTo(hub));
    for (const stream of this.#streams.values()) {
      if (stream.expiry !== expiry) continue;
      const next = this.#book.last(expiry, stream.window ?? undefined);
      if (!next) continue;
      const update = stream.sent ? chainDelta(stream.sent, next) : null;
      const frame = stream.sent
        ? update
          ? { type: 'chain_update' as const, window: stream.window, update }
          : null
        : { type: 'chain' as const, window: stream.window, chain: next };
      stream.sent = next;
      if (!frame) continue;
      const text = JSON.stringify(frame);
      sendTextToHubs(open, stream.hubs, text);
    }
  }
}

const streamKey = (stream: ChainStreamKey) => `${stream.expiry}|${stream.window ?? ''}`;
