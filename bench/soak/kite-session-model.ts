import type { ClientMode } from '../../contracts/client-protocol.ts';
import type { Findings } from './findings.ts';

/**
 * What one /kite/ws session of the soak holds, and the check of every
 * tick frame against it. Kite's protocol acknowledges nothing, so the
 * grace after an unsubscribe cannot end at an ack. It ends at a barrier:
 * the soak unsubscribes only together with a subscribe to instruments the
 * session has not held lately, sent after the unsubscribe. A session's
 * messages are handled in order (session-hub.ts), so the first frame that
 * carries one of those new instruments was written after the unsubscribe
 * took effect: from that frame on (itself included), a tick of an
 * unsubscribed instrument is another's data. A switch whose new
 * instruments never tick leaves its old ones in grace: lenient, never
 * wrong.
 */
type Draining = { tokens: Set<number>; barrier: Set<number> };

export class KiteSessionModel {
  readonly held = new Map<number, ClientMode>();
  readonly #slot: number;
  readonly #findings: Findings;
  readonly #draining: Draining[] = [];

  constructor(slot: number, findings: Findings) {
    this.#slot = slot;
    this.#findings = findings;
  }

  /** Instruments neither held nor still in an unsubscribe's grace: the ones a switch may take as its barrier. */
  isFresh(token: number): boolean {
    return !this.held.has(token) && !this.#draining.some((d) => d.tokens.has(token));
  }

  subscribed(tokens: readonly number[], mode: ClientMode): void {
    for (const t of tokens) this.held.set(t, mode);
  }

  moded(tokens: readonly number[], mode: ClientMode): void {
    for (const t of tokens) if (this.held.has(t)) this.held.set(t, mode);
  }

  /** A switch: `dropped` unsubscribed, then `added` (fresh: isFresh) subscribed. */
  switched(dropped: readonly number[], added: readonly number[], mode: ClientMode): void {
    for (const t of dropped) this.held.delete(t);
    this.#draining.push({ tokens: new Set(dropped), barrier: new Set(added) });
    this.subscribed(added, mode);
  }

  /** A new connection: nothing is held (Kite has no resume) and nothing old can arrive on it. */
  reset(): void {
    this.held.clear();
    this.#draining.length = 0;
  }

  /** The instruments of one binary frame. */
  frame(tokens: readonly number[]): void {
    // A switch's barrier proves its own unsubscribe and every earlier one taken effect.
    const passed = this.#draining.findLastIndex((d) => tokens.some((t) => d.barrier.has(t)));
    if (passed >= 0) this.#draining.splice(0, passed + 1);
    for (const token of tokens) {
      if (this.held.has(token) || this.#draining.some((d) => d.tokens.has(token))) continue;
      this.#findings.violation('tick-not-held', this.#slot, `${token} on /kite/ws`);
    }
  }
}
