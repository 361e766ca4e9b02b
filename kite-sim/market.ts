import { black76, DEFAULT_SMILE, expiryCloseMs, forwardPrice, type OptionKind, type Smile, smileVol, yearsUntil } from './pricing.ts';
import type { DepthLevel, Quote } from './quote.ts';
import { hashString, mix, type Rng, uniform } from './seeded-random.ts';
import type { SimInstrument, Underlying, Universe } from './universe-types.ts';

/**
 * The simulated market: every Underlying follows a seeded random walk, and
 * every instrument is priced off it when it trades (indices and stocks at
 * the level, futures at the forward, options by Black-76 on the forward
 * with the smile's volatility), so a chain read at one moment is
 * arbitrage-free up to tick rounding, as a real one nearly is.
 *
 * Everything is lazy: an underlying moves only when one of its instruments
 * trades, by however much time has passed since it last moved. Randomness
 * is per underlying (the walk) and per instrument (quantities, OI, depth),
 * so a token's history depends on the seed and on the times it and its
 * siblings were traded, not on how trades of other underlyings interleave.
 */
export type MarketOptions = {
  seed: number;
  /** The start of the simulated session: each underlying is at its `spot`, the previous close, here. */
  startMs: number;
  /** Continuously compounded carry and discount rate; default 0.065. */
  rate?: number;
  /** Default DEFAULT_SMILE. */
  smile?: Smile;
};

/**
 * How an instrument stood at the previous close (the simulator's start):
 * where its synthetic history (synthetic-history.ts) ends.
 */
export type PreviousClose = {
  price: number;
  oi: number;
  /** The tick grid: a price is an integer count of tickUnits / scale. */
  scale: number;
  tickUnits: number;
  /** Units per lot (1 for shares). */
  lot: number;
  /** Mean lots per trade (0 for indices, which trade none). */
  lotsPerTrade: number;
};

/** What the market prices a derivative with at the underlying's latest move. */
export type MarketModel = {
  spot: number;
  forward: number;
  years: number;
  /** The option's smile volatility; for a future, the underlying's ATM volatility (the forward's own). */
  vol: number;
  rate: number;
};

/**
 * What the market priced an instrument's latest price with (its last trade,
 * or the previous close before any): the model at that moment and the
 * premium before it was rounded to the tick.
 */
export type PricedWith = MarketModel & {
  /** The instant priced (the trade's time, or the session's start for the close), ms since the epoch. */
  at: number;
  /** Black-76 (or, for a future, the forward) before rounding to the tick. */
  price: number;
};

/**
 * Volatility is quoted per trading year: 252 sessions of 6¼ hours
 * (09:15–15:30). Every simulated second counts as a trading second, so the
 * simulator moves like a market in session whenever it runs.
 */
const TRADING_SECONDS_PER_YEAR = 252 * 6.25 * 3600;
/**
 * A gap longer than one session (a laptop asleep overnight) moves an
 * underlying as much as one session would, not as much as a week would.
 */
const MAX_STEP_SECONDS = 6.25 * 3600;
/** Indices carry tick_size 0 in Kite's dump but are disseminated to the paisa in 0.05 steps. */
const INDEX_TICK = 0.05;
const DEPTH_LEVELS = 5;
const MAX_ORDERS = 20;

type Walk = Rng & {
  underlying: Underlying;
  level: number;
  atMs: number;
  sigmaPerSecond: number;
  /** Incremented on every move, so cached forwards and prices know they are stale. */
  version: number;
  /** Box–Muller makes normals in pairs; the second waits here (NaN when there is none). */
  spare: number;
};

/** One expiry of one underlying: its futures and every strike of its options share the forward. */
type Expiry = { walk: Walk; closeMs: number; version: number; years: number; forward: number };

