import type { TickMode } from '../../contracts/origin-link.ts';
import { type ConnectionStats, type KiteToken, TickerConnection } from './ticker-connection.ts';

/**
 * Kite's market-data capacity over one or more accounts: at most
 * `connectionsPerKey` sockets per API key and `instrumentsPerConnection`
 * instruments per socket. `setWanted` takes the whole set the platform
 * wants and changes only what differs: a removed instrument is unsubscribed
 * where it lives, a new one is placed, and no other instrument moves or
 * restarts. What does not fit is returned with the reason.
 *
 * Placement keeps an instrument group together: a new instrument goes to
 * its group's home slot while that has room. The router sends one batch per
 * group per Kite frame, and each batch costs its group object (and every
 * hub it forwards to) a message, so a group spread over three sockets costs
 * three times the messages of one on a single socket. A group's first
 * instrument, and any that do not fit at home, go to the slot with the most
 * room: groups spread over the sockets, so one dropped socket takes fewer
 * instruments with it.
 */
export type PoolAccount = { apiKey: string };

export type AccountToken = KiteToken;

export type PoolOptions = {
  accounts: readonly PoolAccount[];
  tickerRoot: string;
  connectionsPerKey?: number;
  instrumentsPerConnection?: number;
  /** The instrument group of a token (undefined: none known), as the tick router splits frames. */
  groupOf?: (token: number) => string | undefined;
  onFrame: (frame: Uint8Array, receivedAt: number) => void;
  onStateChange?: () => void;
  log: (line: string) => void;
  silenceMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
};

export type AccountStats = {
  api_key: string;
  token_expires_at: string | null;
  has_token: boolean;
  connections: ConnectionStats[];
};

/** A group's home slot and how many of the group's placed instruments are on it; forgotten at zero. */
type Home = { group: string; slot: TickerConnection; instruments: number };

