/**
 * When each tick frame left the simulator, for benchmarks that measure
 * end-to-end latency (SIM_SEND_TIMES=1; bench/fanout.ts). A tick carries
 * only whole seconds (`exchange_timestamp`), and one round's frames go out
 * tens of milliseconds apart (each connection's packets are priced and
 * encoded in turn), so a receiver needs the send time of the very frame
 * that carried its tick: that is (connection, second of the round) here,
 * and which connection carries a token is in `connections()`.
 */
export type SentFrame = { connection: number; second: number; sentAt: number };

/** A few minutes of rounds for a handful of connections. */
const CAPACITY = 20_000;

export class SendLog {
  readonly #frames: SentFrame[] = [];
  #next = 0;

  record(connection: number, second: number): void {
    // The wall clock, which a receiver in another process reads alike (performance.timeOrigin + now() drifts apart between processes after a pause or a clock step).
    const frame = { connection, second, sentAt: Date.now() };
    if (this.#frames.length < CAPACITY) this.#frames.push(frame);
    else this.#frames[this.#next] = frame;
    this.#next = (this.#next + 1) % CAPACITY;
  }

  /** Oldest first. */
  frames(): SentFrame[] {
    return [...this.#frames.slice(this.#next), ...this.#frames.slice(0, this.#next)];
  }
}
