import { type Candle, minuteStart } from '../contracts/candles.ts';
import type { Quote } from './quote.ts';
import type { TickSource } from './ticker-server.ts';

/**
 * Minute candles of the live session, recorded from the trades the ticker
 * streams, so the historical API agrees with the ticks a client received:
 * bucketed by the trade's `exchange_timestamp`; open, high, low and close
 * of `last_price`; volume = `volume_traded` at the minute's last trade less
 * at the previous minute's last trade (the first minute counts from the
 * volume before the token's first trade); OI the minute's last. Only traded
 * tokens are kept, each with its latest MAX_MINUTES minutes.
 */
const MAX_MINUTES = 1440;

type Series = {
  /** Oldest first; the last one is forming. */
  candles: Candle[];
  /** volume_traded at the end of the minute before the forming one. */
  volumeBefore: number;
  /** volume_traded at the latest trade. */
  volume: number;
};

export class LiveCandles {
  readonly #series = new Map<number, Series>();

  record(quote: Quote): void {
    const time = minuteStart(quote.exchange_timestamp * 1000);
    const price = quote.last_price;
    let series = this.#series.get(quote.instrument_token);
    if (!series) {
      const before = quote.volume_traded - quote.last_traded_quantity;
      series = { candles: [], volumeBefore: before, volume: before };
      this.#series.set(quote.instrument_token, series);
    }
    const forming = series.candles[series.candles.length - 1];
    // A trade stamped before the forming minute (the clock stepped back) belongs to it still: candles never reopen.
    if (forming && time <= forming.time) {
      if (price > forming.high) forming.high = price;
      if (price < forming.low) forming.low = price;
      forming.close = price;
      forming.volume = quote.volume_traded - series.volumeBefore;
      forming.oi = quote.oi;
    } else {
      series.volumeBefore = series.volume;
      series.candles.push({ time, open: price, high: price, low: price, close: price, volume: quote.volume_traded - series.volumeBefore, oi: quote.oi });
      if (series.candles.length > MAX_MINUTES) series.candles.shift();
    }
    series.volume = quote.volume_traded;
  }

  /** The token's recorded minutes starting in [fromMs, toMs], oldest first, the forming one included. */
  minutes(token: number, fromMs: number, toMs: number): Candle[] {
    const candles = this.#series.get(token)?.candles ?? [];
    return candles.filter((c) => c.time >= fromMs && c.time <= toMs).map((c) => ({ ...c }));
  }
}

/** The market as the ticker trades it, each trade recorded into `candles`. */
export function recordingTrades(market: TickSource, candles: LiveCandles): TickSource {
  return {
    trade(token, nowMs) {
      const quote = market.trade(token, nowMs);
      candles.record(quote);
      return quote;
    },
  };
}
