import { type Candle, minuteStart } from '../../../contracts/candles.ts';
import { DAY_MS, IST_OFFSET_MS } from '../../../contracts/ist-clock.ts';
import { FULL, INDEX, PACKET, PACKET_LENGTH, priceDivisor, QUOTE } from '../../../contracts/kite-ticks/packet-layout.ts';

/**
 * Minute candles of a group's instruments, built from the packets as they
 * pass (docs/candles.md has the definitions):
 *
 * - the minute is the IST minute of the tick's exchange timestamp (full
 *   packets carry one), or of when the origin received it (ltp and quote
 *   packets carry none);
 * - open, high, low, close from `last_price`; the close is the price of the
 *   latest tick by that time, so a tick arriving out of order moves the
 *   high and low but not the close;
 * - volume = `volume_traded` at the minute's last tick minus at the
 *   previous minute's last tick, from zero at a new IST day; the first
 *   minute ever seen of an instrument starts from its first tick's
 *   `volume_traded` less that tick's own quantity;
 * - oi = the last OI in the minute (full packets; carried on otherwise);
 * - a minute without a tick has no candle.
 *
 * A minute closes when a later minute's tick arrives, or when `closeUntil`
 * (the group's alarm, a little after the minute ends) passes it. Closed
 * candles wait in the outbox until `takeOutbox` hands them to the writer.
 * A tick for the minute just closed still amends it (and queues it again
 * if it was already written); a tick older than that is counted and
 * dropped. Day candles ride along: Kite's own day OHLC from quote and full
 * packets, `volume_traded` as the day's volume.
 *
 * The hot path is `add`: reads in place from the packet's bytes, one map
 * lookup, no allocation but a new minute's record.
 */
export type MinuteState = {
  minute: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Exchange (or receipt) time of the tick that set the close. */
  lastAt: number;
  /** volume_traded at the minute's last tick (-1: the packets carry no volume). */
  volumeEnd: number;
  /** volume_traded at the previous minute's last tick. */
  volumeBase: number;
  oi: number;
};

export type DayState = { day: number; open: number; high: number; low: number; close: number; volume: number; oi: number };

type TokenCandles = {
  /** What the token's prices are divided by (its segment's). */
  divisor: number;
  forming: MinuteState | undefined;
  closed: MinuteState | undefined;
  closedQueued: boolean;
  day: DayState | undefined;
  /** Whether the day candle moved since the last `takeDays` (the token is then in #daysMoved). */
  dayMoved: boolean;
};

export type OutboxCandle = Candle & { token: number };
export type DayCandle = Candle & { token: number };

export type CandleCounters = { late_ticks: number; minutes_closed: number };

export class MinuteCandles {
  readonly #onClosed: ((token: number, minute: Candle) => void) | undefined;
  readonly #tokens = new Map<number, TokenCandles>();
  /** Closed minutes not yet handed to the writer, in closing order. */
  #outbox: OutboxCandle[] = [];
  /** Tokens whose day candle moved since the last `takeDays`, once each (TokenCandles.dayMoved). */
  #daysMoved: number[] = [];
  /** One DataView per batch buffer, not one per packet: the packets of a batch are views of one buffer. */
  #view: DataView | undefined;
  /** Tokens whose state moved since the last `written` (what a snapshot must write). */
  #changed = false;
  readonly counters: CandleCounters = { late_ticks: 0, minutes_closed: 0 };

  /** `onClosed` hears each minute as it closes (live candle streams). */
  constructor(onClosed?: (token: number, minute: Candle) => void) {
    this.#onClosed = onClosed;
  }

