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
 * A tick for the minute just closed still amends it (and queues it again
 * if it was already written); a tick older than that is counted and
 * dropped. Day candles ride along: Kite's own day OHLC from quote and full
 * packets, `volume_traded` as the day's volume.
 *
 * The hot path is `addBatch`: it reads in place from the batch's bytes (one
 * DataView a batch) and allocates nothing. Each instrument's state lives by
 * slot (token-slots.ts; the group passes the slots its latest packets looked
 * up, so a tick costs no map lookup here) in two arrays: a 64-byte block of
 * what a tick in the forming minute moves (the minute's and the day's
 * high, low, close, volume and OI), and the rest (opens, volume bases, the
 * closed minute) apart. Prices are kept as the packets' integers and divided
 * only when a candle is read, so a tick costs no division and one block.
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

export type OutboxCandle = Candle & { token: number };
export type DayCandle = Candle & { token: number };

export type CandleCounters = { late_ticks: number; minutes_closed: number };

// A slot's hot block (one cache line, or two adjacent ones as the allocator aligns the buffer): HOT_BYTES, read as doubles (the times) and as 32-bit words (prices as the packets' integers, volumes, OI),
// at slot * HOT_DOUBLES and slot * HOT_WORDS. -1 in MINUTE or DAY: none.
const HOT_BYTES = 64;
const HOT_DOUBLES = HOT_BYTES / 8;
const HOT_WORDS = HOT_BYTES / 4;
/** Doubles: the forming minute's start, and the exchange (or receipt) time of the tick that set its close. */
const MINUTE = 0;
const LAST_AT = 1;
/** Words: FLAGS (HELD, HAS_VOLUME, DAY_MOVED), the forming minute's, then the day's (DAY its IST day number). */
const FLAGS = 4;
const HIGH = 5;
const LOW = 6;
const CLOSE = 7;
const VOLUME_END = 8;
const OI = 9;
const DAY = 10;
const DAY_HIGH = 11;
const DAY_LOW = 12;
const DAY_CLOSE = 13;
const DAY_VOLUME = 14;
const DAY_OI = 15;
/** The slot is this builder's. */
const HELD = 1;
/** The forming minute's VOLUME_END holds a volume (ltp packets carry none). */
const HAS_VOLUME = 2;
/** The day candle moved since the last `takeDays` (the slot is then in #daysMoved). */
const DAY_MOVED = 4;

// A slot's cold block, COLD_STRIDE doubles at slot * COLD_STRIDE: what a tick inside the forming minute does not touch.
const COLD_STRIDE = 16;
const TOKEN = 0;
const OPEN = 1;
const FORMING_VOLUME_BASE = 2;
const DAY_OPEN = 3;
/** 1 while the closed minute waits in the outbox. */
const CLOSED_QUEUED = 4;
/** The closed minute, a block of fields from CLOSED (prices as integers; volume end -1: none). */
const CLOSED = 5;
const C = { minute: 0, open: 1, high: 2, low: 3, close: 4, lastAt: 5, volumeEnd: 6, oi: 7, volumeBase: 8 } as const;

