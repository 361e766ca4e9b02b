import { type Candle, minuteStart } from '../../../contracts/candles.ts';
import { DAY_MS, IST_OFFSET_MS } from '../../../contracts/ist-clock.ts';
import { FULL, INDEX, PACKET, PACKET_LENGTH, priceDivisor, QUOTE } from '../../../contracts/kite-ticks/packet-layout.ts';
import { CANDLES_HOLDER, TokenSlots } from '../token-slots.ts';

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
 * A tick for the minute just closed still amends it (its copy waiting in
 * the outbox, or a new copy if it was already written); a tick older than
 * that is counted and dropped. Day candles ride along: Kite's own day OHLC from quote and full
 * packets, `volume_traded` as the day's volume.
 *
 * The hot path is `addBatch`: it reads in place from the batch's bytes (one
 * DataView a batch) and keeps each instrument's state in one Float64Array,
 * STRIDE numbers a slot (token-slots.ts). The group passes the slots its
 * latest packets looked up, so a tick costs no map lookup here and
 * allocates nothing; a tick inside the forming minute touches the slot's
 * first two cache lines only (the token and the minute's moving fields,
 * then the day's).
 */
export type OutboxCandle = Candle & { token: number };
export type DayCandle = Candle & { token: number };

export type CandleCounters = { late_ticks: number; minutes_closed: number };

// A slot's numbers. A minute (the forming one from FORMING, the closed one from CLOSED) is a block of fields from its start, its
// volume base apart, so the token and what a tick moves of the forming minute fill the slot's first 64 bytes, and the day's the
// next 64. -1 in TOKEN, in a block's MINUTE or in DAY: none.
/** Numbers a slot (in memory and in `takeSnapshot`'s state). */
export const STRIDE = 32;
const TOKEN = 0;
const MINUTE = 0;
const HIGH = 1;
const LOW = 2;
const CLOSE = 3;
const LAST_AT = 4;
const VOLUME_END = 5;
const OI = 6;
const OPEN = 7;
const FORMING = 1;
const DAY = 9;
const DAY_HIGH = 10;
const DAY_LOW = 11;
const DAY_CLOSE = 12;
const DAY_VOLUME = 13;
const DAY_OI = 14;
/** 1 while the day candle moved since the last `takeDays` (the slot is then in #daysMoved). */
const DAY_MOVED = 15;
const FORMING_VOLUME_BASE = 16;
const DAY_OPEN = 17;
/** Where the closed minute's candle waits in the outbox (-1: it does not), so an amendment replaces that copy at once. */
const CLOSED_OUTBOX_AT = 18;
const CLOSED_VOLUME_BASE = 19;
const CLOSED = 20;

export class MinuteCandles {
  readonly #onClosed: ((token: number, minute: Candle) => void) | undefined;
  readonly #slots: TokenSlots;
  /** STRIDE numbers a slot; slots this builder does not hold have -1 in TOKEN. */
  #state = new Float64Array(0);
  /** How many slots this builder holds. */
  #held = 0;
  /** Closed minutes not yet handed to the writer, in closing order. */
  #outbox: OutboxCandle[] = [];
  /** The first numbers of the slots whose day candle moved since the last `takeDays`, once each (DAY_MOVED). */
  #daysMoved: number[] = [];
  /** Whether the state moved since the last snapshot, and the outbox. */
  #changed = false;
  #outboxChanged = false;
  readonly counters: CandleCounters = { late_ticks: 0, minutes_closed: 0 };

  /**
   * `onClosed` hears each minute as it closes (live candle streams);
   * `slots` is the token → slot lookup the group shares with its latest
   * packets.
   */
  constructor(onClosed?: (token: number, minute: Candle) => void, slots = new TokenSlots()) {
    this.#onClosed = onClosed;
    this.#slots = slots;
  }

  /** One packet from the origin, received at `receivedAt`. */
  add(packet: Uint8Array, receivedAt: number): void {
    this.addBatch([packet], NO_SLOT, receivedAt);
  }

  /**
   * The packets of one tick batch (views into one buffer, as decodeTickBatch
   * gives them: one DataView for all), with their tokens' slots as the
   * group's latest packets looked them up in the shared slots.
   */
  addBatch(packets: readonly Uint8Array[], slots: Int32Array, receivedAt: number): void {
    const first = packets[0];
    if (first === undefined) return;
    const view = new DataView(first.buffer);
    this.#changed = true;
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i] as Uint8Array;
      const o = packet.byteOffset;
      const length = packet.byteLength;
      const slot = slots[i] as number;
      const token = view.getUint32(o + PACKET.token);
      let base = slot * STRIDE;
      let s = this.#state;
      if (slot < 0 || base >= s.length || s[base + TOKEN] !== token) {
        base = this.#claim(token);
        s = this.#state;
      }
      // The common case inline (a tick in its instrument's forming minute, a call less a packet); `#addOutsideForming` takes
      // every other.
      const amended = amendFormingMinute(s, base, view, o, length, receivedAt);
      if (amended === DAY_NOW_MOVED) this.#markDayMoved(base);
      else if (amended === NOT_FORMING) this.#addOutsideForming(base, view, o, length, receivedAt);
    }
  }

  /** The packet at `o` in `view`, `length` bytes, for the slot at `base`: a tick outside its forming minute, or of a new day. */
  #addOutsideForming(base: number, view: DataView, o: number, length: number, receivedAt: number): void {
    const s = this.#state;
    const divisor = priceDivisor(s[base + TOKEN] as number);
    const price = view.getInt32(o + PACKET.lastPrice) / divisor;
    const at = tickTime(view, o, length, receivedAt);
    const tradable = length === PACKET_LENGTH.quote || length === PACKET_LENGTH.full;
    const volume = tradable ? view.getUint32(o + QUOTE.volumeTraded) : -1;
    const oi = length === PACKET_LENGTH.full ? view.getUint32(o + FULL.oi) : -1;
    const formingMinute = s[base + FORMING + MINUTE] as number;
    const minute = minuteStart(at);
    this.#addToDay(base, view, o, length, divisor, price, at, volume, oi);
    if (formingMinute >= 0) {
      if (minute === formingMinute) {
        amend(s, base + FORMING, price, at, volume, oi);
        return;
      }
      if (minute < formingMinute) {
        this.#amendClosed(base, minute, price, at, volume, oi);
        return;
      }
      this.#close(base);
    } else if ((s[base + CLOSED + MINUTE] as number) >= 0 && minute <= (s[base + CLOSED + MINUTE] as number)) {
      this.#amendClosed(base, minute, price, at, volume, oi);
      return;
    }
    const previousMinute = s[base + CLOSED + MINUTE] as number;
    const previousVolumeEnd = s[base + CLOSED + VOLUME_END] as number;
    const sameDay = previousMinute >= 0 && istDayNumber(previousMinute) === istDayNumber(minute);
    // Kite's definition: from the previous minute's last tick, and from zero when a new day starts after one we saw.
    const volumeBase =
      volume < 0
        ? -1
        : sameDay
          ? previousVolumeEnd >= 0
            ? previousVolumeEnd
            : firstBase(view, o, length, volume)
          : previousMinute >= 0
            ? 0
            : firstBase(view, o, length, volume);
    const f = base + FORMING;
    s[f + MINUTE] = minute;
    s[f + OPEN] = price;
    s[f + HIGH] = price;
    s[f + LOW] = price;
    s[f + CLOSE] = price;
    s[f + LAST_AT] = at;
    s[f + VOLUME_END] = volume;
    s[f + OI] = oi >= 0 ? oi : sameDay ? (s[base + CLOSED + OI] as number) : 0;
    s[base + FORMING_VOLUME_BASE] = volumeBase;
  }

  /** Closes every forming minute that ended at or before `until` (the alarm's sweep). Returns how many closed. */
  closeUntil(until: number): number {
    let closed = 0;
    const s = this.#state;
    for (let base = 0; base < s.length; base += STRIDE) {
      const minute = s[base + FORMING + MINUTE] as number;
      if (s[base + TOKEN] !== -1 && minute >= 0 && minute + 60_000 <= until) {
        this.#close(base);
        closed++;
      }
    }
    return closed;
  }

  /** The earliest end of a forming minute (when the sweep has work), or undefined. */
  nextMinuteEnd(): number | undefined {
    let earliest: number | undefined;
    const s = this.#state;
    for (let base = 0; base < s.length; base += STRIDE) {
      const minute = s[base + FORMING + MINUTE] as number;
      if (s[base + TOKEN] === -1 || minute < 0) continue;
      const end = minute + 60_000;
      if (earliest === undefined || end < earliest) earliest = end;
    }
    return earliest;
  }

  /** The closed minutes waiting for the writer; they leave the outbox (`requeue` puts them back when the write fails). */
  takeOutbox(): OutboxCandle[] {
    const taken = this.#outbox;
    this.#outbox = [];
    if (taken.length > 0) this.#outboxChanged = true;
    for (const candle of taken) {
      const base = this.#baseOf(candle.token);
      if (base !== undefined && this.#state[base + CLOSED + MINUTE] === candle.time) this.#state[base + CLOSED_OUTBOX_AT] = -1;
    }
    return taken;
  }

  /** A write that failed: its candles go back in front (a later amendment of the same minute stays the newer copy). */
  requeue(candles: OutboxCandle[]): void {
    const queued = new Set(this.#outbox.map((c) => `${c.token}:${c.time}`));
    this.#outbox = [...candles.filter((c) => !queued.has(`${c.token}:${c.time}`)), ...this.#outbox];
    this.#indexOutbox();
    this.#outboxChanged = true;
  }

  get outboxSize(): number {
    return this.#outbox.length;
  }

  /** The day candles that moved since the last call. */
  takeDays(): DayCandle[] {
    const days: DayCandle[] = [];
    for (const base of this.#daysMoved) {
      this.#state[base + DAY_MOVED] = 0;
      days.push({ token: this.#state[base + TOKEN] as number, ...dayCandle(this.#state, base) });
    }
    this.#daysMoved = [];
    return days;
  }

  /** Day candles whose write failed: taken again with the next `takeDays`. */
  daysNotWritten(days: readonly DayCandle[]): void {
    for (const day of days) {
      const base = this.#baseOf(day.token);
      if (base !== undefined && (this.#state[base + DAY] as number) >= 0 && this.#state[base + DAY_MOVED] === 0) this.#markDayMoved(base);
    }
  }

  /** What the writer has not written of `token`: its closed minutes in the outbox, then the forming one; oldest first. */
  unwritten(token: number): Candle[] {
    const candles: Candle[] = this.#outbox.filter((c) => c.token === token).map(({ token: _, ...candle }) => candle);
    const forming = this.forming(token);
    if (forming) candles.push(forming);
    return candles;
  }

  /** The forming minute of `token`, if one is. */
  forming(token: number): Candle | undefined {
    const base = this.#baseOf(token);
    return base === undefined || (this.#state[base + FORMING + MINUTE] as number) < 0
      ? undefined
      : candleOf(this.#state, base + FORMING, base + FORMING_VOLUME_BASE);
  }

  /** The day candle of `token` (the latest day it ticked). */
  day(token: number): Candle | undefined {
    const base = this.#baseOf(token);
    return base === undefined || (this.#state[base + DAY] as number) < 0 ? undefined : dayCandle(this.#state, base);
  }

  get size(): number {
    return this.#held;
  }

  /**
   * What moved since the last call, for the group's snapshot (`restore`
   * takes it back): the slots' numbers, STRIDE a slot with its token first
   * (-1: a slot this builder does not hold), when any moved; the outbox
   * when it changed. The state is bytes, not objects: written every few
   * seconds while ticks flow, it must cost little more than a copy.
   */
  takeSnapshot(): { state?: Float64Array; outbox?: OutboxCandle[] } {
    const taken: { state?: Float64Array; outbox?: OutboxCandle[] } = {};
    // One copy of every slot up to the last ever given (free ones have -1 in TOKEN): slots are dense from zero.
    if (this.#changed) taken.state = this.#state.slice(0, Math.min(this.#state.length, this.#slots.highWater * STRIDE));
    if (this.#outboxChanged) taken.outbox = this.#outbox;
    this.#changed = false;
    this.#outboxChanged = false;
    return taken;
  }

  /** At start: a snapshot's state (`takeSnapshot`'s numbers, any number of chunks of whole slots) and outbox. */
  restore(states: readonly Float64Array[], outbox: OutboxCandle[]): void {
    for (const state of states) {
      for (let from = 0; from + STRIDE <= state.length; from += STRIDE) {
        if (state[from + TOKEN] === -1) continue;
        const base = this.#claim(state[from + TOKEN] as number);
        this.#state.set(state.subarray(from, from + STRIDE), base);
        if (this.#state[base + DAY_MOVED] === 1) this.#daysMoved.push(base);
      }
    }
    this.#outbox = outbox;
    this.#indexOutbox();
  }

  /** Drops the state of tokens that have not ticked since `before` and have nothing left to write (bounded memory). */
  dropIdle(before: number): void {
    const s = this.#state;
    const today = istDayNumber(before);
    for (let base = 0; base < s.length; base += STRIDE) {
      if (
        s[base + TOKEN] !== -1 &&
        (s[base + FORMING + MINUTE] as number) < 0 &&
        (s[base + CLOSED_OUTBOX_AT] as number) < 0 &&
        s[base + DAY_MOVED] === 0 &&
        ((s[base + CLOSED + MINUTE] as number) < 0 ? 0 : (s[base + CLOSED + LAST_AT] as number)) < before &&
        (s[base + DAY] as number) < today
      ) {
        s[base + TOKEN] = -1;
        this.#slots.release(base / STRIDE, CANDLES_HOLDER);
        this.#held--;
        this.#changed = true;
      }
    }
  }

  /** The slot of `token` in this builder (its first number's index), given one with empty state if it has none. */
  #claim(token: number): number {
    const slot = this.#slots.claim(token, CANDLES_HOLDER);
    const base = slot * STRIDE;
    if (base + STRIDE > this.#state.length) {
      const grown = new Float64Array(Math.max(base + STRIDE, this.#state.length * 2));
      grown.fill(-1, this.#state.length);
      grown.set(this.#state);
      this.#state = grown;
    }
    const s = this.#state;
    if (s[base + TOKEN] !== token) {
      s.fill(0, base, base + STRIDE);
      s[base + TOKEN] = token;
      s[base + FORMING + MINUTE] = -1;
      s[base + CLOSED + MINUTE] = -1;
      s[base + CLOSED_OUTBOX_AT] = -1;
      s[base + DAY] = -1;
      this.#held++;
    }
    return base;
  }

  /** The index of `token`'s first number, if this builder holds it. */
  #baseOf(token: number): number | undefined {
    const slot = this.#slots.find(token);
    if (slot === undefined) return undefined;
    const base = slot * STRIDE;
    return base < this.#state.length && this.#state[base + TOKEN] === token ? base : undefined;
  }

  /** A tick for a minute before the forming one: the minute just closed is amended, anything older is history. */
  #amendClosed(base: number, minute: number, price: number, at: number, volume: number, oi: number): void {
    if (this.#state[base + CLOSED + MINUTE] !== minute) {
      this.counters.late_ticks++;
      return;
    }
    amend(this.#state, base + CLOSED, price, at, volume, oi);
    this.#queue(base);
  }

  #markDayMoved(base: number): void {
    this.#state[base + DAY_MOVED] = 1;
    this.#daysMoved.push(base);
  }

  #close(base: number): void {
    const s = this.#state;
    if ((s[base + FORMING + MINUTE] as number) < 0) return;
    s.copyWithin(base + CLOSED, base + FORMING, base + FORMING + OPEN + 1);
    s[base + CLOSED_VOLUME_BASE] = s[base + FORMING_VOLUME_BASE] as number;
    s[base + FORMING + MINUTE] = -1;
    this.#changed = true;
    this.counters.minutes_closed++;
    this.#queue(base);
    this.#onClosed?.(s[base + TOKEN] as number, candleOf(s, base + CLOSED, base + CLOSED_VOLUME_BASE));
  }

  /** The closed minute into the outbox: in place of its waiting copy (an amendment), or at the end. */
  #queue(base: number): void {
    const s = this.#state;
    const candle = { token: s[base + TOKEN] as number, ...candleOf(s, base + CLOSED, base + CLOSED_VOLUME_BASE) };
    const waiting = s[base + CLOSED_OUTBOX_AT] as number;
    if (waiting >= 0 && this.#outbox[waiting]?.token === candle.token && this.#outbox[waiting]?.time === candle.time) {
      this.#outbox[waiting] = candle;
      this.#outboxChanged = true;
      return;
    }
    s[base + CLOSED_OUTBOX_AT] = this.#outbox.length;
    this.#outbox.push(candle);
    this.#outboxChanged = true;
  }

  /** Each closed minute waiting in the outbox, found again after the outbox was rebuilt (a failed write's, a restart's). */
  #indexOutbox(): void {
    for (let base = 0; base < this.#state.length; base += STRIDE) if (this.#state[base + TOKEN] !== -1) this.#state[base + CLOSED_OUTBOX_AT] = -1;
    this.#outbox.forEach((candle, at) => {
      const base = this.#baseOf(candle.token);
      if (base !== undefined && this.#state[base + CLOSED + MINUTE] === candle.time) this.#state[base + CLOSED_OUTBOX_AT] = at;
    });
  }

  #addToDay(base: number, view: DataView, o: number, length: number, divisor: number, price: number, at: number, volume: number, oi: number): void {
    const s = this.#state;
    const dayNumber = istDayNumber(at);
    const day = s[base + DAY] as number;
    if (day < 0 || dayNumber > day) {
      s[base + DAY] = dayNumber;
      s[base + DAY_OPEN] = price;
      s[base + DAY_HIGH] = price;
      s[base + DAY_LOW] = price;
      s[base + DAY_CLOSE] = price;
      s[base + DAY_VOLUME] = 0;
      s[base + DAY_OI] = 0;
    } else if (dayNumber < day) return;
    if (price > (s[base + DAY_HIGH] as number)) s[base + DAY_HIGH] = price;
    if (price < (s[base + DAY_LOW] as number)) s[base + DAY_LOW] = price;
    // Quote and full packets carry the exchange's own day OHLC: the day candle is then Kite's, not only what we saw.
    const ohlc = length === PACKET_LENGTH.quote || length === PACKET_LENGTH.full ? QUOTE : length === PACKET_LENGTH.ltp ? undefined : INDEX;
    const open = ohlc === undefined ? 0 : view.getInt32(o + ohlc.open) / divisor;
    if (ohlc !== undefined && open > 0) {
      s[base + DAY_OPEN] = open;
      s[base + DAY_HIGH] = Math.max(view.getInt32(o + ohlc.high) / divisor, price);
      s[base + DAY_LOW] = Math.min(view.getInt32(o + ohlc.low) / divisor, price);
    }
    s[base + DAY_CLOSE] = price;
    if (volume > (s[base + DAY_VOLUME] as number)) s[base + DAY_VOLUME] = volume;
    if (oi >= 0) s[base + DAY_OI] = oi;
    if (s[base + DAY_MOVED] === 0) this.#markDayMoved(base);
  }
}

/** The tick's time: its exchange timestamp (full packets carry one), else when the origin received it. */
function tickTime(view: DataView, o: number, length: number, receivedAt: number): number {
  const exchangeAt =
    length === PACKET_LENGTH.full
      ? view.getUint32(o + FULL.exchangeTimestamp) * 1000
      : length === PACKET_LENGTH.indexFull
        ? view.getUint32(o + INDEX.exchangeTimestamp) * 1000
        : 0;
  return exchangeAt > 0 ? exchangeAt : receivedAt;
}

/** `add`'s one packet has no slot looked up yet. */
const NO_SLOT = Int32Array.of(-1);

/** What `amendFormingMinute` did. */
const NOT_FORMING = 0;
const AMENDED = 1;
/** Amended, and the day candle moved for the first time since the last `takeDays` (the caller lists it). */
const DAY_NOW_MOVED = 2;

/**
 * The common case, small enough for V8 to inline into `addBatch`'s loop: a
 * tick in its instrument's forming minute of a day already seen. No minute
 * or day arithmetic, and the day follows from the price (Kite's own day
 * OHLC is read once a minute, on `#addOutsideForming`'s path). It touches
 * the slot's first two cache lines only. NOT_FORMING: any other tick,
 * nothing changed.
 */
function amendFormingMinute(s: Float64Array, base: number, view: DataView, o: number, length: number, receivedAt: number): number {
  const formingMinute = s[base + FORMING + MINUTE] as number;
  if (formingMinute < 0 || (s[base + DAY] as number) < 0) return NOT_FORMING;
  const at = tickTime(view, o, length, receivedAt);
  if (at < formingMinute || at >= formingMinute + 60_000) return NOT_FORMING;
  const price = view.getInt32(o + PACKET.lastPrice) / priceDivisor(s[base + TOKEN] as number);
  const volume = length === PACKET_LENGTH.quote || length === PACKET_LENGTH.full ? view.getUint32(o + QUOTE.volumeTraded) : -1;
  const oi = length === PACKET_LENGTH.full ? view.getUint32(o + FULL.oi) : -1;
  amend(s, base + FORMING, price, at, volume, oi);
  if (price > (s[base + DAY_HIGH] as number)) s[base + DAY_HIGH] = price;
  if (price < (s[base + DAY_LOW] as number)) s[base + DAY_LOW] = price;
  s[base + DAY_CLOSE] = price;
  if (volume > (s[base + DAY_VOLUME] as number)) s[base + DAY_VOLUME] = volume;
  if (oi >= 0) s[base + DAY_OI] = oi;
  return s[base + DAY_MOVED] === 0 ? DAY_NOW_MOVED : AMENDED;
}

function amend(s: Float64Array, minute: number, price: number, at: number, volume: number, oi: number): void {
  if (price > (s[minute + HIGH] as number)) s[minute + HIGH] = price;
  if (price < (s[minute + LOW] as number)) s[minute + LOW] = price;
  if (at >= (s[minute + LAST_AT] as number)) {
    s[minute + CLOSE] = price;
    s[minute + LAST_AT] = at;
    if (oi >= 0) s[minute + OI] = oi;
  }
  if (volume > (s[minute + VOLUME_END] as number)) s[minute + VOLUME_END] = volume;
}

/** The first minute seen of an instrument: what was traded before its first tick's own trade. */
function firstBase(view: DataView, o: number, length: number, volume: number): number {
  const quantity = length === PACKET_LENGTH.quote || length === PACKET_LENGTH.full ? view.getUint32(o + QUOTE.lastTradedQuantity) : 0;
  return Math.max(0, volume - quantity);
}

/** The candle of the minute block at `minute`, its volume base at `volumeBase`. */
function candleOf(s: Float64Array, minute: number, volumeBase: number): Candle {
  const end = s[minute + VOLUME_END] as number;
  const start = s[volumeBase] as number;
  const volume = end < 0 || start < 0 ? 0 : Math.max(0, end - start);
  return {
    time: s[minute + MINUTE] as number,
    open: s[minute + OPEN] as number,
    high: s[minute + HIGH] as number,
    low: s[minute + LOW] as number,
    close: s[minute + CLOSE] as number,
    volume,
    oi: s[minute + OI] as number,
  };
}

/** The day candle of a slot whose day is set, dated at its IST midnight. */
function dayCandle(s: Float64Array, base: number): Candle {
  return {
    time: (s[base + DAY] as number) * DAY_MS - IST_OFFSET_MS,
    open: s[base + DAY_OPEN] as number,
    high: s[base + DAY_HIGH] as number,
    low: s[base + DAY_LOW] as number,
    close: s[base + DAY_CLOSE] as number,
    volume: s[base + DAY_VOLUME] as number,
    oi: s[base + DAY_OI] as number,
  };
}

/** Days since the epoch on the IST calendar. */
export function istDayNumber(ms: number): number {
  return Math.floor((ms + IST_OFFSET_MS) / DAY_MS);
}
