import type { Candle } from '../contracts/candles.ts';
import { istDay, previousTradingDay, sessionBounds, tradingDaysBetween, tradingSession } from '../contracts/trading-calendar.ts';
import type { PreviousClose } from './market.ts';
import { hashString, mix, type Rng, uniform } from './seeded-random.ts';
import type { SimInstrument, Underlying } from './universe-types.ts';

/**
 * The market's past: a minute candle for every minute of every trading day
 * before the live one, made up from the seed alone (nothing is stored), and
 * ending exactly where the live session starts.
 *
 * - Each underlying's daily closes walk backwards from its `spot`, the live
 *   session's previous close, by one lognormal return per (seed,
 *   underlying, day); a day opens at the previous day's close.
 * - Within a day its level follows a random-walk bridge from that open to
 *   that close, SUB_STEPS steps a minute, drawn per (seed, underlying, day): an
 *   index, its futures and its options move together, minute by minute.
 * - An instrument is its own previous close (the live quote's
 *   `ohlc.close`) scaled by its underlying's level, on its tick grid; the
 *   last minute before the live session closes at that previous close.
 * - Volume per (seed, token, day): the live stream's pace (a trade a second
 *   of the instrument's mean size), heavier at the open and the close;
 *   indices trade none. OI (derivatives only) walks back daily from the live
 *   session's opening OI and moves evenly through each day, with noise.
 */
export type HistoryBasis = { previousClose(token: number): PreviousClose };

/** Steps of the bridge per minute: a minute's high and low are the extremes of its steps. */
const SUB_STEPS = 4;
const TRADING_DAYS_PER_YEAR = 252;
/** The live stream trades each subscribed instrument about once a second. */
const TRADES_PER_MINUTE = 60;
/** Day-to-day relative change of OI (one standard deviation). */
const OI_DAILY_SD = 0.05;
/** Minute-to-minute wobble of OI around its straight line through the day. */
const OI_MINUTE_SD = 0.003;

/** Which of a (seed, underlying or token, day) key's streams. */
const Stream = { DailyReturn: 1, Path: 2, Volume: 3, DailyOi: 4, MinuteOi: 5 } as const;

export class SyntheticHistory {
  readonly #seed: number;
  readonly #underlyings: ReadonlyMap<string, Underlying>;
  readonly #basis: HistoryBasis;
  /** The last synthetic day: the trading day before the live one, whose close is every underlying's spot. */
  readonly lastDay: string;

  constructor(options: { seed: number; underlyings: ReadonlyMap<string, Underlying>; basis: HistoryBasis; liveDay: string }) {
    this.#seed = options.seed;
    this.#underlyings = options.underlyings;
    this.#basis = options.basis;
    this.lastDay = previousTradingDay(options.liveDay);
  }

