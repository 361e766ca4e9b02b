/**
 * Keeps FeedControl told whether a group has demand (FeedControl tells the
 * origin which group links to open). One call in flight at a time, and the
 * demand re-read after each answer, so interleaved demand changes still
 * end with FeedControl told the last state. A failed call is retried
 * FEED_CONTROL_RETRY_MS later, from the group's alarm.
 */
export const FEED_CONTROL_RETRY_MS = 5_000;

export type FeedControlSyncHooks<View> = {
  /** Tells FeedControl; resolves with its view of the origin, rejects when it did not take it. */
  tell(hasDemand: boolean): Promise<View>;
  hasDemand(): boolean;
  /** FeedControl acknowledged `hasDemand` (to store), and answered `view`. */
  acknowledged(hasDemand: boolean, view: View): void;
  /** A call failed: sync again at `at`. */
  retryAt(at: number, error: unknown): void;
};

export class FeedControlSync<View> {
  readonly #hooks: FeedControlSyncHooks<View>;
  /** What FeedControl last acknowledged about this group: has demand or not. */
  #knows = false;
  #syncing: Promise<void> | null = null;

  constructor(hooks: FeedControlSyncHooks<View>) {
    this.#hooks = hooks;
  }

  /** At start: what FeedControl acknowledged before. */
  restore(knows: boolean): void {
    this.#knows = knows;
  }

  /** Whether FeedControl knows the group's demand as it is. */
  get inStep(): boolean {
    return this.#knows === this.#hooks.hasDemand();
  }

  /** Brings FeedControl to whether the group has demand; resolves when it knows, or when a call failed. */
  sync(): Promise<void> {
    this.#syncing ??= this.#run().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async #run(): Promise<void> {
    for (;;) {
      const hasDemand = this.#hooks.hasDemand();
      if (this.#knows === hasDemand) return;
      let view: View;
      try {
        view = await this.#hooks.tell(hasDemand);
      } catch (error) {
        this.#hooks.retryAt(Date.now() + FEED_CONTROL_RETRY_MS, error);
        return;
      }
      this.#knows = hasDemand;
      this.#hooks.acknowledged(hasDemand, view);
    }
  }
}
