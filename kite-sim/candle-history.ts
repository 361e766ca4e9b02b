import { bucketEnd, bucketStart, type Candle, type CandleInterval, mergeCandles } from '../contracts/candles.ts';
import { istDay, istMidnight } from '../contracts/trading-calendar.ts';
import type { LiveCandles } from './live-candles.ts';
import type { SyntheticHistory } from './synthetic-history.ts';
import type { SimInstrument } from './universe-types.ts';

/**
 * What the historical API answers from: synthetic minutes for the trading
 * days before the live day (the simulator's start), the recorded live
 * minutes from the live day's midnight on; every other interval aggregated
 * from those minutes, intraday buckets counted from the exchange's open,
 * day buckets from IST midnight.
 */
export class CandleHistory {
  readonly #synthetic: SyntheticHistory;
  readonly #live: LiveCandles;
  readonly #liveFromMs: number;

  constructor(options: { synthetic: SyntheticHistory; live: LiveCandles; liveDay: string }) {
    this.#synthetic = options.synthetic;
    this.#live = options.live;
    this.#liveFromMs = istMidnight(options.liveDay);
  }

  /**
   * Candles of `interval` starting in [fromMs, toMs] (day candles: of the
   * IST days from `fromMs`'s to `toMs`'s), oldest first, each aggregated
   * from all of its minutes.
   */
  candles(instrument: SimInstrument, interval: CandleInterval, fromMs: number, toMs: number): Candle[] {
    if (interval === 'minute') return this.#minutes(instrument, fromMs, toMs);
    const exchange = instrument.exchange;
    const lowest = interval === 'day' ? istMidnight(istDay(fromMs)) : fromMs;
    const last = bucketStart(toMs, interval, exchange);
    const minutes = this.#minutes(instrument, bucketStart(fromMs, interval, exchange), bucketEnd(last, interval) - 1);
    const candles: Candle[] = [];
    let bucket: Candle[] = [];
    let start = Number.NaN;
    const flush = () => {
      const merged = start >= lowest && start <= toMs ? mergeCandles(start, bucket) : undefined;
      if (merged) candles.push(merged);
    };
    for (const minute of minutes) {
      const at = bucketStart(minute.time, interval, exchange);
      if (at !== start) {
        flush();
        bucket = [];
        start = at;
      }
      bucket.push(minute);
    }
    flush();
    return candles;
  }

  #minutes(instrument: SimInstrument, fromMs: number, toMs: number): Candle[] {
    const synthetic = fromMs < this.#liveFromMs ? this.#synthetic.minutes(instrument, fromMs, Math.min(toMs, this.#liveFromMs - 1)) : [];
    const live = toMs >= this.#liveFromMs ? this.#live.minutes(instrument.instrument_token, Math.max(fromMs, this.#liveFromMs), toMs) : [];
    return live.length ? synthetic.concat(live) : synthetic;
  }
}