type Book = Rng & {
  token: number;
  kind: SimInstrument['kind'];
  walk: Walk;
  expiry: Expiry | undefined;
  optionKind: OptionKind;
  strike: number;
  /** Prices live as integer tick counts; price = ticks · tickUnits / scale is then exact in decimal. */
  tickUnits: number;
  scale: number;
  /** Units per lot, at least 1 (stocks trade in shares). */
  lot: number;
  /** Mean lots per trade, and per depth level; from liquidity, expiry and moneyness. */
  tradeLots: number;
  depthLots: number;
  closeTicks: number;
  /** OI at the previous close (the session's start). */
  closeOi: number;
  /** Model price cache: valid while priceVersion equals the walk's version. */
  priceVersion: number;
  modelTicks: number;
  /** What modelTicks was priced with (pricedWith); untouched for indices and stocks. */
  pricedAt: number;
  pricedSpot: number;
  pricedForward: number;
  pricedYears: number;
  pricedVol: number;
  pricedPrice: number;
  /** Today's trading; openTicks is 0 until the first trade. */
  openTicks: number;
  highTicks: number;
  lowTicks: number;
  lastTicks: number;
  lastQuantity: number;
  lastTradeSec: number;
  volume: number;
  turnover: number;
  oi: number;
  oiHigh: number;
  oiLow: number;
  /** The latest Quote, built on each trade (or on first ask); never mutated once handed out. */
  quote: Quote | undefined;
};

export class Market {
  readonly #books = new Map<number, Book>();
  readonly #rate: number;
  readonly #smile: Smile;
  readonly #startSec: number;