  /** One packet from the origin, received at `receivedAt`. */
  add(packet: Uint8Array, receivedAt: number): void {
    const length = packet.byteLength;
    let view = this.#view;
    if (view === undefined || view.buffer !== packet.buffer) {
      view = new DataView(packet.buffer);
      this.#view = view;
    }
    const o = packet.byteOffset;
    const token = view.getUint32(o + PACKET.token);
    let entry = this.#tokens.get(token);
    if (entry === undefined) {
      entry = { divisor: priceDivisor(token), forming: undefined, closed: undefined, closedQueued: false, day: undefined, dayMoved: false };
      this.#tokens.set(token, entry);
    }
    const price = view.getInt32(o + PACKET.lastPrice) / entry.divisor;
    let at = receivedAt;
    if (length === PACKET_LENGTH.full) {
      const exchangeAt = view.getUint32(o + FULL.exchangeTimestamp) * 1000;
      if (exchangeAt > 0) at = exchangeAt;
    } else if (length === PACKET_LENGTH.indexFull) {
      const exchangeAt = view.getUint32(o + INDEX.exchangeTimestamp) * 1000;
      if (exchangeAt > 0) at = exchangeAt;
    }
    const tradable = length === PACKET_LENGTH.quote || length === PACKET_LENGTH.full;
    const volume = tradable ? view.getUint32(o + QUOTE.volumeTraded) : -1;
    const oi = length === PACKET_LENGTH.full ? view.getUint32(o + FULL.oi) : -1;
    this.#changed = true;
    const forming = entry.forming;
    // The common case, a tick in the forming minute: no minute or day arithmetic, and the day follows from the price (Kite's own
    // day OHLC is read once a minute, on the slow path below).
    if (forming !== undefined && at >= forming.minute && at < forming.minute + 60_000 && entry.day !== undefined) {
      amend(forming, price, at, volume, oi);
      const day = entry.day;
      if (price > day.high) day.high = price;
      if (price < day.low) day.low = price;
      day.close = price;
      if (volume > day.volume) day.volume = volume;
      if (oi >= 0) day.oi = oi;
      if (!entry.dayMoved) this.#markDayMoved(token);
      return;
    }
    const minute = minuteStart(at);
    this.#addToDay(token, entry, view, o, length, price, at, volume, oi);
    if (forming !== undefined) {
      if (minute === forming.minute) {
        amend(forming, price, at, volume, oi);
        return;
      }
      if (minute < forming.minute) {
        this.#amendClosed(token, entry, minute, price, at, volume, oi);
        return;
      }
      this.#close(token, entry);
    } else if (entry.closed !== undefined && minute <= entry.closed.minute) {
      this.#amendClosed(token, entry, minute, price, at, volume, oi);
      return;
    }
    const previous = entry.closed;
    const sameDay = previous !== undefined && istDayNumber(previous.minute) === istDayNumber(minute);
    // Kite's definition: from the previous minute's last tick, and from zero when a new day starts after one we saw.
    const base =
      volume < 0
        ? -1
        : sameDay
          ? previous.volumeEnd >= 0
            ? previous.volumeEnd
            : firstBase(view, o, length, volume)
          : previous
            ? 0
            : firstBase(view, o, length, volume);
    entry.forming = {
      minute,
      open: price,
      high: price,
      low: price,
      close: price,
      lastAt: at,
      volumeEnd: volume,
      volumeBase: base,
      oi: oi >= 0 ? oi : sameDay ? previous.oi : 0,
    };
  }

  /** Closes every forming minute that ended at or before `until` (the alarm's sweep). Returns how many closed. */
  closeUntil(until: number): number {
    let closed = 0;
    for (const [token, entry] of this.#tokens) {
      if (entry.forming !== undefined && entry.forming.minute + 60_000 <= until) {
        this.#close(token, entry);
        closed++;
      }
    }
    return closed;
  }

  /** The earliest end of a forming minute (when the sweep has work), or undefined. */
  nextMinuteEnd(): number | undefined {
    let earliest: number | undefined;
    for (const entry of this.#tokens.values()) {
      const end = entry.forming === undefined ? undefined : entry.forming.minute + 60_000;
      if (end !== undefined && (earliest === undefined || end < earliest)) earliest = end;
    }
    return earliest;
  }

  /** The closed minutes waiting for the writer; they leave the outbox (`requeue` puts them back when the write fails). */
  takeOutbox(): OutboxCandle[] {
    const taken = this.#outbox;
    this.#outbox = [];
    if (taken.length > 0) this.#changed = true;
    for (const candle of taken) {
      const entry = this.#tokens.get(candle.token);
      if (entry?.closed?.minute === candle.time) entry.closedQueued = false;
    }
    return taken;
  }