export class MinuteCandles {
  readonly #onClosed: ((token: number, minute: Candle) => void) | undefined;
  readonly #slots: TokenSlots;
  /** The hot blocks, as doubles and as 32-bit words (signed for prices and days, unsigned for flags, volumes and OI). */
  #times = new Float64Array(0);
  #ints = new Int32Array(0);
  #uints = new Uint32Array(0);
  #cold = new Float64Array(0);
  /** How many slots the arrays have room for. */
  #capacity = 0;
  /** How many slots this builder holds. */
  #held = 0;
  /** Closed minutes not yet handed to the writer, in closing order. */
  #outbox: OutboxCandle[] = [];
  /** The slots whose day candle moved since the last `takeDays`, once each (DAY_MOVED). */
  #daysMoved: number[] = [];
  /** Whether anything moved since the last snapshot. */
  #changed = false;
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
    this.#changed = true;
    this.#add(new DataView(packet.buffer), packet.byteOffset, packet.byteLength, receivedAt, -1);
  }

  /**
   * The packets of one tick batch (views into one buffer, as decodeTickBatch
   * gives them: one DataView for all), with their tokens' slots as the
   * group's latest packets looked them up in the shared slots.
   */
  addBatch(packets: readonly Uint8Array[], slots: Int32Array, receivedAt: number): void {
    const first = packets[0];
    if (first === undefined) return;
    this.#changed = true;
    const view = new DataView(first.buffer);
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i] as Uint8Array;
      this.#add(view, packet.byteOffset, packet.byteLength, receivedAt, slots[i] as number);
    }
  }

  /** The packet at `o` in `view`, `length` bytes; `slot`: its token's in the shared slots, if known (-1: look it up). */
  #add(view: DataView, o: number, length: number, receivedAt: number, slot: number): void {
    // A slot passed in is trusted only while it is still the token's in the shared slots (they give a slot held here to no other
    // token, so its state is then the token's).
    const token = view.getUint32(o + PACKET.token);
    if (slot < 0 || slot >= this.#capacity || ((this.#uints[slot * HOT_WORDS + FLAGS] as number) & HELD) === 0 || this.#slots.tokenOf(slot) !== token) {
      slot = this.#claim(token);
    }
    const times = this.#times;
    const ints = this.#ints;
    const d = slot * HOT_DOUBLES;
    const w = slot * HOT_WORDS;
    const price = view.getInt32(o + PACKET.lastPrice);
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
    const formingMinute = times[d + MINUTE] as number;
    // The common case, a tick in the forming minute: no minute or day arithmetic, and the day follows from the price (Kite's own
    // day OHLC is read once a minute, in #addOutsideForming). It touches the slot's hot block only.
    if (formingMinute >= 0 && at >= formingMinute && at < formingMinute + 60_000 && (ints[w + DAY] as number) >= 0) {
      this.#amendForming(slot, price, at, volume, oi);
      this.#amendDay(slot, price, volume, oi);
      return;
    }
    this.#addOutsideForming(slot, view, o, length, price, at, volume, oi);
  }

  /** A tick outside the forming minute (or its slot's first of a day): the day, then a minute closed, amended or started. */
  #addOutsideForming(slot: number, view: DataView, o: number, length: number, price: number, at: number, volume: number, oi: number): void {
    const times = this.#times;
    const ints = this.#ints;
    const uints = this.#uints;
    const d = slot * HOT_DOUBLES;
    const w = slot * HOT_WORDS;
    const formingMinute = times[d + MINUTE] as number;
    const minute = minuteStart(at);
    this.#addToDay(slot, view, o, length, price, at, volume, oi);
    const cold = this.#cold;
    const c = slot * COLD_STRIDE;
    if (formingMinute >= 0) {
      if (minute === formingMinute) {
        this.#amendForming(slot, price, at, volume, oi);
        return;
      }
      if (minute < formingMinute) {
        this.#amendClosed(slot, minute, price, at, volume, oi);
        return;
      }
      this.#close(slot);
    } else if ((cold[c + CLOSED + C.minute] as number) >= 0 && minute <= (cold[c + CLOSED + C.minute] as number)) {
      this.#amendClosed(slot, minute, price, at, volume, oi);
      return;
    }
    const previousMinute = cold[c + CLOSED + C.minute] as number;
    const previousVolumeEnd = cold[c + CLOSED + C.volumeEnd] as number;
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
    times[d + MINUTE] = minute;
    times[d + LAST_AT] = at;
    cold[c + OPEN] = price;
    ints[w + HIGH] = price;
    ints[w + LOW] = price;
    ints[w + CLOSE] = price;
    if (volume >= 0) {
      uints[w + VOLUME_END] = volume;
      uints[w + FLAGS] = (uints[w + FLAGS] as number) | HAS_VOLUME;
    } else {
      uints[w + VOLUME_END] = 0;
      uints[w + FLAGS] = (uints[w + FLAGS] as number) & ~HAS_VOLUME;
    }
    uints[w + OI] = oi >= 0 ? oi : sameDay ? (cold[c + CLOSED + C.oi] as number) : 0;
    cold[c + FORMING_VOLUME_BASE] = volumeBase;
  }

  /** Closes every forming minute that ended at or before `until` (the alarm's sweep). Returns how many closed. */
  closeUntil(until: number): number {
    let closed = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      const minute = this.#times[slot * HOT_DOUBLES + MINUTE] as number;
      if (this.#holds(slot) && minute >= 0 && minute + 60_000 <= until) {
        this.#close(slot);
        closed++;
      }
    }
    return closed;
  }

  /** The earliest end of a forming minute (when the sweep has work), or undefined. */
  nextMinuteEnd(): number | undefined {
    let earliest: number | undefined;
    for (let slot = 0; slot < this.#capacity; slot++) {
      const minute = this.#times[slot * HOT_DOUBLES + MINUTE] as number;
      if (!this.#holds(slot) || minute < 0) continue;
      const end = minute + 60_000;
      if (earliest === undefined || end < earliest) earliest = end;
    }
    return earliest;
  }

  /** The closed minutes waiting for the writer; they leave the outbox (`requeue` puts them back when the write fails). */
  takeOutbox(): OutboxCandle[] {
    const taken = this.#outbox;
    this.#outbox = [];
    if (taken.length > 0) this.#changed = true;
    for (const candle of taken) {
      const slot = this.#slotOf(candle.token);
      const c = (slot ?? 0) * COLD_STRIDE;
      if (slot !== undefined && this.#cold[c + CLOSED + C.minute] === candle.time) this.#cold[c + CLOSED_QUEUED] = 0;
    }
    return taken;
  }

  /** A write that failed: its candles go back in front (a later amendment of the same minute stays the newer copy). */
  requeue(candles: OutboxCandle[]): void {
    const queued = new Set(this.#outbox.map((c) => `${c.token}:${c.time}`));
    this.#outbox = [...candles.filter((c) => !queued.has(`${c.token}:${c.time}`)), ...this.#outbox];
    for (const candle of candles) {
      const slot = this.#slotOf(candle.token);
      const c = (slot ?? 0) * COLD_STRIDE;
      if (slot !== undefined && this.#cold[c + CLOSED + C.minute] === candle.time) this.#cold[c + CLOSED_QUEUED] = 1;
    }
    this.#changed = true;
  }

  get outboxSize(): number {
    return this.#outbox.length;
  }

  /** The day candles that moved since the last call. */
  takeDays(): DayCandle[] {
    const days: DayCandle[] = [];
    for (const slot of this.#daysMoved) {
      this.#uints[slot * HOT_WORDS + FLAGS] = (this.#uints[slot * HOT_WORDS + FLAGS] as number) & ~DAY_MOVED;
      days.push({ token: this.#cold[slot * COLD_STRIDE + TOKEN] as number, ...this.#dayCandle(slot) });
    }
    this.#daysMoved = [];
    return days;
  }

  /** Day candles whose write failed: taken again with the next `takeDays`. */
  daysNotWritten(days: readonly DayCandle[]): void {
    for (const day of days) {
      const slot = this.#slotOf(day.token);
      if (slot !== undefined && this.#hasDay(slot) && !this.#dayMoved(slot)) this.#markDayMoved(slot);
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
    const slot = this.#slotOf(token);
    if (slot === undefined) return undefined;
    const state = this.#formingState(slot);
    return state === null ? undefined : candleOfState(state);
  }

  /** The day candle of `token` (the latest day it ticked). */
  day(token: number): Candle | undefined {
    const slot = this.#slotOf(token);
    return slot === undefined || !this.#hasDay(slot) ? undefined : this.#dayCandle(slot);
  }

  get size(): number {
    return this.#held;
  }

  /** Whether anything moved since the last snapshot. */
  get changed(): boolean {
    return this.#changed;
  }

  /** Everything, for the group's snapshot: restored by `restore` so a restart mid-minute loses nothing written. */
  snapshot(): CandleSnapshot {
    this.#changed = false;
    const tokens: CandleSnapshot['tokens'] = [];
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (!this.#holds(slot)) continue;
      const c = slot * COLD_STRIDE;
      tokens.push([
        this.#cold[c + TOKEN] as number,
        this.#formingState(slot),
        this.#closedState(slot),
        this.#cold[c + CLOSED_QUEUED] === 1,
        this.#dayState(slot),
      ]);
    }
    return { tokens, outbox: this.#outbox, days_moved: this.#daysMoved.map((slot) => this.#cold[slot * COLD_STRIDE + TOKEN] as number) };
  }

  restore(snapshot: CandleSnapshot): void {
    for (const [token, forming, closed, closedQueued, day] of snapshot.tokens) {
      const slot = this.#claim(token);
      const divisor = priceDivisor(token);
      const raw = (price: number) => Math.round(price * divisor);
      const d = slot * HOT_DOUBLES;
      const w = slot * HOT_WORDS;
      const c = slot * COLD_STRIDE;
      if (forming) {
        this.#times[d + MINUTE] = forming.minute;
        this.#times[d + LAST_AT] = forming.lastAt;
        this.#cold[c + OPEN] = raw(forming.open);
        this.#ints[w + HIGH] = raw(forming.high);
        this.#ints[w + LOW] = raw(forming.low);
        this.#ints[w + CLOSE] = raw(forming.close);
        this.#uints[w + VOLUME_END] = Math.max(0, forming.volumeEnd);
        const flags = this.#uints[w + FLAGS] as number;
        this.#uints[w + FLAGS] = forming.volumeEnd >= 0 ? flags | HAS_VOLUME : flags & ~HAS_VOLUME;
        this.#uints[w + OI] = forming.oi;
        this.#cold[c + FORMING_VOLUME_BASE] = forming.volumeBase;
      }
      if (closed) {
        const b = c + CLOSED;
        this.#cold[b + C.minute] = closed.minute;
        this.#cold[b + C.open] = raw(closed.open);
        this.#cold[b + C.high] = raw(closed.high);
        this.#cold[b + C.low] = raw(closed.low);
        this.#cold[b + C.close] = raw(closed.close);
        this.#cold[b + C.lastAt] = closed.lastAt;
        this.#cold[b + C.volumeEnd] = closed.volumeEnd;
        this.#cold[b + C.oi] = closed.oi;
        this.#cold[b + C.volumeBase] = closed.volumeBase;
      }
      this.#cold[c + CLOSED_QUEUED] = closedQueued ? 1 : 0;
      if (day) {
        this.#ints[w + DAY] = day.day;
        this.#cold[c + DAY_OPEN] = raw(day.open);
        this.#ints[w + DAY_HIGH] = raw(day.high);
        this.#ints[w + DAY_LOW] = raw(day.low);
        this.#ints[w + DAY_CLOSE] = raw(day.close);
        this.#uints[w + DAY_VOLUME] = day.volume;
        this.#uints[w + DAY_OI] = day.oi;
      }
    }
    this.#outbox = snapshot.outbox;
    for (const token of snapshot.days_moved) {
      const slot = this.#slotOf(token);
      if (slot !== undefined && this.#hasDay(slot) && !this.#dayMoved(slot)) this.#markDayMoved(slot);
    }
  }

  /** Drops the state of tokens that have not ticked since `before` and have nothing left to write (bounded memory). */
  dropIdle(before: number): void {
    const today = istDayNumber(before);
    for (let slot = 0; slot < this.#capacity; slot++) {
      const c = slot * COLD_STRIDE;
      const closedMinute = this.#cold[c + CLOSED + C.minute] as number;
      if (
        this.#holds(slot) &&
        (this.#times[slot * HOT_DOUBLES + MINUTE] as number) < 0 &&
        this.#cold[c + CLOSED_QUEUED] === 0 &&
        !this.#dayMoved(slot) &&
        (closedMinute < 0 ? 0 : (this.#cold[c + CLOSED + C.lastAt] as number)) < before &&
        (this.#ints[slot * HOT_WORDS + DAY] as number) < today
      ) {
        this.#uints[slot * HOT_WORDS + FLAGS] = 0;
        this.#slots.release(slot, CANDLES_HOLDER);
        this.#held--;
        this.#changed = true;
      }
    }
  }

  /** The slot of `token`, given empty state here if this builder does not hold it yet. */
  #claim(token: number): number {
    const slot = this.#slots.claim(token, CANDLES_HOLDER);
    if (slot >= this.#capacity) this.#grow(slot + 1);
    if (!this.#holds(slot)) {
      const w = slot * HOT_WORDS;
      const c = slot * COLD_STRIDE;
      this.#ints.fill(0, w, w + HOT_WORDS);
      this.#cold.fill(0, c, c + COLD_STRIDE);
      this.#uints[w + FLAGS] = HELD;
      this.#times[slot * HOT_DOUBLES + MINUTE] = -1;
      this.#ints[w + DAY] = -1;
      this.#cold[c + TOKEN] = token;
      this.#cold[c + CLOSED + C.minute] = -1;
      this.#held++;
    }
    return slot;
  }

  #grow(needed: number): void {
    const capacity = Math.max(needed, this.#capacity * 2);
    const hot = new ArrayBuffer(capacity * HOT_BYTES);
    new Uint8Array(hot).set(new Uint8Array(this.#times.buffer));
    this.#times = new Float64Array(hot);
    this.#ints = new Int32Array(hot);
    this.#uints = new Uint32Array(hot);
    const cold = new Float64Array(capacity * COLD_STRIDE);
    cold.set(this.#cold);
    this.#cold = cold;
    this.#capacity = capacity;
  }

  /** The slot of `token`, if this builder holds it. */
  #slotOf(token: number): number | undefined {
    const slot = this.#slots.find(token);
    return slot !== undefined && slot < this.#capacity && this.#holds(slot) && this.#cold[slot * COLD_STRIDE + TOKEN] === token ? slot : undefined;
  }

  #holds(slot: number): boolean {
    return ((this.#uints[slot * HOT_WORDS + FLAGS] as number) & HELD) !== 0;
  }

  #hasDay(slot: number): boolean {
    return (this.#ints[slot * HOT_WORDS + DAY] as number) >= 0;
  }

  #dayMoved(slot: number): boolean {
    return ((this.#uints[slot * HOT_WORDS + FLAGS] as number) & DAY_MOVED) !== 0;
  }

  /** A tick of the forming minute: the high, low, close (by exchange time), OI and volume. */
  #amendForming(slot: number, price: number, at: number, volume: number, oi: number): void {
    const ints = this.#ints;
    const uints = this.#uints;
    const d = slot * HOT_DOUBLES;
    const w = slot * HOT_WORDS;
    if (price > (ints[w + HIGH] as number)) ints[w + HIGH] = price;
    if (price < (ints[w + LOW] as number)) ints[w + LOW] = price;
    if (at >= (this.#times[d + LAST_AT] as number)) {
      ints[w + CLOSE] = price;
      this.#times[d + LAST_AT] = at;
      if (oi >= 0) uints[w + OI] = oi;
    }
    if (volume >= 0) {
      const flags = uints[w + FLAGS] as number;
      if ((flags & HAS_VOLUME) === 0) uints[w + FLAGS] = flags | HAS_VOLUME;
      else if (volume <= (uints[w + VOLUME_END] as number)) return;
      uints[w + VOLUME_END] = volume;
    }
  }

  /** A tick for a minute before the forming one: the minute just closed is amended, anything older is history. */
  #amendClosed(slot: number, minute: number, price: number, at: number, volume: number, oi: number): void {
    const cold = this.#cold;
    const b = slot * COLD_STRIDE + CLOSED;
    if (cold[b + C.minute] !== minute) {
      this.counters.late_ticks++;
      return;
    }
    if (price > (cold[b + C.high] as number)) cold[b + C.high] = price;
    if (price < (cold[b + C.low] as number)) cold[b + C.low] = price;
    if (at >= (cold[b + C.lastAt] as number)) {
      cold[b + C.close] = price;
      cold[b + C.lastAt] = at;
      if (oi >= 0) cold[b + C.oi] = oi;
    }
    if (volume > (cold[b + C.volumeEnd] as number)) cold[b + C.volumeEnd] = volume;
    if (cold[slot * COLD_STRIDE + CLOSED_QUEUED] === 0) this.#queue(slot);
  }

  #markDayMoved(slot: number): void {
    this.#uints[slot * HOT_WORDS + FLAGS] = (this.#uints[slot * HOT_WORDS + FLAGS] as number) | DAY_MOVED;
    this.#daysMoved.push(slot);
  }

  #close(slot: number): void {
    const d = slot * HOT_DOUBLES;
    const w = slot * HOT_WORDS;
    const c = slot * COLD_STRIDE;
    const minute = this.#times[d + MINUTE] as number;
    if (minute < 0) return;
    const cold = this.#cold;
    const b = c + CLOSED;
    cold[b + C.minute] = minute;
    cold[b + C.open] = cold[c + OPEN] as number;
    cold[b + C.high] = this.#ints[w + HIGH] as number;
    cold[b + C.low] = this.#ints[w + LOW] as number;
    cold[b + C.close] = this.#ints[w + CLOSE] as number;
    cold[b + C.lastAt] = this.#times[d + LAST_AT] as number;
    cold[b + C.volumeEnd] = ((this.#uints[w + FLAGS] as number) & HAS_VOLUME) === 0 ? -1 : (this.#uints[w + VOLUME_END] as number);
    cold[b + C.oi] = this.#uints[w + OI] as number;
    cold[b + C.volumeBase] = cold[c + FORMING_VOLUME_BASE] as number;
    this.#times[d + MINUTE] = -1;
    this.counters.minutes_closed++;
    const candle = this.#queue(slot);
    this.#onClosed?.(cold[c + TOKEN] as number, candle);
  }

  /** Puts the slot's closed minute in the outbox; returns its candle. */
  #queue(slot: number): Candle {
    const cold = this.#cold;
    const c = slot * COLD_STRIDE;
    const token = cold[c + TOKEN] as number;
    const time = cold[c + CLOSED + C.minute] as number;
    // An amended minute already waiting is replaced in place, so the outbox holds one copy of it.
    const waiting = cold[c + CLOSED_QUEUED] === 1 ? this.#outbox.findIndex((m) => m.token === token && m.time === time) : -1;
    const candle = candleOfState(closedState(cold, c + CLOSED, priceDivisor(token)));
    const queued = { token, ...candle };
    if (waiting >= 0) this.#outbox[waiting] = queued;
    else this.#outbox.push(queued);
    cold[c + CLOSED_QUEUED] = 1;
    return candle;
  }

  #addToDay(slot: number, view: DataView, o: number, length: number, price: number, at: number, volume: number, oi: number): void {
    const ints = this.#ints;
    const uints = this.#uints;
    const w = slot * HOT_WORDS;
    const c = slot * COLD_STRIDE;
    const dayNumber = istDayNumber(at);
    const day = ints[w + DAY] as number;
    if (day < 0 || dayNumber > day) {
      ints[w + DAY] = dayNumber;
      this.#cold[c + DAY_OPEN] = price;
      ints[w + DAY_HIGH] = price;
      ints[w + DAY_LOW] = price;
      ints[w + DAY_CLOSE] = price;
      uints[w + DAY_VOLUME] = 0;
      uints[w + DAY_OI] = 0;
    } else if (dayNumber < day) return;
    // Quote and full packets carry the exchange's own day OHLC: the day candle is then Kite's, not only what we saw.
    const ohlc = length === PACKET_LENGTH.quote || length === PACKET_LENGTH.full ? QUOTE : length === PACKET_LENGTH.ltp ? undefined : INDEX;
    const open = ohlc === undefined ? 0 : view.getInt32(o + ohlc.open);
    if (ohlc !== undefined && open > 0) {
      this.#cold[c + DAY_OPEN] = open;
      ints[w + DAY_HIGH] = Math.max(view.getInt32(o + ohlc.high), price);
      ints[w + DAY_LOW] = Math.min(view.getInt32(o + ohlc.low), price);
    }
    this.#amendDay(slot, price, volume, oi);
  }

  /** A tick of the day candle's day: the high, low, close (the latest to arrive), volume and OI. */
  #amendDay(slot: number, price: number, volume: number, oi: number): void {
    const ints = this.#ints;
    const uints = this.#uints;
    const w = slot * HOT_WORDS;
    if (price > (ints[w + DAY_HIGH] as number)) ints[w + DAY_HIGH] = price;
    if (price < (ints[w + DAY_LOW] as number)) ints[w + DAY_LOW] = price;
    ints[w + DAY_CLOSE] = price;
    if (volume > (uints[w + DAY_VOLUME] as number)) uints[w + DAY_VOLUME] = volume;
    if (oi >= 0) uints[w + DAY_OI] = oi;
    if (((uints[w + FLAGS] as number) & DAY_MOVED) === 0) this.#markDayMoved(slot);
  }

  /** The forming minute of the slot, prices divided, or null. */
  #formingState(slot: number): MinuteState | null {
    const d = slot * HOT_DOUBLES;
    const w = slot * HOT_WORDS;
    const c = slot * COLD_STRIDE;
    const minute = this.#times[d + MINUTE] as number;
    if (minute < 0) return null;
    const divisor = priceDivisor(this.#cold[c + TOKEN] as number);
    return {
      minute,
      open: (this.#cold[c + OPEN] as number) / divisor,
      high: (this.#ints[w + HIGH] as number) / divisor,
      low: (this.#ints[w + LOW] as number) / divisor,
      close: (this.#ints[w + CLOSE] as number) / divisor,
      lastAt: this.#times[d + LAST_AT] as number,
      volumeEnd: ((this.#uints[w + FLAGS] as number) & HAS_VOLUME) === 0 ? -1 : (this.#uints[w + VOLUME_END] as number),
      volumeBase: this.#cold[c + FORMING_VOLUME_BASE] as number,
      oi: this.#uints[w + OI] as number,
    };
  }

  #closedState(slot: number): MinuteState | null {
    const c = slot * COLD_STRIDE;
    return (this.#cold[c + CLOSED + C.minute] as number) < 0 ? null : closedState(this.#cold, c + CLOSED, priceDivisor(this.#cold[c + TOKEN] as number));
  }

  #dayState(slot: number): DayState | null {
    if (!this.#hasDay(slot)) return null;
    const { time: _, ...day } = this.#dayCandle(slot);
    return { day: this.#ints[slot * HOT_WORDS + DAY] as number, ...day };
  }

  #dayCandle(slot: number): Candle {
    const w = slot * HOT_WORDS;
    const divisor = priceDivisor(this.#cold[slot * COLD_STRIDE + TOKEN] as number);
    return {
      time: (this.#ints[w + DAY] as number) * DAY_MS - IST_OFFSET_MS,
      open: (this.#cold[slot * COLD_STRIDE + DAY_OPEN] as number) / divisor,
      high: (this.#ints[w + DAY_HIGH] as number) / divisor,
      low: (this.#ints[w + DAY_LOW] as number) / divisor,
      close: (this.#ints[w + DAY_CLOSE] as number) / divisor,
      volume: this.#uints[w + DAY_VOLUME] as number,
      oi: this.#uints[w + DAY_OI] as number,
    };
  }
}

export type CandleSnapshot = {
  tokens: [token: number, forming: MinuteState | null, closed: MinuteState | null, closedQueued: boolean, day: DayState | null][];
  outbox: OutboxCandle[];
  days_moved: number[];
};

/** The first minute seen of an instrument: what was traded before its first tick's own trade. */
function firstBase(view: DataView, o: number, length: number, volume: number): number {
  const quantity = length === PACKET_LENGTH.quote || length === PACKET_LENGTH.full ? view.getUint32(o + QUOTE.lastTradedQuantity) : 0;
  return Math.max(0, volume - quantity);
}

/** The closed minute block at `b` of the cold array, prices divided. */
function closedState(cold: Float64Array, b: number, divisor: number): MinuteState {
  return {
    minute: cold[b + C.minute] as number,
    open: (cold[b + C.open] as number) / divisor,
    high: (cold[b + C.high] as number) / divisor,
    low: (cold[b + C.low] as number) / divisor,
    close: (cold[b + C.close] as number) / divisor,
    lastAt: cold[b + C.lastAt] as number,
    volumeEnd: cold[b + C.volumeEnd] as number,
    volumeBase: cold[b + C.volumeBase] as number,
    oi: cold[b + C.oi] as number,
  };
}

function candleOfState(state: MinuteState): Candle {
  const volume = state.volumeEnd < 0 || state.volumeBase < 0 ? 0 : Math.max(0, state.volumeEnd - state.volumeBase);
  return { time: state.minute, open: state.open, high: state.high, low: state.low, close: state.close, volume, oi: state.oi };
}

/** Days since the epoch on the IST calendar. */
export function istDayNumber(ms: number): number {
  return Math.floor((ms + IST_OFFSET_MS) / DAY_MS);
}