  constructor(universe: Universe, options: MarketOptions) {
    this.#rate = options.rate ?? 0.065;
    this.#smile = options.smile ?? DEFAULT_SMILE;
    this.#startSec = Math.floor(options.startMs / 1000);

    const walks = new Map<string, Walk>();
    const expiries = new Map<string, Expiry>();
    for (const instrument of universe.instruments) {
      let walk = walks.get(instrument.underlying);
      if (!walk) {
        const underlying = universe.underlyings.get(instrument.underlying);
        if (!underlying) {
          throw new Error(`${instrument.exchange}:${instrument.tradingsymbol}: no underlying '${instrument.underlying}' in the universe`);
        }
        walk = {
          underlying,
          level: underlying.spot,
          atMs: options.startMs,
          sigmaPerSecond: underlying.annualVol / Math.sqrt(TRADING_SECONDS_PER_YEAR),
          version: 0,
          spare: NaN,
          rng: mix(options.seed, hashString(underlying.id)),
        };
        walks.set(instrument.underlying, walk);
      }
      let expiry: Expiry | undefined;
      if (instrument.kind === 'future' || instrument.kind === 'option') {
        const key = `${instrument.underlying} ${instrument.expiry}`;
        expiry = expiries.get(key);
        if (!expiry) {
          const closeMs = expiryCloseMs(instrument.expiry);
          const years = yearsUntil(closeMs, walk.atMs);
          expiry = { walk, closeMs, version: walk.version, years, forward: forwardPrice(walk.level, years, this.#rate) };
          expiries.set(key, expiry);
        }
      }
      this.#books.set(instrument.instrument_token, this.#newBook(instrument, walk, expiry, options.seed));
    }
  }

  /**
   * A trade happens on this instrument at nowMs: the underlying's random
   * walk advances to nowMs, the instrument is repriced, and its Quote
   * (volume, OI, OHLC, depth, timestamps) moves on. Returns the new Quote,
   * a fresh object the market never touches again.
   * Throws RangeError for an unknown token.
   */
  trade(token: number, nowMs: number): Quote {
    const book = this.#book(token);
    advance(book.walk, nowMs);
    const ticks = this.#modelTicks(book);
    if (book.openTicks === 0) {
      book.openTicks = book.highTicks = book.lowTicks = ticks;
    } else if (ticks > book.highTicks) {
      book.highTicks = ticks;
    } else if (ticks < book.lowTicks) {
      book.lowTicks = ticks;
    }
    book.lastTicks = ticks;
    book.lastTradeSec = Math.floor(nowMs / 1000);

    if (book.kind !== 'index') {
      const quantity = book.lot * (1 + Math.floor(-Math.log(1 - uniform(book)) * (book.tradeLots - 1)));
      book.lastQuantity = quantity;
      book.volume += quantity;
      book.turnover += quantity * ticks * book.tickUnits;
      if (book.expiry) {
        // A trade opens positions, closes them, or passes them on: OI moves by
        // the traded quantity or not at all, drifting up as the day goes on.
        const u = uniform(book);
        if (u < 0.45) book.oi += quantity;
        else if (u < 0.8) book.oi = Math.max(book.oi - quantity, 0);
        if (book.oi > book.oiHigh) book.oiHigh = book.oi;
        if (book.oi < book.oiLow) book.oiLow = book.oi;
      }
    }
    book.quote = snapshot(book, book, book.lastTradeSec);
    return book.quote;
  }

  /**
   * The latest Quote without a new trade (for REST /quote and for packets of
   * instruments that did not trade this round): the same object until the
   * next trade; treat it as read-only. Before the first trade it shows the
   * previous close, no volume and open/high/low 0, as Kite does for a
   * contract that has not traded today. Throws RangeError for an unknown token.
   */
  quote(token: number): Quote {
    const book = this.#book(token);
    // The pre-trade depth draws from its own stream, so asking for a quote
    // never changes what later trades look like.
    book.quote ??= snapshot(book, { rng: mix(book.rng, 0x5eed) }, this.#startSec);
    return book.quote;
  }

  /**
   * The theoretical values the market prices a future or option with right
   * now (at its underlying's latest move): undefined for indices and stocks.
   * Throws RangeError for an unknown token.
   */
  model(token: number): MarketModel | undefined {
    const book = this.#book(token);
    const expiry = book.expiry;
    if (!expiry) return undefined;
    refresh(expiry, this.#rate);
    const { level: spot, underlying } = book.walk;
    const vol = book.kind === 'option' ? smileVol(underlying.annualVol, expiry.forward, book.strike, expiry.years, this.#smile) : underlying.annualVol;
    return { spot, forward: expiry.forward, years: expiry.years, vol, rate: this.#rate };
  }

  /**
   * What the instrument's latest price (its last trade, or the previous
   * close before any) was priced with, unlike `model`, which is the model
   * at the underlying's latest move: the two differ once a sibling has
   * traded since. undefined for indices and stocks. Throws RangeError for
   * an unknown token.
   */
  pricedWith(token: number): PricedWith | undefined {
    const book = this.#book(token);
    if (!book.expiry) return undefined;
    return {
      spot: book.pricedSpot,
      forward: book.pricedForward,
      years: book.pricedYears,
      vol: book.pricedVol,
      rate: this.#rate,
      at: book.pricedAt,
      price: book.pricedPrice,
    };
  }

  /** Throws RangeError for an unknown token. */
  previousClose(token: number): PreviousClose {
    const book = this.#book(token);
    return {
      price: (book.closeTicks * book.tickUnits) / book.scale,
      oi: book.closeOi,
      scale: book.scale,
      tickUnits: book.tickUnits,
      lot: book.lot,
      lotsPerTrade: book.kind === 'index' ? 0 : book.tradeLots,
    };
  }

  #book(token: number): Book {
    const book = this.#books.get(token);
    if (!book) throw new RangeError(`unknown instrument_token ${token}`);
    return book;
  }

  /** The instrument's model price at its walk's current state, in ticks (at least one). */
  #modelTicks(book: Book): number {
    const walk = book.walk;
    if (book.priceVersion === walk.version) return book.modelTicks;
    let price: number;
    const expiry = book.expiry;
    if (!expiry) {
      price = walk.level;
    } else {
      refresh(expiry, this.#rate);
      const vol =
        book.kind === 'future' ? walk.underlying.annualVol : smileVol(walk.underlying.annualVol, expiry.forward, book.strike, expiry.years, this.#smile);
      price = book.kind === 'future' ? expiry.forward : black76(book.optionKind, expiry.forward, book.strike, expiry.years, vol, this.#rate);
      book.pricedAt = walk.atMs;
      book.pricedSpot = walk.level;
      book.pricedForward = expiry.forward;
      book.pricedYears = expiry.years;
      book.pricedVol = vol;
      book.pricedPrice = price;
    }
    book.priceVersion = walk.version;
    book.modelTicks = Math.max(Math.round((price * book.scale) / book.tickUnits), 1);
    return book.modelTicks;
  }

  #newBook(instrument: SimInstrument, walk: Walk, expiry: Expiry | undefined, seed: number): Book {
    const { kind, instrument_type: type } = instrument;
    if (kind === 'option' && type !== 'CE' && type !== 'PE') {
      throw new Error(`${instrument.exchange}:${instrument.tradingsymbol}: an option must be CE or PE, not ${type}`);
    }
    const underlying = walk.underlying;
    const tick = instrument.tick_size > 0 ? instrument.tick_size : kind === 'index' || !(underlying.tickSize > 0) ? INDEX_TICK : underlying.tickSize;
    const { scale, tickUnits } = decimalGrid(tick);
    const liquidity = Math.min(Math.max(underlying.liquidity, 0), 1);

    // Activity, 0..1: how much of the underlying's business this contract
    // gets. Near expiries and near-the-money strikes get the most.
    let activity = liquidity;
    if (expiry) {
      const years = expiry.years;
      activity *= 1 / (1 + 12 * years);
      if (kind === 'option') {
        const width = Math.max(2 * underlying.annualVol * Math.sqrt(years), 0.01);
        const x = Math.log(instrument.strike / expiry.forward) / width;
        activity *= Math.exp(-0.5 * x * x);
      }
    }
    const shares = kind === 'equity' || kind === 'index';
    const book: Book = {
      token: instrument.instrument_token,
      kind,
      walk,
      expiry,
      optionKind: type === 'PE' ? 'PE' : 'CE',
      strike: instrument.strike,
      tickUnits,
      scale,
      lot: Math.max(instrument.lot_size, 1),
      tradeLots: shares ? 5 + 195 * activity : kind === 'future' ? 1 + 4 * activity : 1 + 9 * activity,
      depthLots: shares ? 20 + 2000 * activity : kind === 'future' ? 1 + 40 * activity : 1 + 60 * activity,
      closeTicks: 0,
      closeOi: 0,
      priceVersion: -1,
      modelTicks: 0,
      pricedAt: 0,
      pricedSpot: NaN,
      pricedForward: NaN,
      pricedYears: NaN,
      pricedVol: NaN,
      pricedPrice: NaN,
      openTicks: 0,
      highTicks: 0,
      lowTicks: 0,
      lastTicks: 0,
      lastQuantity: 0,
      lastTradeSec: this.#startSec,
      volume: 0,
      turnover: 0,
      oi: 0,
      oiHigh: 0,
      oiLow: 0,
      quote: undefined,
      rng: mix(seed, instrument.instrument_token),
    };
    book.closeTicks = book.lastTicks = this.#modelTicks(book);
    if (expiry) {
      const peakLots = kind === 'future' ? 150_000 : 80_000;
      const lots = Math.max(Math.round(peakLots * activity * (0.8 + 0.4 * uniform(book))), 1);
      book.oi = book.oiHigh = book.oiLow = book.closeOi = lots * book.lot;
    }
    return book;
  }
}

/** Moves the walk to nowMs by an exact lognormal step (any dt, no drift in expectation). */
function advance(walk: Walk, nowMs: number): void {
  if (!(nowMs > walk.atMs)) return;
  const seconds = Math.min((nowMs - walk.atMs) / 1000, MAX_STEP_SECONDS);
  const sd = walk.sigmaPerSecond * Math.sqrt(seconds);
  walk.level *= Math.exp(sd * gaussian(walk) - 0.5 * sd * sd);
  walk.atMs = nowMs;
  walk.version++;
}

function refresh(expiry: Expiry, rate: number): void {
  const walk = expiry.walk;
  if (expiry.version === walk.version) return;
  expiry.years = yearsUntil(expiry.closeMs, walk.atMs);
  expiry.forward = forwardPrice(walk.level, expiry.years, rate);
  expiry.version = walk.version;
}

/** A fresh Quote of the book's state; `random` feeds the depth and pending totals. */
function snapshot(book: Book, random: Rng, timestampSec: number): Quote {
  const { scale, tickUnits } = book;
  const price = (ticks: number) => (ticks * tickUnits) / scale;
  const traded = book.openTicks !== 0;
  const buy: DepthLevel[] = [];
  const sell: DepthLevel[] = [];
  let totalBuy = 0;
  let totalSell = 0;
  if (book.kind === 'index') {
    for (let k = 0; k < DEPTH_LEVELS; k++) {
      buy.push({ quantity: 0, price: 0, orders: 0 });
      sell.push({ quantity: 0, price: 0, orders: 0 });
    }
  } else {
    for (let k = 1; k <= DEPTH_LEVELS; k++) {
      const bid = depthLevel(book, random, book.lastTicks - k);
      const ask = depthLevel(book, random, book.lastTicks + k);
      totalBuy += bid.quantity;
      totalSell += ask.quantity;
      buy.push(bid);
      sell.push(ask);
    }
    // Orders rest beyond the five levels shown too.
    totalBuy += book.lot * Math.round(book.depthLots * (10 + 20 * uniform(random)));
    totalSell += book.lot * Math.round(book.depthLots * (10 + 20 * uniform(random)));
  }
  return {
    instrument_token: book.token,
    last_price: price(book.lastTicks),
    last_traded_quantity: book.lastQuantity,
    average_traded_price: book.volume > 0 ? Math.round(book.turnover / book.volume) / scale : 0,
    volume_traded: book.volume,
    total_buy_quantity: totalBuy,
    total_sell_quantity: totalSell,
    ohlc: {
      open: traded ? price(book.openTicks) : 0,
      high: traded ? price(book.highTicks) : 0,
      low: traded ? price(book.lowTicks) : 0,
      close: price(book.closeTicks),
    },
    last_trade_time: book.lastTradeSec,
    exchange_timestamp: timestampSec,
    oi: book.oi,
    oi_day_high: book.oiHigh,
    oi_day_low: book.oiLow,
    depth: { buy, sell },
  };
}

/** A level at `ticks` (an empty level when that would be a price of zero or less). */
function depthLevel(book: Book, random: Rng, ticks: number): DepthLevel {
  if (ticks <= 0) return { quantity: 0, price: 0, orders: 0 };
  const lots = 1 + Math.floor(uniform(random) * 2 * book.depthLots);
  return {
    quantity: lots * book.lot,
    price: (ticks * book.tickUnits) / book.scale,
    orders: 1 + Math.floor(uniform(random) * Math.min(MAX_ORDERS, lots)),
  };
}

/**
 * A tick as an integer count of 1/scale units (0.05 → 5/100, 0.0025 →
 * 25/10000), so prices built as integer / power of ten are the exact
 * doubles their decimal quotes denote, with no float noise.
 */
function decimalGrid(tick: number): { scale: number; tickUnits: number } {
  for (let scale = 1; scale <= 1e8; scale *= 10) {
    const units = tick * scale;
    if (Math.abs(units - Math.round(units)) < 1e-6) return { scale, tickUnits: Math.round(units) };
  }
  throw new RangeError(`tick size ${tick} has more than 8 decimals`);
}

/** Standard normal by Box–Muller, keeping the pair's second value for the next call. */
function gaussian(walk: Walk): number {
  if (!Number.isNaN(walk.spare)) {
    const z = walk.spare;
    walk.spare = NaN;
    return z;
  }
  const radius = Math.sqrt(-2 * Math.log(1 - uniform(walk)));
  const angle = 2 * Math.PI * uniform(walk);
  walk.spare = radius * Math.sin(angle);
  return radius * Math.cos(angle);
}
