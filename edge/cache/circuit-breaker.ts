/**
 * Stops waiting on a dependency that just failed: after a failure the
 * circuit opens for `cooldownMs`, during which callers skip the dependency
 * at once; after it, calls go through again and the next outcome closes or
 * re-opens it. State is plain data, so one per isolate in module scope is
 * allowed in Workers (no I/O object crosses requests).
 */
export class CircuitBreaker {
  readonly #cooldownMs: number;
  #openUntil = 0;

  constructor(cooldownMs: number) {
    this.#cooldownMs = cooldownMs;
  }

  /** Whether a call may go through now. */
  allow(now = Date.now()): boolean {
    return now >= this.#openUntil;
  }

  success(): void {
    this.#openUntil = 0;
  }

  failure(now = Date.now()): void {
    this.#openUntil = now + this.#cooldownMs;
  }
}