  /**
   * The instrument's minute candles starting in [fromMs, toMs], oldest
   * first: every minute of its exchange's session on each trading day up to
   * lastDay, none on other days.
   */
  minutes(instrument: SimInstrument, fromMs: number, toMs: number): Candle[] {
    let toDay = istDay(toMs);
    if (toDay > this.lastDay) toDay = this.lastDay;
    const days = tradingDaysBetween(istDay(fromMs), toDay);
    const oldest = days[0];
    if (oldest === undefined) return [];
    const underlying = this.#underlyings.get(instrument.underlying);
    if (!underlying) throw new Error(`${instrument.tradingsymbol}: no underlying '${instrument.underlying}'`);
    const basis = this.#basis.previousClose(instrument.instrument_token);
    const underlyingKey = mix(this.#seed, hashString(underlying.id));
    const tokenKey = mix(this.#seed, instrument.instrument_token);
    const dailySd = underlying.annualVol / Math.sqrt(TRADING_DAYS_PER_YEAR);

    // Walk back from the live session's previous close to the oldest day asked for.
    const logSpot = Math.log(underlying.spot);
    const closes = new Map<string, { logClose: number; logOpen: number; oiClose: number; oiOpen: number }>();
    let logClose = logSpot;
    let oiClose = basis.oi;
    for (let day = this.lastDay; day >= oldest; day = previousTradingDay(day)) {
      const dayKey = dayNumber(day);
      const r = dailySd * gaussian({ rng: mix(mix(underlyingKey, dayKey), Stream.DailyReturn) }) - 0.5 * dailySd * dailySd;
      const oiOpen = roundToLot(oiClose / Math.exp(OI_DAILY_SD * gaussian({ rng: mix(mix(tokenKey, dayKey), Stream.DailyOi) })), basis.lot);
      if (day <= toDay) closes.set(day, { logClose, logOpen: logClose - r, oiClose, oiOpen });
      logClose -= r;
      oiClose = oiOpen;
    }

    const candles: Candle[] = [];
    const session = tradingSession(instrument.exchange);
    const minutesPerDay = session.close - session.open;
    const steps = minutesPerDay * SUB_STEPS;
    const path = new Float64Array(steps + 1);
    const stepSd = dailySd / Math.sqrt(steps);
    const { scale, tickUnits } = basis;
    const toTicks = (logLevel: number) => Math.max(Math.round((basis.price * Math.exp(logLevel - logSpot) * scale) / tickUnits), 1);
    const price = (ticks: number) => (ticks * tickUnits) / scale;

    for (const day of days) {
      const close = closes.get(day);
      if (!close) continue;
      const { openMs } = sessionBounds(day, instrument.exchange);
      const dayKey = dayNumber(day);
      const walk: Rng = { rng: mix(mix(underlyingKey, dayKey), Stream.Path) };
      path[0] = 0;
      for (let k = 1; k <= steps; k++) path[k] = (path[k - 1] as number) + stepSd * unitStep(walk);
      // Pin the walk to the day's open and close: a Brownian bridge.
      const drift = close.logClose - close.logOpen - (path[steps] as number);
      for (let k = 0; k <= steps; k++) path[k] = close.logOpen + (path[k] as number) + (drift * k) / steps;
      path[steps] = close.logClose;

      const volumeRng: Rng = { rng: mix(mix(tokenKey, dayKey), Stream.Volume) };
      const oiRng: Rng = { rng: mix(mix(tokenKey, dayKey), Stream.MinuteOi) };
      for (let i = 0; i < minutesPerDay; i++) {
        const time = openMs + i * 60_000;
        // Draw for every minute, in range or not, so a minute's candle does not depend on the range asked.
        const volumeNoise = Math.exp(0.4 * unitStep(volumeRng) - 0.08);
        const oiNoise = 1 + OI_MINUTE_SD * unitStep(oiRng);
        if (time < fromMs || time > toMs) continue;
        let high = toTicks(path[i * SUB_STEPS] as number);
        let low = high;
        const open = high;
        let last = high;
        for (let k = i * SUB_STEPS + 1; k <= (i + 1) * SUB_STEPS; k++) {
          last = toTicks(path[k] as number);
          if (last > high) high = last;
          if (last < low) low = last;
        }
        const x = (2 * i) / (minutesPerDay - 1) - 1;
        const lots = Math.round(TRADES_PER_MINUTE * basis.lotsPerTrade * (0.6 + 1.2 * x * x) * volumeNoise);
        const oiLine = close.oiOpen + ((close.oiClose - close.oiOpen) * (i + 1)) / minutesPerDay;
        const oi = i === minutesPerDay - 1 ? close.oiClose : roundToLot(oiLine * oiNoise, basis.lot);
        candles.push({ time, open: price(open), high: price(high), low: price(low), close: price(last), volume: lots * basis.lot, oi });
      }
    }
    return candles;
  }
}

/** Days since the epoch: a day's key in the seeded streams. */
function dayNumber(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 86_400_000;
}

function roundToLot(quantity: number, lot: number): number {
  return Math.max(Math.round(quantity / lot) * lot, 0);
}

/** A standard normal by Box–Muller (for the daily draws). */
function gaussian(r: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - uniform(r))) * Math.cos(2 * Math.PI * uniform(r));
}

/**
 * A uniform step of mean 0 and variance 1: a day's walk sums thousands of
 * them, so it is Gaussian where it matters, at a fraction of Box–Muller's cost.
 */
function unitStep(r: Rng): number {
  return Math.sqrt(3) * (2 * uniform(r) - 1);
}
