import { type ChainAnswer, ChainDefinition, type FnoSummary } from '../../contracts/fno-chain.ts';
import type { LatestPacket } from '../../contracts/group-state.ts';
import { decodePacket } from '../../contracts/kite-ticks/decode.ts';
import type { Demand, TickMode } from '../../contracts/origin-link.ts';
import { frameProblem } from '../../contracts/zod-problem.ts';
import { ChainBook } from './chain-book.ts';
import type { GroupStore } from './group-store.ts';
import type { HeldPacket } from './held-packets.ts';

/**
 * An `fno` group's option chains (docs/fno.md): each started by the edge
 * with its definition (`start`), kept in SQLite, subscribed in `full` mode
 * as the demand consumer `chain:<expiry>`, recomputed from the group's
 * ticks at most once a second (chain-book.ts), read by REST (`read`, which
 * may wait for the first ticks) and pushed to the hubs that stream it.
 *
 * The spot lives in another group (the index's, or the stock's cash
 * shard). The chains ask that group to stream it (the demand consumer
 * `fno-spot:<this group>`, ltp mode) and read its latest price from it at
 * most once a second, on a round that finds it due: one small RPC a second
 * per underlying, not a link of its own. The forward does not wait for it
 * (the future, or put-call parity, gives it); the spot sets `basis` and the
 * carry forward of an expiry with neither.
 *
 * A chain nobody asked for (a REST read, a hub streaming it) in
 * CHAIN_IDLE_MS is stopped: its definition and demand go.
 */
export const CHAIN_IDLE_MS = 10 * 60_000;
/** The longest a first read waits for a new chain's first ticks. */
export const MAX_CHAIN_WAIT_MS = 5_000;
const SPOT_INTERVAL_MS = 1_000;

export type SpotGroup = {
  latest(tokens: number[]): Promise<LatestPacket[]>;
  setDemand(consumer: string, tokens: Demand): Promise<unknown>;
};

export type GroupChainsHost = {
  group: string;
  store: GroupStore;
  /** Replaces one consumer's demand on this group, stored at once. */
  setDemand(consumer: string, wants: Map<number, TickMode>): Promise<void>;
  latestPacket(token: number): HeldPacket | undefined;
  /** The tokens the origin last reported it could not subscribe. */
  rejected(): ReadonlySet<number>;
  spotGroup(group: string): SpotGroup;
  wakeAt(at: number): void;
  /** A chain was recomputed: the hubs streaming it hear of it. */
  published(expiry: string): void;
};

type Waiter = { resolve: () => void; timer: ReturnType<typeof setTimeout> };

export class GroupChains {
  readonly book = new ChainBook();
  readonly #host: GroupChainsHost;
  readonly #waiters = new Map<string, Set<Waiter>>();
  #spotAskedAt = -Infinity;
  #spotInFlight = false;
  /** The one timer that recomputes a chain whose last change the gate held back (none while nothing waits). */
  #trailing: ReturnType<typeof setTimeout> | undefined;

  constructor(host: GroupChainsHost) {
    this.#host = host;
  }

  /** At start: the stored chains, their quotes filled from the snapshot the group restored. */
  load(now: number): void {
    for (const stored of this.#host.store.loadChains()) {
      const def = ChainDefinition.safeParse(stored);
      if (!def.success) {
        console.error(`InstrumentGroup ${this.#host.group}: a stored chain does not parse (${frameProblem(def.error)}); dropped`);
        continue;
      }
      this.#begin(def.data, now);
    }
    const idleAt = this.book.nextIdleAt(CHAIN_IDLE_MS);
    if (idleAt !== null) this.#host.wakeAt(idleAt);
  }

  /** Starts streaming a chain (or takes a new definition of it), and answers for it as `read` does. */
  async start(input: unknown, now: number, strikes: number | undefined, waitMs: number): Promise<ChainAnswer> {
    const parsed = ChainDefinition.safeParse(input);
    if (!parsed.success) throw new TypeError(`chain definition: ${frameProblem(parsed.error)}`);
    const def = parsed.data;
    const known = this.book.definition(def.expiry);
    if (!known || JSON.stringify(known) !== JSON.stringify(def)) {
      this.#host.store.putChain(def.expiry, def);
      this.#begin(def, now);
      await this.#host.setDemand(chainConsumer(def.expiry), new Map(this.book.tokens(def.expiry).map((token) => [token, 'full'])));
      await this.#syncSpotDemand();
      this.#host.wakeAt(now + CHAIN_IDLE_MS);
    }
    return this.read(def.expiry, strikes, waitMs) as Promise<ChainAnswer>;
  }

