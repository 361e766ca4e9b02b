/**
 * A session's control-message budget: a token bucket refilled at `rate`
 * messages a second and holding a burst of at most 2 × rate, and the runs
 * of refused and of malformed messages after which the hub closes the
 * session as abusive (ABUSE_IN_A_ROW of either in a row).
 */
export const ABUSE_IN_A_ROW = 20;

/** `ok`: go on; `dropped`: over budget, the message is refused; `abuse`: the ABUSE_IN_A_ROW-th refused in a row. */
export type Spend = 'ok' | 'dropped' | 'abuse';

export class ControlBudget {
  readonly rate: number;
  #tokens: number;
  #at: number;
  #refusedInARow = 0;
  #malformedInARow = 0;

  constructor(rate: number, now: number) {
    this.rate = rate;
    this.#tokens = this.burst;
    this.#at = now;
  }

  get burst(): number {
    return 2 * this.rate;
  }

  /** Spends one message's token, refilled for the time since the last. */
  spend(now: number): Spend {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#refusedInARow = 0;
      return 'ok';
    }
    this.#refusedInARow += 1;
    return this.#refusedInARow >= ABUSE_IN_A_ROW ? 'abuse' : 'dropped';
  }

  /** Counts a malformed message; true at the ABUSE_IN_A_ROW-th in a row. */
  malformed(): boolean {
    this.#malformedInARow += 1;
    return this.#malformedInARow >= ABUSE_IN_A_ROW;
  }

  /** A well-formed message ends the run of malformed ones. */
  wellFormed(): void {
    this.#malformedInARow = 0;
  }
}
