import type { BackfillAnswer, BackfillRequest } from '../../contracts/candle-backfill.ts';
import { FeedToOrigin, type OriginStatus, readLinkFrame, STATUS_INTERVAL_MS } from '../../contracts/origin-link.ts';
import { type EdgeLinkAuth, EdgeSocket } from './edge-socket.ts';

/**
 * The origin's one link to the edge's FeedControl object: Kite's state up
 * (for the edge's /health, on change and every STATUS_INTERVAL_MS), and down
 * the list of instrument groups whose clients want something, which decides
 * the group links the origin opens.
 */
export type FeedLinkOptions = {
  edgeRoot: string;
  auth: EdgeLinkAuth;
  status: () => Omit<OriginStatus, 'type' | 'at'>;
  onGroups: (groups: string[]) => void;
  onBackfill: (request: BackfillRequest) => Promise<BackfillAnswer>;
  log: (line: string) => void;
};

export class FeedLink {
  readonly #socket: EdgeSocket;
  readonly #timer: NodeJS.Timeout;
  readonly #options: FeedLinkOptions;

  constructor(options: FeedLinkOptions) {
    this.#options = options;
    this.#socket = new EdgeSocket({
      url: new URL('/origin/feed', options.edgeRoot.replace(/^http/, 'ws')).toString(),
      auth: options.auth,
      name: 'feed',
      onOpen: () => {
        options.log('feed link to the edge is up');
        this.sendStatus();
      },
      onText: (text) => this.#onText(text),
      onClose: () => options.log('feed link to the edge is down'),
      log: options.log,
    });
    this.#timer = setInterval(() => this.sendStatus(), STATUS_INTERVAL_MS);
    this.#timer.unref();
  }

  get connected(): boolean {
    return this.#socket.open;
  }

  stats() {
    return this.#socket.stats();
  }

  sendStatus(): void {
    const status: OriginStatus = { type: 'status', ...this.#options.status(), at: Date.now() };
    this.#socket.send(JSON.stringify(status));
  }

  close(): void {
    clearInterval(this.#timer);
    this.#socket.close();
  }

  #onText(text: string): void {
    const read = readLinkFrame(FeedToOrigin, text);
    if ('problem' in read) {
      this.#options.log(`ignored a feed frame from the edge that is not a link message: ${read.problem.slice(0, 200)}`);
      return;
    }
    const message = read.frame;
    if (message.type === 'groups') this.#options.onGroups(message.groups);
    // Answered on whichever link is up when the backfill ends: a request whose link dropped times out at the edge.
    else if (message.type === 'backfill') void this.#options.onBackfill(message).then((answer) => this.#socket.send(JSON.stringify(answer)));
    else this.#options.log(`edge reports ${message.code}: ${message.message}`);
  }
}