  /**
   * One chain (undefined: not streaming). A chain no tick of which has
   * arrived yet, and which Kite has not refused, is waited for up to
   * `waitMs` (at most MAX_CHAIN_WAIT_MS): a first read answers with prices.
   */
  async read(expiry: string, strikes: number | undefined, waitMs: number): Promise<ChainAnswer | undefined> {
    if (!this.book.has(expiry)) return undefined;
    if (this.book.read(expiry, Date.now(), strikes) === null && this.#refused(expiry) === 0 && waitMs > 0) {
      await this.#waitFor(expiry, Math.min(waitMs, MAX_CHAIN_WAIT_MS));
    }
    const chain = this.book.read(expiry, Date.now(), strikes);
    if (chain === undefined) return undefined;
    return { chain, refused: this.#refused(expiry) };
  }

  summary(name: string, now: number): FnoSummary {
    return this.book.summary(name, now);
  }

  /** A round of ticks: into the chains' quotes, and the chains that are due recomputed and published. */
  onTicks(packets: readonly Uint8Array[], now: number): void {
    if (this.book.size === 0) return;
    this.book.onPackets(packets, now);
    this.#refreshSpot(now);
    this.#round(now);
  }

  #round(now: number): void {
    for (const expiry of this.book.round(now)) {
      this.#wake(expiry);
      this.#host.published(expiry);
    }
    // Ticks that came within the second are not left waiting for the next batch, which a quiet market may not send.
    const due = this.book.nextDueAt();
    if (due === null || this.#trailing !== undefined) return;
    this.#trailing = setTimeout(
      () => {
        this.#trailing = undefined;
        this.#round(Date.now());
      },
      Math.max(0, due - now),
    );
  }

  /** The origin reported contracts it could not subscribe: a first read waiting on a refused chain answers now. */
  onCapacity(): void {
    for (const expiry of this.#waiters.keys()) if (this.#refused(expiry) > 0) this.#wake(expiry);
  }

  /** From the group's alarm: chains idle too long are stopped; those `streamed` to hubs are not idle. */
  async alarm(now: number, streamed: ReadonlySet<string>): Promise<void> {
    for (const expiry of streamed) this.book.touch(expiry, now);
    const idle = this.book.idle(now, CHAIN_IDLE_MS);
    for (const expiry of idle) {
      this.book.stop(expiry);
      this.#host.store.deleteChain(expiry);
      this.#wake(expiry);
      await this.#host.setDemand(chainConsumer(expiry), new Map());
    }
    if (idle.length > 0) await this.#syncSpotDemand();
    const next = this.book.nextIdleAt(CHAIN_IDLE_MS);
    if (next !== null) this.#host.wakeAt(next);
  }

  #begin(def: ChainDefinition, now: number): void {
    this.book.start(def, now);
    const held: Uint8Array[] = [];
    for (const token of this.book.tokens(def.expiry)) {
      const packet = this.#host.latestPacket(token)?.packet;
      if (packet) held.push(packet);
    }
    // What the group already holds (a restart's snapshot, contracts another consumer streams) counts as ticks.
    if (held.length > 0) this.book.onPackets(held, now);
  }

  #refused(expiry: string): number {
    return this.book.refused(expiry, this.#host.rejected());
  }

  #waitFor(expiry: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(expiry) ?? new Set<Waiter>();
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(waiter.timer);
          waiters.delete(waiter);
          if (waiters.size === 0) this.#waiters.delete(expiry);
          resolve();
        },
        timer: setTimeout(() => waiter.resolve(), ms),
      };
      waiters.add(waiter);
      this.#waiters.set(expiry, waiters);
    });
  }

  #wake(expiry: string): void {
    for (const waiter of [...(this.#waiters.get(expiry) ?? [])]) waiter.resolve();
  }

  /** Asks the spot's group to stream the spots the chains need (and no longer those they do not). */
  async #syncSpotDemand(): Promise<void> {
    const consumer = spotConsumer(this.#host.group);
    const wanted = this.book.spots();
    const stored = this.#host.store.spotGroups();
    for (const group of new Set([...wanted.keys(), ...stored])) {
      const tokens = Object.fromEntries([...(wanted.get(group) ?? [])].map((token) => [String(token), 'ltp' as const]));
      try {
        await this.#host.spotGroup(group).setDemand(consumer, tokens);
      } catch (error) {
        console.warn(`InstrumentGroup ${this.#host.group}: the spot's group ${group} did not take the demand: ${String(error)}`);
      }
    }
    this.#host.store.putSpotGroups([...wanted.keys()]);
  }

  /** At most once a second, and one call at a time: the spot's latest price from its own group. */
  #refreshSpot(now: number): void {
    if (this.#spotInFlight || now - this.#spotAskedAt < SPOT_INTERVAL_MS) return;
    this.#spotAskedAt = now;
    const spots = this.book.spots();
    if (spots.size === 0) return;
    this.#spotInFlight = true;
    void Promise.all(
      [...spots].map(async ([group, tokens]) => {
        try {
          for (const held of await this.#host.spotGroup(group).latest([...tokens])) {
            this.book.setSpot(held.token, decodePacket(fromBase64(held.packet)).last_price);
          }
        } catch (error) {
          console.warn(`InstrumentGroup ${this.#host.group}: no spot from ${group}: ${String(error)}`);
        }
      }),
    ).finally(() => {
      this.#spotInFlight = false;
    });
  }
}

export const chainConsumer = (expiry: string) => `chain:${expiry}`;
const spotConsumer = (group: string) => `fno-spot:${group}`;

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
