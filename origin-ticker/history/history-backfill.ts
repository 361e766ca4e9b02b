import type { BackfillAnswer, BackfillRequest } from '../../contracts/candle-backfill.ts';
import type { Candle } from '../../contracts/candles.ts';
import type { CandleStore } from './candle-store.ts';
import { fetchHistorical, type HistoricalSource, kiteRanges } from './kite-historical.ts';
import type { RequestPacer } from './request-pacer.ts';

/**
 * The origin's half of the backfill (contracts/candle-backfill.ts): a
 * request from the edge becomes paced calls to Kite's historical API, one
 * per range Kite takes, then one write to Postgres; the answer goes back
 * on the feed link. Counters for /health.
 */
export type BackfillStats = { requests: number; kite_calls: number; failed: number; queued: number; last_error: string | null };

export class HistoryBackfill {
  readonly #source: HistoricalSource;
  readonly #pacer: RequestPacer;
  readonly #store: CandleStore;
  readonly #log: (line: string) => void;
  readonly #stats = { requests: 0, kite_calls: 0, failed: 0, last_error: null as string | null };

  constructor(deps: { source: HistoricalSource; pacer: RequestPacer; store: CandleStore; log: (line: string) => void }) {
    this.#source = deps.source;
    this.#pacer = deps.pacer;
    this.#store = deps.store;
    this.#log = deps.log;
  }

  async handle(request: BackfillRequest, now = Date.now()): Promise<BackfillAnswer> {
    this.#stats.requests++;
    try {
      const candles: Candle[] = [];
      for (const range of kiteRanges(request.interval, request.from, request.to)) {
        this.#stats.kite_calls++;
        candles.push(...(await this.#pacer.run(() => fetchHistorical(this.#source, request.token, request.interval, range.from, range.to))));
      }
      const inRange = candles.filter((c) => c.time >= request.from && c.time < request.to);
      const stored =
        request.interval === 'minute'
          ? await this.#store.storeMinutes(request.token, request.exchange, request.from, request.to, inRange, now)
          : await this.#store.storeDays(request.token, request.from, request.to, inRange, now);
      this.#log(
        `backfill ${request.token} ${request.interval} ${new Date(request.from).toISOString()}..${new Date(request.to).toISOString()}: ${inRange.length} candles from Kite, ${stored.minutes} minutes and ${stored.days} days stored`,
      );
      return { type: 'backfill_done', id: request.id, ...stored };
    } catch (error) {
      this.#stats.failed++;
      this.#stats.last_error = (error as Error).message;
      this.#log(`backfill ${request.token} ${request.interval} failed: ${(error as Error).message}`);
      return { type: 'backfill_failed', id: request.id, message: (error as Error).message.slice(0, 2_000) };
    }
  }

  stats(): BackfillStats {
    return { ...this.#stats, queued: this.#pacer.waiting };
  }
}
