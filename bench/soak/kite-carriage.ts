import type { Round } from './round-log.ts';

/**
 * Which Kite connection carried each instrument, as the simulator lists
 * its connections' subscriptions at each poll of its send log. A round is
 * due to a session only if Kite carried the instrument then: the origin
 * subscribes an instrument at Kite when the first session wants it and
 * drops it when the last one leaves, and a new subscription takes a
 * moment to reach Kite. Between two polls the soak does not know, so it
 * expects a round only when the polls on both sides of it found the
 * instrument on a connection that sent that round: a change of carriage
 * between polls is never counted as a loss (nor can a loss at that moment
 * be seen).
 */
export type KiteConnection = { id: number; tokens: readonly number[] };

export class KiteCarriage {
  readonly #polls: number[] = [];
  /** Per instrument, its carrier from each poll at which it changed (null: not carried). */
  readonly #changes = new Map<number, { at: number; connection: number | null }[]>();
  readonly #current = new Map<number, number>();

  record(at: number, connections: readonly KiteConnection[]): void {
    const now = new Map<number, number>();
    for (const { id, tokens } of connections) for (const token of tokens) now.set(token, id);
    for (const [token, connection] of now) if (this.#current.get(token) !== connection) this.#change(token, at, connection);
    for (const token of this.#current.keys()) if (!now.has(token)) this.#change(token, at, null);
    this.#current.clear();
    for (const [token, connection] of now) this.#current.set(token, connection);
    this.#polls.push(at);
  }

  /** Whether the round carried the instrument: its carrier at the polls before and after the round sent a frame of it. */
  carried(token: number, round: Round): boolean {
    const i = this.#pollAtOrBefore(round.sentAt);
    const before = this.#polls[i];
    if (before === undefined) return false;
    const carrier = this.#carrierAt(token, before);
    if (carrier === null || !round.connections.includes(carrier)) return false;
    const after = this.#polls[i + 1];
    return after === undefined || this.#carrierAt(token, after) === carrier;
  }

  #change(token: number, at: number, connection: number | null): void {
    let changes = this.#changes.get(token);
    if (!changes) {
      changes = [];
      this.#changes.set(token, changes);
    }
    changes.push({ at, connection });
  }

  #carrierAt(token: number, at: number): number | null {
    return this.#changes.get(token)?.findLast((c) => c.at <= at)?.connection ?? null;
  }

  /** The index of the last poll at or before `at`, or -1. */
  #pollAtOrBefore(at: number): number {
    let low = 0;
    let high = this.#polls.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((this.#polls[mid] as number) <= at) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }
}
