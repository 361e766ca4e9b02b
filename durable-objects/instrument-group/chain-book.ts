import type { ChainDefinition, FnoChain, FnoSummary } from '../../contracts/fno-chain.ts';
import { DAY_MS, IST_OFFSET_MS } from '../../contracts/ist-clock.ts';
import { decodePacket } from '../../contracts/kite-ticks/decode.ts';
import { packetToken } from '../../contracts/kite-ticks/packet-layout.ts';
import { hasDepth, hasVolume } from '../../contracts/kite-ticks/tick.ts';
import { type ChainInput, computeChain, type OptionQuote, type StrikeQuotes, windowChain } from './analytics/chain.ts';
import { fnoSummary } from './analytics/summary.ts';

/**
 * The option chains an `fno` group streams, one per expiry (docs/fno.md):
 * each chain's input kept up to date in place from the packets of its
 * contracts, and the last chain computed from it. Pure memory and no clock
 * (every time is a parameter); the InstrumentGroup stores the definitions,
 * owns the demand and the spot, and publishes what `round` computed.
 *
 * A chain is recomputed when something of it changed, at most once every
 * CHAIN_INTERVAL_MS: on the round of ticks that finds it due, on a read
 * that does, or when `nextDueAt` says a change held back by the gate is due
 * (the group's one timer for it). A quiet chain is not recomputed at all.
 */
export const CHAIN_INTERVAL_MS = 1_000;

type LiveChain = {
  def: ChainDefinition;
  input: ChainInput;
  quotes: Map<number, OptionQuote>;
  /** The IST day each quote's `oi_reference` was taken on: a new day takes a new one. */
  referenceDay: number;
  computed: FnoChain | null;
  computedAt: number;
  /** Something of the input changed since `computed`. */
  dirty: boolean;
  /** A packet of one of its contracts arrived since the chain started (before that, every price is null). */
  ticked: boolean;
  askedAt: number;
};

export class ChainBook {
  readonly #chains = new Map<string, LiveChain>();
  /** Contract token → its chain (a contract belongs to one expiry). */
  readonly #byToken = new Map<number, LiveChain>();

  get size(): number {
    return this.#chains.size;
  }

  has(expiry: string): boolean {
    return this.#chains.has(expiry);
  }

  definition(expiry: string): ChainDefinition | undefined {
    return this.#chains.get(expiry)?.def;
  }

  /** Starts (or redefines) one expiry's chain; its quotes start empty until `onPackets` fills them. */
  start(def: ChainDefinition, now: number): void {
    this.stop(def.expiry);
    const quotes = new Map<number, OptionQuote>();
    const rows = new Map<number, StrikeQuotes>();
    for (const option of def.options) {
      const quote: OptionQuote = {
        instrument_token: option.instrument_token,
        tradingsymbol: option.tradingsymbol,
        last_price: null,
        close: null,
        bid: null,
        ask: null,
        volume: null,
        oi: null,
        oi_reference: null,
      };
      quotes.set(option.instrument_token, quote);
      const row = rows.get(option.strike) ?? { strike: option.strike, CE: null, PE: null };
      row[option.type] = quote;
      rows.set(option.strike, row);
    }
    const chain: LiveChain = {
      def,
      input: {
        name: def.name,
        expiry: def.expiry,
        now,
        rate: def.rate,
        spot: null,
        future: def.future ? { ...def.future, last_price: null } : null,
        rows: [...rows.values()].sort((a, b) => a.strike - b.strike),
        oi_change_basis: 'first_seen_today',
        price_decimals: def.price_decimals,
      },
      quotes,
      referenceDay: istDay(now),
      computed: null,
      computedAt: -Infinity,
      dirty: true,
      ticked: false,
      askedAt: now,
    };
    this.#chains.set(def.expiry, chain);
    for (const token of quotes.keys()) this.#byToken.set(token, chain);
    if (def.future) this.#byToken.set(def.future.instrument_token, chain);
  }

  stop(expiry: string): void {
    const chain = this.#chains.get(expiry);
    if (!chain) return;
    this.#chains.delete(expiry);
    for (const token of chain.quotes.keys()) this.#byToken.delete(token);
    if (chain.def.future) this.#byToken.delete(chain.def.future.instrument_token);
  }

  /** The contracts of one chain, as its demand: every option and the future. */
  tokens(expiry: string): number[] {
    const chain = this.#chains.get(expiry);
    if (!chain) return [];
    return [...chain.quotes.keys(), ...(chain.def.future ? [chain.def.future.instrument_token] : [])];
  }

  /** The spot instruments the chains need, by the group that holds them. */
  spots(): Map<string, Set<number>> {
    const byGroup = new Map<string, Set<number>>();
    for (const { def } of this.#chains.values()) {
      if (!def.spot) continue;
      const tokens = byGroup.get(def.spot.group) ?? new Set<number>();
      tokens.add(def.spot.instrument_token);
      byGroup.set(def.spot.group, tokens);
    }
    return byGroup;
  }