  /** A write that failed: its candles go back in front (a later amendment of the same minute stays the newer copy). */
  requeue(candles: OutboxCandle[]): void {
    const queued = new Set(this.#outbox.map((c) => `${c.token}:${c.time}`));
    this.#outbox = [...candles.filter((c) => !queued.has(`${c.token}:${c.time}`)), ...this.#outbox];
    for (const candle of candles) {
      const entry = this.#tokens.get(candle.token);
      if (entry?.closed?.minute === candle.time) entry.closedQueued = true;
    }
    this.#changed = true;
  }

  get outboxSize(): number {
    return this.#outbox.length;
  }

  /** The day candles that moved since the last call. */
  takeDays(): DayCandle[] {
    const days: DayCandle[] = [];
    for (const token of this.#daysMoved) {
      const entry = this.#tokens.get(token);
      if (!entry?.day) continue;
      entry.dayMoved = false;
      days.push({ token, ...dayCandle(entry.day) });
    }
    this.#daysMoved = [];
    return days;
  }

  /** Day candles whose write failed: taken again with the next `takeDays`. */
  daysNotWritten(days: readonly DayCandle[]): void {
    for (const day of days) this.#markDayMoved(day.token);
  }

  /** What the writer has not written of `token`: its closed minutes in the outbox, then the forming one; oldest first. */
  unwritten(token: number): Candle[] {
    const candles: Candle[] = this.#outbox.filter((c) => c.token === token).map(({ token: _, ...candle }) => candle);
    const forming = this.#tokens.get(token)?.forming;
    if (forming) candles.push(candleOf(forming));
    return candles;
  }

  /** The forming minute of `token`, if one is. */
  forming(token: number): Candle | undefined {
    const forming = this.#tokens.get(token)?.forming;
    return forming ? candleOf(forming) : undefined;
  }

  /** The day candle of `token` (the latest day it ticked). */
  day(token: number): Candle | undefined {
    const day = this.#tokens.get(token)?.day;
    return day ? dayCandle(day) : undefined;
  }

  get size(): number {
    return this.#tokens.size;
  }

  /** Whether anything moved since the last snapshot. */
  get changed(): boolean {
    return this.#changed;
  }

  /** Everything, for the group's snapshot: restored by `restore` so a restart mid-minute loses nothing written. */
  snapshot(): CandleSnapshot {
    this.#changed = false;
    const tokens: CandleSnapshot['tokens'] = [];
    for (const [token, entry] of this.#tokens) tokens.push([token, entry.forming ?? null, entry.closed ?? null, entry.closedQueued, entry.day ?? null]);
    return { tokens, outbox: this.#outbox, days_moved: [...this.#daysMoved] };
  }

  restore(snapshot: CandleSnapshot): void {
    for (const [token, forming, closed, closedQueued, day] of snapshot.tokens) {
      this.#tokens.set(token, {
        divisor: priceDivisor(token),
        forming: forming ?? undefined,
        closed: closed ?? undefined,
        closedQueued,
        day: day ?? undefined,
        dayMoved: false,
      });
    }
    this.#outbox = snapshot.outbox;
    for (const token of snapshot.days_moved) this.#markDayMoved(token);
  }

  /** Drops the state of tokens that have not ticked since `before` and have nothing left to write (bounded memory). */
  dropIdle(before: number): void {
    for (const [token, entry] of this.#tokens) {
      if (
        entry.forming === undefined &&
        !entry.closedQueued &&
        !entry.dayMoved &&
        (entry.closed?.lastAt ?? 0) < before &&
        (entry.day?.day ?? 0) < istDayNumber(before)
      ) {
        this.#tokens.delete(token);
        this.#changed = true;
      }
    }
  }

  /** A tick for a minute before the forming one: the minute just closed is amended, anything older is history. */
  #amendClosed(token: number, entry: TokenCandles, minute: number, price: number, at: number, volume: number, oi: number): void {
    const closed = entry.closed;
    if (closed === undefined || closed.minute !== minute) {
      this.counters.late_ticks++;
      return;
    }
    amend(closed, price, at, volume, oi);
    if (!entry.closedQueued) this.#queue(token, entry);
  }

