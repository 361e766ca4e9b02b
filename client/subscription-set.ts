import { type ClientMode, MAX_INSTRUMENTS_PER_MESSAGE, type ServerMessage } from '../contracts/client-protocol.ts';

type Ack = Extract<ServerMessage, { type: 'ack'; accepted: unknown }>;

/** Rejections after which the server certainly does not hold the instrument; `unavailable` is not one (a retry may work). */
const NOT_HELD = new Set(['bad_instrument', 'unknown_instrument', 'limit_reached', 'not_subscribed']);

/**
 * What the session holds on the server, token → mode, kept from the acks
 * alone (never from what was asked), so that after a reconnect the client
 * asks for exactly what the lost session had. Keyed by token: the server
 * resolves `EXCHANGE:TRADINGSYMBOL` to one, and two names of one
 * instrument are one subscription.
 */
export class SubscriptionSet {
  readonly #modes = new Map<number, ClientMode>();

  get size(): number {
    return this.#modes.size;
  }

  /** A copy of the set, token → mode. */
  snapshot(): Map<number, ClientMode> {
    return new Map(this.#modes);
  }

  /**
   * Follows one ack. `requestedMode` is the mode the request asked for,
   * used when the server does not repeat it per instrument. Every ack
   * counts, even one whose request the client had given up on: the
   * server's state changed all the same.
   */
  apply(ack: Ack, requestedMode?: ClientMode): void {
    for (const accepted of ack.accepted) {
      if (ack.action === 'unsubscribe') this.#modes.delete(accepted.instrument_token);
      else this.#modes.set(accepted.instrument_token, accepted.mode ?? requestedMode ?? 'quote');
    }
    for (const rejected of ack.rejected) {
      // Only a token can be matched here: a rejected name was never resolved to one.
      if (typeof rejected.instrument === 'number' && NOT_HELD.has(rejected.code)) this.#modes.delete(rejected.instrument);
    }
  }

  /** The subscribe requests that rebuild the set on a new session: one per mode, split at the per-message limit. */
  resubscribeRequests(): { mode: ClientMode; instruments: number[] }[] {
    const byMode = new Map<ClientMode, number[]>();
    for (const [token, mode] of this.#modes) {
      let tokens = byMode.get(mode);
      if (!tokens) {
        tokens = [];
        byMode.set(mode, tokens);
      }
      tokens.push(token);
    }
    return [...byMode].flatMap(([mode, tokens]) => chunk(tokens).map((instruments) => ({ mode, instruments })));
  }
}

/** Splits a list at MAX_INSTRUMENTS_PER_MESSAGE, the most one control message may name. */
export function chunk<T>(items: T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_INSTRUMENTS_PER_MESSAGE) chunks.push(items.slice(i, i + MAX_INSTRUMENTS_PER_MESSAGE));
  return chunks;
}