  /** Reads a round's packets into the quotes of the chains they belong to; the others cost a map lookup each. */
  onPackets(packets: readonly Uint8Array[], now: number): void {
    for (const packet of packets) {
      const chain = this.#byToken.get(packetToken(packet));
      if (chain) this.#read(chain, packet, now);
    }
  }

  /** The underlying's last price, as the spot's group holds it. */
  setSpot(token: number, price: number): void {
    for (const chain of this.#chains.values()) {
      if (chain.def.spot?.instrument_token !== token || chain.input.spot === price) continue;
      chain.input.spot = price;
      chain.dirty = true;
    }
  }

  /** Recomputes every chain that is due at `now`; returns the expiries recomputed. */
  round(now: number): string[] {
    const computed: string[] = [];
    for (const [expiry, chain] of this.#chains) if (this.#compute(chain, now)) computed.push(expiry);
    return computed;
  }

  /** When the first chain with a change held back by the once-a-second gate is due (null: none waits). */
  nextDueAt(): number | null {
    let due: number | null = null;
    for (const chain of this.#chains.values()) if (chain.dirty && chain.ticked) due = Math.min(due ?? Infinity, chain.computedAt + CHAIN_INTERVAL_MS);
    return due;
  }

  /**
   * One chain as a reader asked for it (N strikes each side of the ATM, or
   * all), recomputed first when due; counts as a request (see `idle`).
   * undefined: not streaming; null: no tick of it has arrived yet.
   */
  read(expiry: string, now: number, strikes?: number): FnoChain | null | undefined {
    const chain = this.#chains.get(expiry);
    if (!chain) return undefined;
    chain.askedAt = Math.max(chain.askedAt, now);
    if (chain.ticked) this.#compute(chain, now);
    return this.#cut(chain, strikes);
  }

  /** The last chain computed, cut to `strikes`, without recomputing or counting as a request. */
  last(expiry: string, strikes?: number): FnoChain | null {
    const chain = this.#chains.get(expiry);
    return chain ? this.#cut(chain, strikes) : null;
  }

  /** Someone still wants this chain (a WebSocket subscriber), as a request would say. */
  touch(expiry: string, now: number): void {
    const chain = this.#chains.get(expiry);
    if (chain) chain.askedAt = Math.max(chain.askedAt, now);
  }

  /** The chains nobody asked for in `idleMs`. */
  idle(now: number, idleMs: number): string[] {
    return [...this.#chains].filter(([, chain]) => now - chain.askedAt >= idleMs).map(([expiry]) => expiry);
  }

  /** When the first chain will have been idle `idleMs` (null: none streaming). */
  nextIdleAt(idleMs: number): number | null {
    let first: number | null = null;
    for (const chain of this.#chains.values()) first = Math.min(first ?? Infinity, chain.askedAt + idleMs);
    return first;
  }

  /** How many contracts of one chain are in `rejected` (those the origin could not subscribe). */
  refused(expiry: string, rejected: ReadonlySet<number>): number {
    return this.tokens(expiry).filter((token) => rejected.has(token)).length;
  }

  /** The term structure over the streaming chains, each computed (when due) at `now`. */
  summary(name: string, now: number): FnoSummary {
    const chains: FnoChain[] = [];
    for (const chain of this.#chains.values()) {
      if (chain.ticked) this.#compute(chain, now);
      if (chain.computed) chains.push(chain.computed);
    }
    return fnoSummary(name, now, chains);
  }

  #cut(chain: LiveChain, strikes: number | undefined): FnoChain | null {
    if (!chain.computed) return null;
    return strikes === undefined ? chain.computed : windowChain(chain.computed, strikes);
  }

  #compute(chain: LiveChain, now: number): boolean {
    if (!chain.dirty || now - chain.computedAt < CHAIN_INTERVAL_MS) return false;
    chain.input.now = now;
    chain.computed = computeChain(chain.input);
    chain.computedAt = now;
    chain.dirty = false;
    return true;
  }

  #read(chain: LiveChain, packet: Uint8Array, now: number): void {
    const tick = decodePacket(packet);
    chain.ticked = true;
    chain.dirty = true;
    const future = chain.input.future;
    if (future && tick.instrument_token === chain.def.future?.instrument_token) {
      future.last_price = tick.last_price;
      return;
    }
    const quote = chain.quotes.get(tick.instrument_token);
    if (!quote) return;
    quote.last_price = tick.last_price;
    if (!hasVolume(tick)) return;
    quote.close = tick.ohlc.close;
    quote.volume = tick.volume_traded;
    if (!hasDepth(tick)) return;
    quote.bid = tick.depth.buy[0]?.price ?? null;
    quote.ask = tick.depth.sell[0]?.price ?? null;
    quote.oi = tick.oi;
    const day = istDay(now);
    if (day !== chain.referenceDay) {
      // A new session: OI change is measured from its first OI, not yesterday's.
      chain.referenceDay = day;
      for (const q of chain.quotes.values()) q.oi_reference = null;
    }
    quote.oi_reference ??= tick.oi;
  }
}

/** The IST calendar day of `ms`, as a day number: Indian sessions change day at IST midnight. */
function istDay(ms: number): number {
  return Math.floor((ms + IST_OFFSET_MS) / DAY_MS);
}