  #markDayMoved(token: number): void {
    const entry = this.#tokens.get(token);
    if (!entry || entry.dayMoved) return;
    entry.dayMoved = true;
    this.#daysMoved.push(token);
  }

  #close(token: number, entry: TokenCandles): void {
    const forming = entry.forming;
    if (forming === undefined) return;
    entry.closed = forming;
    entry.forming = undefined;
    this.counters.minutes_closed++;
    this.#queue(token, entry);
    this.#onClosed?.(token, candleOf(forming));
  }

  #queue(token: number, entry: TokenCandles): void {
    const closed = entry.closed;
    if (closed === undefined) return;
    // An amended minute already waiting is replaced in place, so the outbox holds one copy of it.
    const waiting = entry.closedQueued ? this.#outbox.findIndex((c) => c.token === token && c.time === closed.minute) : -1;
    const candle = { token, ...candleOf(closed) };
    if (waiting >= 0) this.#outbox[waiting] = candle;
    else this.#outbox.push(candle);
    entry.closedQueued = true;
  }

  #addToDay(token: number, entry: TokenCandles, view: DataView, o: number, length: number, price: number, at: number, volume: number, oi: number): void {
    const dayNumber = istDayNumber(at);
    let day = entry.day;
    if (day === undefined || dayNumber > day.day) {
      day = { day: dayNumber, open: price, high: price, low: price, close: price, volume: 0, oi: 0 };
      entry.day = day;
    } else if (dayNumber < day.day) return;
    if (price > day.high) day.high = price;
    if (price < day.low) day.low = price;
    // Quote and full packets carry the exchange's own day OHLC: the day candle is then Kite's, not only what we saw.
    const ohlc = length === PACKET_LENGTH.quote || length === PACKET_LENGTH.full ? QUOTE : length === PACKET_LENGTH.ltp ? undefined : INDEX;
    const divisor = entry.divisor;
    const open = ohlc === undefined ? 0 : view.getInt32(o + ohlc.open) / divisor;
    if (ohlc !== undefined && open > 0) {
      day.open = open;
      day.high = Math.max(view.getInt32(o + ohlc.high) / divisor, price);
      day.low = Math.min(view.getInt32(o + ohlc.low) / divisor, price);
    }
    day.close = price;
    if (volume > day.volume) day.volume = volume;
    if (oi >= 0) day.oi = oi;
    if (!entry.dayMoved) {
      entry.dayMoved = true;
      this.#daysMoved.push(token);
    }
  }
}

export type CandleSnapshot = {
  tokens: [token: number, forming: MinuteState | null, closed: MinuteState | null, closedQueued: boolean, day: DayState | null][];
  outbox: OutboxCandle[];
  days_moved: number[];
};

function amend(state: MinuteState, price: number, at: number, volume: number, oi: number): void {
  if (price > state.high) state.high = price;
  if (price < state.low) state.low = price;
  if (at >= state.lastAt) {
    state.close = price;
    state.lastAt = at;
    if (oi >= 0) state.oi = oi;
  }
  if (volume > state.volumeEnd) state.volumeEnd = volume;
}

/** The first minute seen of an instrument: what was traded before its first tick's own trade. */
function firstBase(view: DataView, o: number, length: number, volume: number): number {
  const quantity = length === PACKET_LENGTH.quote || length === PACKET_LENGTH.full ? view.getUint32(o + QUOTE.lastTradedQuantity) : 0;
  return Math.max(0, volume - quantity);
}

function candleOf(state: MinuteState): Candle {
  const volume = state.volumeEnd < 0 || state.volumeBase < 0 ? 0 : Math.max(0, state.volumeEnd - state.volumeBase);
  return { time: state.minute, open: state.open, high: state.high, low: state.low, close: state.close, volume, oi: state.oi };
}

function dayCandle(day: DayState): Candle {
  return { time: day.day * DAY_MS - IST_OFFSET_MS, open: day.open, high: day.high, low: day.low, close: day.close, volume: day.volume, oi: day.oi };
}

/** Days since the epoch on the IST calendar. */
export function istDayNumber(ms: number): number {
  return Math.floor((ms + IST_OFFSET_MS) / DAY_MS);
}