export class ConnectionPool {
  readonly #slots: TickerConnection[] = [];
  /** Each placed token's slot, and the home it counts towards (none when it spilled over or has no group). */
  readonly #placement = new Map<number, { slot: TickerConnection; home: Home | undefined }>();
  readonly #homes = new Map<string, Home>();
  readonly #tokens = new Map<string, AccountToken>();
  readonly #perConnection: number;
  readonly #options: PoolOptions;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#perConnection = options.instrumentsPerConnection ?? 3000;
    const perKey = options.connectionsPerKey ?? 3;
    for (const account of options.accounts) {
      for (let i = 1; i <= perKey; i++) {
        this.#slots.push(
          new TickerConnection({
            id: `${account.apiKey}#${i}`,
            tickerRoot: options.tickerRoot,
            apiKey: account.apiKey,
            token: () => this.#tokens.get(account.apiKey),
            onFrame: (frame, receivedAt) => options.onFrame(frame, receivedAt),
            onStateChange: () => options.onStateChange?.(),
            log: options.log,
            silenceMs: options.silenceMs,
            backoffBaseMs: options.backoffBaseMs,
            backoffMaxMs: options.backoffMaxMs,
          }),
        );
      }
    }
  }

  get capacity(): number {
    return this.#slots.length * this.#perConnection;
  }

  /** Hot-swaps an account's access token: its connections waiting on one dial at once. */
  setAccessToken(apiKey: string, token: AccountToken): void {
    if (!this.#options.accounts.some((a) => a.apiKey === apiKey)) throw new Error(`no Kite account with api_key ${apiKey} is configured`);
    this.#tokens.set(apiKey, token);
    for (const slot of this.#slots) if (slot.apiKey === apiKey) slot.tokenChanged();
  }

  /** Makes Kite carry `wanted` (token → mode) as far as capacity allows; returns what it could not place. */
  setWanted(wanted: ReadonlyMap<number, TickMode>): Map<number, string> {
    const removals = new Map<TickerConnection, number[]>();
    const changes = new Map<TickerConnection, Map<number, TickMode>>();
    const load = new Map<TickerConnection, number>(this.#slots.map((s) => [s, s.wanted.size]));
    for (const [token, { slot, home }] of this.#placement) {
      if (wanted.has(token)) continue;
      (removals.get(slot) ?? removals.set(slot, []).get(slot))?.push(token);
      this.#placement.delete(token);
      load.set(slot, (load.get(slot) ?? 0) - 1);
      if (home && --home.instruments === 0) this.#homes.delete(home.group);
    }
    const rejected = new Map<number, string>();
    for (const [token, mode] of wanted) {
      const placed = this.#placement.get(token);
      if (placed) {
        const { slot } = placed;
        if (slot.wanted.get(token) !== mode) (changes.get(slot) ?? changes.set(slot, new Map()).get(slot))?.set(token, mode);
        continue;
      }
      const group = this.#options.groupOf?.(token);
      let home = group === undefined ? undefined : this.#homes.get(group);
      const slot = home && (load.get(home.slot) ?? 0) < this.#perConnection ? home.slot : this.#roomiest(load);
      if (!slot) {
        rejected.set(token, `Kite capacity reached: ${this.#slots.length} connections × ${this.#perConnection} instruments are in use`);
        continue;
      }
      if (group !== undefined && !home) {
        home = { group, slot, instruments: 0 };
        this.#homes.set(group, home);
      }
      const counted = home?.slot === slot ? home : undefined; // not when it spilled over
      if (counted) counted.instruments++;
      this.#placement.set(token, { slot, home: counted });
      load.set(slot, (load.get(slot) ?? 0) + 1);
      (changes.get(slot) ?? changes.set(slot, new Map()).get(slot))?.set(token, mode);
    }
    for (const slot of new Set([...removals.keys(), ...changes.keys()])) slot.apply(changes.get(slot) ?? new Map(), removals.get(slot) ?? []);
    return rejected;
  }

  /**
   * After the registry changed (a sync): instruments placed while their
   * group was unknown (the first start, before the first sync) or that
   * changed group are brought together. Each group's home becomes the slot
   * that carries most of it and has room for the rest (biggest groups
   * first), and the rest move there as far as capacity allows: unsubscribed
   * where they were, then subscribed there (so a full connection can take
   * them), so an instrument misses at most a round. Returns how many moved.
   */
  regroup(): number {
    const groupOf = this.#options.groupOf;
    if (!groupOf) return 0;
    const bySlot = new Map<string, Map<TickerConnection, number>>();
    const groups = new Map<number, string>();
    for (const [token, { slot }] of this.#placement) {
      const group = groupOf(token);
      if (group === undefined) continue;
      groups.set(token, group);
      const counts = bySlot.get(group) ?? bySlot.set(group, new Map()).get(group);
      counts?.set(slot, (counts.get(slot) ?? 0) + 1);
    }
    // Biggest groups first, each to the slot with most of it among those its whole size still fits in once every group is home.
    this.#homes.clear();
    const planned = new Map<TickerConnection, number>();
    const sizeOf = (counts: Map<TickerConnection, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
    for (const [group, counts] of [...bySlot].sort((a, b) => sizeOf(b[1]) - sizeOf(a[1]))) {
      const size = sizeOf(counts);
      const ranked = [...this.#slots].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0));
      const slot = ranked.find((candidate) => (planned.get(candidate) ?? 0) + size <= this.#perConnection) ?? (ranked[0] as TickerConnection);
      planned.set(slot, (planned.get(slot) ?? 0) + size);
      this.#homes.set(group, { group, slot, instruments: 0 });
    }
    // Every instrument away from home moves, unless that leaves a slot over capacity: then moves into it are given up, one at a time.
    const moving = new Map<number, { from: TickerConnection; to: TickerConnection }>();
    const final = new Map<TickerConnection, number>(this.#slots.map((s) => [s, s.wanted.size]));
    const into = new Map<TickerConnection, number[]>();
    for (const [token, { slot }] of this.#placement) {
      const home = this.#homes.get(groups.get(token) as string);
      if (!home || home.slot === slot) continue;
      moving.set(token, { from: slot, to: home.slot });
      final.set(slot, (final.get(slot) ?? 0) - 1);
      final.set(home.slot, (final.get(home.slot) ?? 0) + 1);
      (into.get(home.slot) ?? into.set(home.slot, []).get(home.slot))?.push(token);
    }
    for (let over = this.#overfull(final); over; over = this.#overfull(final)) {
      const token = into.get(over)?.pop() as number;
      const { from } = moving.get(token) as { from: TickerConnection };
      moving.delete(token);
      final.set(over, (final.get(over) ?? 0) - 1);
      final.set(from, (final.get(from) ?? 0) + 1);
    }
    const adds = new Map<TickerConnection, Map<number, TickMode>>();
    const removals = new Map<TickerConnection, number[]>();
    for (const [token, { from, to }] of moving) {
      (adds.get(to) ?? adds.set(to, new Map()).get(to))?.set(token, from.wanted.get(token) as TickMode);
      (removals.get(from) ?? removals.set(from, []).get(from))?.push(token);
      (this.#placement.get(token) as { slot: TickerConnection }).slot = to;
    }
    for (const [token, placed] of this.#placement) {
      const home = this.#homes.get(groups.get(token) as string);
      placed.home = home && placed.slot === home.slot ? home : undefined;
      if (placed.home) placed.home.instruments++;
    }
    // Unsubscribed first: a full connection takes its new instruments once the old ones are gone.
    for (const [slot, tokens] of removals) slot.apply(new Map(), tokens);
    for (const [slot, set] of adds) slot.apply(set, []);
    return moving.size;
  }

  /** A slot that would carry more than a connection may, if any. */
  #overfull(load: ReadonlyMap<TickerConnection, number>): TickerConnection | undefined {
    return this.#slots.find((slot) => (load.get(slot) ?? 0) > this.#perConnection);
  }

  /** The slot with the most free room; ties go to a connection already open (no new socket needed). */
  #roomiest(load: Map<TickerConnection, number>): TickerConnection | undefined {
    let best: TickerConnection | undefined;
    let bestFree = 0;
    for (const slot of this.#slots) {
      const free = this.#perConnection - (load.get(slot) ?? 0);
      const open = slot.state !== 'idle';
      if (free > bestFree || (free === bestFree && free > 0 && open && best?.state === 'idle')) {
        best = slot;
        bestFree = free;
      }
    }
    return best;
  }

  placed(token: number): string | undefined {
    return this.#placement.get(token)?.slot.id;
  }

  stats(): AccountStats[] {
    return this.#options.accounts.map((account) => {
      const token = this.#tokens.get(account.apiKey);
      return {
        api_key: account.apiKey,
        has_token: token !== undefined,
        token_expires_at: token?.expiresAt?.toISOString() ?? null,
        connections: this.#slots.filter((s) => s.apiKey === account.apiKey).map((s) => s.stats()),
      };
    });
  }

  stop(): void {
    for (const slot of this.#slots) slot.stop();
  }
}
