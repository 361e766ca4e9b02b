/**
 * Spaces the client's control messages to the server's limit
 * (`messages_per_second` in the welcome), so that a burst of calls is
 * queued here instead of being answered with `rate_limited`. A token
 * bucket holding one second's worth: the server allows a burst of twice
 * that, which leaves room for frames bunched up on the way.
 */
export class SendPacer {
  readonly #send: (frame: string) => void;
  #perSecond: number;
  #tokens: number;
  #refilledAt = Date.now();
  #queue: { frame: string; onSent: (() => void) | undefined }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(send: (frame: string) => void, perSecond: number) {
    this.#send = send;
    this.#perSecond = perSecond;
    this.#tokens = perSecond;
  }

  /** Adopts the limit a new session announced. */
  setRate(perSecond: number): void {
    this.#perSecond = perSecond;
    this.#tokens = Math.min(this.#tokens, perSecond);
  }

  /** Queues a frame; `onSent` runs the moment it goes out (a ping's clock starts there). */
  push(frame: string, onSent?: () => void): void {
    this.#queue.push({ frame, onSent });
    this.#flush();
  }

  /** Drops what is queued (the socket it was meant for is gone). */
  clear(): void {
    this.#queue = [];
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #flush(): void {
    const now = Date.now();
    this.#tokens = Math.min(this.#perSecond, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#perSecond);
    this.#refilledAt = now;
    while (this.#queue.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      const next = this.#queue.shift() as { frame: string; onSent: (() => void) | undefined };
      this.#send(next.frame);
      next.onSent?.();
    }
    if (this.#queue.length > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.#flush();
        },
        Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000),
      );
    }
  }
}
