/**
 * Waiting for a condition that only an event can make true (a frame, a
 * close), with a deadline: the waiter is woken by the events instead of
 * polling on a timer.
 */
export class Wakeups {
  readonly #waiters = new Set<() => void>();

  /** Something happened: every waiter checks its condition again. */
  wake(): void {
    for (const waiter of this.#waiters) waiter();
    this.#waiters.clear();
  }

  /** Resolves true once `check()` holds, false if it still does not after `ms`. */
  async until(check: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }
}
