import type { GroupCapacity, GroupFeedState } from '../../contracts/group-state.ts';
import type { TickMode } from '../../contracts/origin-link.ts';
import { createChunkRows, readChunkRows, writeChunkRows } from './chunk-rows.ts';
import type { ConsumerDemand, DemandIndex } from './demand-index.ts';
import { decodeHeldChunk, encodeHeldChunks } from './held-packets.ts';
import type { LatestPackets, TickCounters } from './latest-packets.ts';

/**
 * An InstrumentGroup's SQLite:
 *
 *   latest_chunks  the snapshot of the latest packets, a few BLOB rows of up
 *                  to a thousand packets each (held-packets.ts)
 *   demand_sets    each consumer's demand (a hub's link, an operator, the
 *                  alerts) as one row: token → mode, JSON
 *   chains         each streaming option chain's definition (fno groups:
 *                  chain-book.ts), so a chain outlives a restart
 *   meta           the feed state and capacity the origin last reported,
 *                  the counters, when the origin link dropped, and what
 *                  FeedControl last acknowledged
 *
 * The snapshot and changed demand are written from the group's alarm, not
 * per tick or per subscription (`writeSnapshot`); the rest as it changes.
 */
/** When the origin's link last dropped, and whether the group was wanted then (a link closed for want of demand is no outage). */
export type LinkHistory = { disconnected_at: number | null; wanted?: boolean };

export type GroupMeta = {
  counters: TickCounters & { last_written_at?: number | null };
  feed: GroupFeedState;
  capacity: GroupCapacity;
  link: LinkHistory;
  feed_control_knows: boolean;
  /** The groups this one's chains asked to stream their spot (group-chains.ts). */
  spot_groups: string[];
};

export class GroupStore {
  readonly #sql: SqlStorage;
  /** Consumers whose stored demand is behind memory. */
  readonly #demandBehind = new Set<string>();
  #lastWrittenAt: number | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    createChunkRows(this.#sql, 'latest_chunks', 'BLOB');
    this.#sql.exec('CREATE TABLE IF NOT EXISTS demand_sets (consumer TEXT PRIMARY KEY, tokens TEXT NOT NULL)');
    this.#sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.#sql.exec('CREATE TABLE IF NOT EXISTS chains (expiry TEXT PRIMARY KEY, definition TEXT NOT NULL)');
  }

  /** The stored chain definitions (JSON as written: the group parses them). */
  loadChains(): unknown[] {
    return this.#sql
      .exec<{ definition: string }>('SELECT definition FROM chains ORDER BY expiry')
      .toArray()
      .map((row) => JSON.parse(row.definition));
  }

  putChain(expiry: string, definition: unknown): void {
    this.#sql.exec('INSERT OR REPLACE INTO chains (expiry, definition) VALUES (?, ?)', expiry, JSON.stringify(definition));
  }

  spotGroups(): string[] {
    const row = this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'spot_groups'").toArray()[0];
    return row ? (JSON.parse(row.value) as string[]) : [];
  }

  putSpotGroups(groups: string[]): void {
    this.putMeta('spot_groups', groups);
  }

  deleteChain(expiry: string): void {
    this.#sql.exec('DELETE FROM chains WHERE expiry = ?', expiry);
  }

  /** At start: the snapshot and counters into `latest`, the demand into `demand`, and the rest of meta. */
  load(latest: LatestPackets, demand: DemandIndex): Partial<GroupMeta> {
    const meta: Partial<GroupMeta> = {};
    for (const row of this.#sql.exec<{ key: string; value: string }>('SELECT key, value FROM meta')) {
      (meta as Record<string, unknown>)[row.key] = JSON.parse(row.value);
    }
    const held = readChunkRows<ArrayBuffer>(this.#sql, 'latest_chunks').flatMap((data) => decodeHeldChunk(data));
    latest.restore(held, meta.counters);
    this.#lastWrittenAt = meta.counters?.last_written_at ?? null;
    for (const row of this.#sql.exec<{ consumer: string; tokens: string }>('SELECT consumer, tokens FROM demand_sets')) {
      const wants = Object.entries(JSON.parse(row.tokens) as Record<string, TickMode>).map(([token, mode]) => [Number(token), mode] as const);
      demand.set(row.consumer, new Map(wants));
    }
    return meta;
  }

  /** A consumer's demand changed: written with the next snapshot (or `writeDemand`). */
  demandChanged(consumer: string): void {
    this.#demandBehind.add(consumer);
  }

  /** Each changed consumer's whole demand as one row (a row per token was one statement per subscription). */
  writeDemand(wantsOf: (consumer: string) => ConsumerDemand): void {
    for (const consumer of this.#demandBehind) {
      const wants = wantsOf(consumer);
      if (wants.size === 0) this.#sql.exec('DELETE FROM demand_sets WHERE consumer = ?', consumer);
      else this.#sql.exec('INSERT OR REPLACE INTO demand_sets (consumer, tokens) VALUES (?, ?)', consumer, JSON.stringify(Object.fromEntries(wants)));
    }
    this.#demandBehind.clear();
  }

  /** Writes what is behind: changed demand, then the held packets (all of them, in a few rows) and the counters if they moved. */
  writeSnapshot(latest: LatestPackets, wantsOf: (consumer: string) => ConsumerDemand): void {
    this.writeDemand(wantsOf);
    if (latest.pendingWrites === 0 && !latest.countersBehind) return;
    if (latest.pendingWrites > 0) {
      writeChunkRows(this.#sql, 'latest_chunks', encodeHeldChunks(latest.values()).map(exactBuffer));
    }
    this.#lastWrittenAt = Date.now();
    this.putMeta('counters', { ...latest.counters, last_written_at: this.#lastWrittenAt });
    latest.written();
  }

  /** When the snapshot was last written (null: never). */
  get lastWrittenAt(): number | null {
    return this.#lastWrittenAt;
  }

  putMeta<K extends keyof GroupMeta>(key: K, value: GroupMeta[K]): void {
    this.#sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, JSON.stringify(value));
  }
}

function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}
