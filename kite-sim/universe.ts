import { DAY_MS } from '../contracts/ist-clock.ts';
import { instrumentToken, KITE_EXCHANGES, type KiteExchange, type SEGMENT_CODE } from '../contracts/kite-instrument.ts';
import { type ContractSlot, contractTokenSpace, type DerivativeSpace, type FamilyTokens, MAX_HALF_WIDTH } from './contract-tokens.ts';
import {
  type Expiry,
  expiry,
  FRIDAY,
  firstOfMonth,
  istDay,
  lastWeekdayOfMonth,
  monthlySeries,
  onWeekday,
  TUESDAY,
  tradingWeek,
  weekdaysBefore,
  weeklySeries,
} from './expiry-calendar.ts';
import {
  BSE_EQUITIES,
  BSE_INDICES,
  COMMODITIES,
  CURRENCY_PAIRS,
  CURRENCY_TICK,
  DUAL_LISTED,
  EQUITY_TICK,
  GENERATED_FNO,
  INDEX_DERIVATIVES,
  LARGE_CAPS,
  NAME_HEADS,
  NAME_MIDDLES,
  NAME_TAILS,
  NSE_EQUITIES,
  NSE_INDICES,
  RESERVED_IDS,
} from './reference-data.ts';
import { seededRandom } from './seeded-random.ts';
import type { SimInstrument, Underlying, Universe } from './universe-types.ts';

/**
 * A made-up but Kite-shaped instrument universe: about 100,000 rows with the
 * real dump's segments, token rule, tradingsymbol formats, lot sizes and
 * expiry calendar, so that everything downstream (the instruments API, its
 * caches, the ticker) meets production's volume and quirks without a Kite
 * account. Deterministic: the same seed on the same IST day gives the same
 * universe, byte for byte. Prices (and so strike ladders) follow the seed;
 * expiries follow the day, and only unexpired contracts are listed.
 *
 * The famous names carry the tokens Kite gives them (NIFTY 50 256265,
 * RELIANCE 738561, ...) as far as we know them; every other token and
 * every generated company is invented. A derivative's token follows from
 * the contract itself (contract-tokens.ts), so it names the same contract
 * on every day the contract is listed.
 */
export type UniverseOptions = { seed: number; today: Date };

export function buildUniverse(options: UniverseOptions): Universe {
  const random = seededRandom(options.seed);
  const today = istDay(options.today);
  const book = createBook(random);
  addIndices(book, random);
  const fnoStocks = addEquities(book, random);
  // Token blocks go to the families in this order on every day (contract-tokens.ts).
  const spaces = {
    NFO: contractTokenSpace('NFO'),
    BFO: contractTokenSpace('BFO'),
    MCX: contractTokenSpace('MCX'),
    CDS: contractTokenSpace('CDS'),
    BCD: contractTokenSpace('BCD'),
  };
  addIndexDerivatives(book, spaces, today);
  addStockDerivatives(book, spaces.NFO, today, fnoStocks);
  addCommodities(book, spaces.MCX, random, today);
  addCurrencies(book, spaces, random, today);
  return book.universe;
}

/**
 * The universe cut to the instruments of `exchanges` (SIM_EXCHANGES): a
 * smaller dump for a platform that does not need all of Kite's (a test of
 * `npm run dev` itself, the end-to-end faults). Each instrument keeps its
 * token.
 */
export function listedOn(universe: Universe, exchanges: readonly KiteExchange[]): Universe {
  if (KITE_EXCHANGES.every((exchange) => exchanges.includes(exchange))) return universe;
  const instruments = universe.instruments.filter((instrument) => exchanges.includes(instrument.exchange));
  return {
    instruments,
    byToken: new Map(instruments.map((instrument) => [instrument.instrument_token, instrument])),
    bySymbol: new Map(instruments.map((instrument) => [symbolKey(instrument), instrument])),
    underlyings: universe.underlyings,
  };
}

/** An instrument's key in `Universe.bySymbol`: 'NFO:NIFTY25DEC26000CE'. */
const symbolKey = (instrument: SimInstrument) => `${instrument.exchange}:${instrument.tradingsymbol}`;

// ---------------------------------------------------------------------------
// Randomness and rounding

function between(random: () => number, low: number, high: number): number {
  return low + (high - low) * random();
}

/** Log-uniform: as many stocks near ₹50 as near ₹500 as near ₹5,000. */
function logBetween(random: () => number, low: number, high: number): number {
  return Math.exp(between(random, Math.log(low), Math.log(high)));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** A previous close moved by up to ±3%, so that each seed has its own market. */
function jitter(random: () => number, price: number): number {
  return price * (1 + (random() - 0.5) * 0.06);
}

/** Rounds onto the tick grid and prints no floating-point dust (0.1 + 0.2 stays 0.3). */
function onTick(price: number, tick: number): number {
  const decimals = (String(tick).split('.')[1] ?? '').length;
  return Number((Math.max(1, Math.round(price / tick)) * tick).toFixed(decimals));
}

// ---------------------------------------------------------------------------
// The book: every instrument goes in through `add`, which keeps the maps and
// refuses a duplicate token or symbol, or an instrument priced from nothing.

type TokenSpace = keyof typeof SEGMENT_CODE;
type Book = {
  universe: Universe;
  add(instrument: SimInstrument): void;
  addUnderlying(underlying: Underlying): void;
  /** Claims a known exchange token (Kite's own, for the famous names). */
  claimToken(space: TokenSpace, exchangeToken: number): number;
  /** The next free exchange token, a few past the previous one as on Kite (cash and index listings, which never expire). */
  nextToken(space: TokenSpace): number;
};

/** Where each token space starts numbering (roughly where Kite's do), and its widest gap. */
const TOKEN_SPACES: Record<TokenSpace, { start: number; gap: number }> = {
  NSE: { start: 1, gap: 12 },
  NFO: { start: 35_000, gap: 3 },
  CDS: { start: 1_000, gap: 4 },
  BSE: { start: 500_000, gap: 10 },
  BFO: { start: 800_000, gap: 3 },
  BCD: { start: 2_000, gap: 4 },
  MCX: { start: 420_000, gap: 5 },
  MCXSX: { start: 1, gap: 1 },
  INDICES: { start: 1, gap: 1 },
};

function createBook(random: () => number): Book {
  const universe: Universe = { instruments: [], byToken: new Map(), bySymbol: new Map(), underlyings: new Map() };
  const taken = new Map<TokenSpace, Set<number>>();
  const last = new Map<TokenSpace, number>();
  const takenIn = (space: TokenSpace) => {
    let set = taken.get(space);
    if (!set) {
      set = new Set();
      taken.set(space, set);
    }
    return set;
  };
  return {
    universe,
    add(instrument) {
      const symbol = symbolKey(instrument);
      if (universe.byToken.has(instrument.instrument_token)) throw new Error(`duplicate instrument_token ${instrument.instrument_token} (${symbol})`);
      if (universe.bySymbol.has(symbol)) throw new Error(`duplicate tradingsymbol ${symbol}`);
      if (!universe.underlyings.has(instrument.underlying)) throw new Error(`${symbol} is priced from unknown underlying ${instrument.underlying}`);
      universe.instruments.push(instrument);
      universe.byToken.set(instrument.instrument_token, instrument);
      universe.bySymbol.set(symbol, instrument);
    },
    addUnderlying(underlying) {
      if (universe.underlyings.has(underlying.id)) throw new Error(`duplicate underlying ${underlying.id}`);
      universe.underlyings.set(underlying.id, underlying);
    },
    claimToken(space, exchangeToken) {
      const set = takenIn(space);
      if (set.has(exchangeToken)) throw new Error(`exchange token ${exchangeToken} claimed twice in ${space}`);
      set.add(exchangeToken);
      return exchangeToken;
    },
    nextToken(space) {
      const set = takenIn(space);
      const { start, gap } = TOKEN_SPACES[space];
      let token = last.get(space) ?? start;
      do token += 1 + Math.floor(random() * gap);
      while (set.has(token));
      set.add(token);
      last.set(space, token);
      return token;
    },
  };
}

// ---------------------------------------------------------------------------
// Indices

const INDEX_TICK = 0.05;

function addIndices(book: Book, random: () => number): void {
  for (const [exchange, specs] of [
    ['NSE', NSE_INDICES],
    ['BSE', BSE_INDICES],
  ] as const) {
    for (const spec of specs) {
      const token = instrumentToken(book.claimToken('INDICES', spec.exchangeToken), 'INDICES');
      const id = spec.id ?? spec.symbol;
      // INDIA VIX is quoted to four decimals; the others to the derivatives' tick.
      const tickSize = spec.close < 100 ? 0.0025 : INDEX_TICK;
      book.addUnderlying({
        id,
        spot: onTick(jitter(random, spec.close), tickSize),
        annualVol: spec.vol ?? Number(between(random, 0.12, 0.18).toFixed(3)),
        spotToken: token,
        tickSize,
        liquidity: spec.liquidity ?? 0.3,
      });
      book.add({
        instrument_token: token,
        exchange_token: spec.exchangeToken,
        tradingsymbol: spec.symbol,
        name: spec.symbol,
        last_price: 0,
        expiry: '',
        strike: 0,
        tick_size: 0,
        lot_size: 0,
        instrument_type: 'EQ',
        segment: 'INDICES',
        exchange,
        kind: 'index',
        underlying: id,
      });
    }
  }
}

// ---------------------------------------------------------------------------
// Cash equities

type Company = {
  symbol: string;
  name: string;
  nseToken: number | undefined;
  bseToken: number | undefined;
  fno: boolean;
};

/** A company name and NSE-style symbol nobody has yet: 'GUJARAT GREEN CHEMICALS' / 'GUJARAGRCHEM'. */
function inventCompany(random: () => number, taken: Set<string>): { symbol: string; name: string } {
  for (;;) {
    const head = pick(random, NAME_HEADS);
    const middle = pick(random, NAME_MIDDLES);
    const [tail, short] = pick(random, NAME_TAILS);
    const symbol = head.slice(0, 7) + middle.slice(0, 2) + short;
    const name = [head, middle, tail].filter(Boolean).join(' ');
    if (taken.has(symbol) || taken.has(name)) continue;
    taken.add(symbol);
    taken.add(name);
    return { symbol, name };
  }
}

/** Lists every company on NSE and/or BSE, each its own underlying; returns the F&O stocks. */
function addEquities(book: Book, random: () => number): string[] {
  const taken = new Set<string>(RESERVED_IDS);
  const companies: Company[] = [];
  for (const [symbol, name, close, nseToken, bseToken] of LARGE_CAPS) {
    taken.add(symbol);
    taken.add(name);
    companies.push({ symbol, name, nseToken: book.claimToken('NSE', nseToken), bseToken: book.claimToken('BSE', bseToken), fno: true });
    book.addUnderlying({
      id: symbol,
      spot: onTick(jitter(random, close), EQUITY_TICK),
      annualVol: Number(between(random, 0.2, 0.32).toFixed(3)),
      spotToken: instrumentToken(nseToken, 'NSE'),
      tickSize: EQUITY_TICK,
      liquidity: Number(between(random, 0.85, 1).toFixed(3)),
    });
  }

  const generatedNse = NSE_EQUITIES - LARGE_CAPS.length;
  const bseOnly = BSE_EQUITIES - LARGE_CAPS.length - DUAL_LISTED;
  for (let i = 0; i < generatedNse + bseOnly; i++) {
    const { symbol, name } = inventCompany(random, taken);
    const onNse = i < generatedNse;
    const onBse = !onNse || i < DUAL_LISTED;
    const fno = i < GENERATED_FNO;
    const nseToken = onNse ? book.nextToken('NSE') : undefined;
    const bseToken = onBse ? book.nextToken('BSE') : undefined;
    companies.push({ symbol, name, nseToken, bseToken, fno });
    // F&O stocks are liquid mid and large caps; BSE-only ones are small and often penny stocks.
    const close = fno ? logBetween(random, 100, 6000) : onNse ? logBetween(random, 8, 4000) : logBetween(random, 1, 1500);
    const tickSize = close < 10 && !onNse ? 0.01 : EQUITY_TICK;
    const liquidity = fno ? between(random, 0.4, 0.75) : onNse ? 0.02 + 0.38 * random() ** 2 : 0.005 + 0.15 * random() ** 2;
    book.addUnderlying({
      id: symbol,
      spot: onTick(close, tickSize),
      annualVol: Number(between(random, fno ? 0.25 : 0.3, 0.45).toFixed(3)),
      spotToken: nseToken !== undefined ? instrumentToken(nseToken, 'NSE') : bseToken !== undefined ? instrumentToken(bseToken, 'BSE') : undefined,
      tickSize,
      liquidity: Number(liquidity.toFixed(3)),
    });
  }

  for (const exchange of ['NSE', 'BSE'] as const) {
    for (const company of companies) {
      const exchangeToken = exchange === 'NSE' ? company.nseToken : company.bseToken;
      if (exchangeToken === undefined) continue;
      book.add({
        instrument_token: instrumentToken(exchangeToken, exchange),
        exchange_token: exchangeToken,
        tradingsymbol: company.symbol,
        name: company.name,
        last_price: 0,
        expiry: '',
        strike: 0,
        tick_size: underlyingOf(book, company.symbol).tickSize,
        lot_size: 1,
        instrument_type: 'EQ',
        segment: exchange,
        exchange,
        kind: 'equity',
        underlying: company.symbol,
      });
    }
  }
  return companies.filter((c) => c.fno).map((c) => c.symbol);
}

function underlyingOf(book: Book, id: string): Underlying {
  const underlying = book.universe.underlyings.get(id);
  if (!underlying) throw new Error(`unknown underlying ${id}`);
  return underlying;
}

// ---------------------------------------------------------------------------
// Futures and options

/** A derivative family: an underlying's futures and options on one exchange, and the block of tokens they take (contract-tokens.ts). */
type Contract = { exchange: DerivativeSpace; tokens: FamilyTokens; name: string; lot: number; tick: number };

function contractToken(contract: Contract, on: Expiry, slot: ContractSlot): number {
  return contract.tokens.token(on.day, slot);
}

function addFuture(book: Book, contract: Contract, on: Expiry): void {
  const exchangeToken = contractToken(contract, on, { kind: 'future' });
  book.add({
    instrument_token: instrumentToken(exchangeToken, contract.exchange),
    exchange_token: exchangeToken,
    tradingsymbol: `${contract.name}${on.code}FUT`,
    name: contract.name,
    last_price: 0,
    expiry: on.iso,
    strike: 0,
    tick_size: contract.tick,
    lot_size: contract.lot,
    instrument_type: 'FUT',
    segment: `${contract.exchange}-FUT`,
    exchange: contract.exchange,
    kind: 'future',
    underlying: contract.name,
  });
}

/** A CE and a PE at each of `2 * halfWidth + 1` strikes `step` apart around the spot (positive strikes only). */
function addOptionChain(book: Book, contract: Contract, on: Expiry, step: number, halfWidth: number): void {
  if (halfWidth > MAX_HALF_WIDTH)
    throw new RangeError(`${contract.name}: ${halfWidth} strikes each side, more than the ${MAX_HALF_WIDTH} its tokens have room for`);
  const atm = Math.round(underlyingOf(book, contract.name).spot / step);
  for (let k = atm - halfWidth; k <= atm + halfWidth; k++) {
    if (k <= 0) continue;
    // k * step, not a running sum: 0.25 and 2.5 ladders stay exact.
    const strike = k * step;
    for (const type of ['CE', 'PE'] as const) {
      const exchangeToken = contractToken(contract, on, { kind: 'option', type, strikeIndex: k, atmIndex: atm });
      book.add({
        instrument_token: instrumentToken(exchangeToken, contract.exchange),
        exchange_token: exchangeToken,
        tradingsymbol: `${contract.name}${on.code}${strike}${type}`,
        name: contract.name,
        last_price: 0,
        expiry: on.iso,
        strike,
        tick_size: contract.tick,
        lot_size: contract.lot,
        instrument_type: type,
        segment: `${contract.exchange}-OPT`,
        exchange: contract.exchange,
        kind: 'option',
        underlying: contract.name,
      });
    }
  }
}

const DERIVATIVE_TICK = 0.05;

const MONTHLY_CONTRACTS = 3;

/** Wide chains near expiry, where the trading is; far contracts list fewer strikes. */
function indexHalfWidth(daysLeft: number): number {
  return daysLeft <= 35 ? 60 : daysLeft <= 100 ? 40 : 20;
}

type TokenSpaces = Record<DerivativeSpace, ReturnType<typeof contractTokenSpace>>;

function addIndexDerivatives(book: Book, spaces: TokenSpaces, today: number): void {
  for (const spec of INDEX_DERIVATIVES) {
    const tokens = spaces[spec.exchange].family(spec.id, spec.weeklies > 0 ? 'weekly' : 'monthly');
    const lastOfMonth = (year: number, month: number) => lastWeekdayOfMonth(year, month, spec.weekday);
    const inMonths = (months: readonly number[]) => (year: number, month: number) => (months.includes(month) ? lastOfMonth(year, month) : undefined);
    const monthlies = monthlySeries(today, MONTHLY_CONTRACTS, lastOfMonth);
    const afterMonthlies = (monthlies.at(-1) ?? today) + 1;
    const quarterlies = monthlySeries(afterMonthlies, spec.quarterlies, inMonths([2, 5, 8, 11]));
    const halfYearlies = monthlySeries((quarterlies.at(-1) ?? afterMonthlies) + 1, spec.halfYearlies, inMonths([5, 11]));
    const days = [...new Set([...weeklySeries(today, spec.weekday, spec.weeklies), ...monthlies, ...quarterlies, ...halfYearlies])].sort((a, b) => a - b);

    const contract: Contract = { exchange: spec.exchange, tokens, name: spec.id, lot: spec.lot, tick: DERIVATIVE_TICK };
    for (const day of monthlies) addFuture(book, contract, expiry(day, true));
    for (const day of days) {
      const date = new Date(day * DAY_MS);
      const monthly = day === lastOfMonth(date.getUTCFullYear(), date.getUTCMonth());
      addOptionChain(book, contract, expiry(day, monthly), spec.step, indexHalfWidth(day - today));
    }
  }
}

/** NSE's strike interval grows with the price. */
function stockStrikeStep(price: number): number {
  return price < 250 ? 2.5 : price < 500 ? 5 : price < 1000 ? 10 : price < 2500 ? 20 : price < 5000 ? 50 : 100;
}

/** Lot worth about ₹7.5 lakh, rounded to a round number (25, 50, 100, 250, 500, ...). */
function stockLot(price: number): number {
  const raw = 750_000 / price;
  const unit = 10 ** Math.floor(Math.log10(raw)) / 2;
  return Math.max(1, Math.round(Math.round(raw / unit) * unit));
}

const STOCK_HALF_WIDTHS = [50, 40, 25];

function addStockDerivatives(book: Book, space: TokenSpaces['NFO'], today: number, stocks: readonly string[]): void {
  const expiries = monthlySeries(today, MONTHLY_CONTRACTS, (y, m) => lastWeekdayOfMonth(y, m, TUESDAY)).map((day) => expiry(day, true));
  for (const symbol of stocks) {
    const { spot } = underlyingOf(book, symbol);
    const contract: Contract = { exchange: 'NFO', tokens: space.family(symbol, 'monthly'), name: symbol, lot: stockLot(spot), tick: DERIVATIVE_TICK };
    for (const on of expiries) addFuture(book, contract, on);
    for (const [i, on] of expiries.entries()) addOptionChain(book, contract, on, stockStrikeStep(spot), STOCK_HALF_WIDTHS[i] ?? 20);
  }
}

// ---------------------------------------------------------------------------
// MCX commodities

const COMMODITY_FUTURES = 6;

function addCommodities(book: Book, space: TokenSpaces['MCX'], random: () => number, today: number): void {
  for (const spec of COMMODITIES) {
    book.addUnderlying({
      id: spec.id,
      spot: onTick(jitter(random, spec.close), spec.tick),
      annualVol: spec.vol,
      spotToken: undefined,
      tickSize: spec.tick,
      liquidity: spec.liquidity,
    });
    const futures = monthlySeries(today, COMMODITY_FUTURES, (year, month) => {
      if (spec.months && !spec.months.includes(month)) return undefined;
      return onWeekday(spec.day === 'last' ? firstOfMonth(year, month + 1) - 1 : firstOfMonth(year, month) + spec.day - 1);
    });
    // A month's options expire two business days before its future, in the same month: one row holds both.
    const contract: Contract = { exchange: 'MCX', tokens: space.family(spec.id, 'monthly'), name: spec.id, lot: spec.lot, tick: spec.tick };
    for (const day of futures) addFuture(book, contract, expiry(day, true));
    futures.slice(0, spec.optionSeries).forEach((day, i) => {
      const optionDay = weekdaysBefore(day, 2);
      if (optionDay >= today) addOptionChain(book, contract, expiry(optionDay, true), spec.step, i === 0 ? 20 : 15);
    });
  }
}

// ---------------------------------------------------------------------------
// Currency pairs (NSE CDS, and a little of BSE's BCD)

/** Currency futures expire two business days before the month's last business day. */
function currencyMonthly(year: number, month: number): number {
  return weekdaysBefore(onWeekday(firstOfMonth(year, month + 1) - 1), 2);
}

function addCurrencies(book: Book, spaces: TokenSpaces, random: () => number, today: number): void {
  for (const pair of CURRENCY_PAIRS) {
    book.addUnderlying({
      id: pair.id,
      spot: onTick(jitter(random, pair.close), CURRENCY_TICK),
      annualVol: pair.vol,
      spotToken: undefined,
      tickSize: CURRENCY_TICK,
      liquidity: pair.liquidity,
    });
    const tokens = spaces.CDS.family(pair.id, pair.weeklies > 0 ? 'weekly' : 'monthly');
    const contract: Contract = { exchange: 'CDS', tokens, name: pair.id, lot: 1, tick: CURRENCY_TICK };
    const monthlies = monthlySeries(today, pair.futures, currencyMonthly);
    for (const day of monthlies) addFuture(book, contract, expiry(day, true));
    const monthlyWeeks = new Set(monthlies.map(tradingWeek));
    for (const day of weeklySeries(today, FRIDAY, pair.weeklies)) {
      if (!monthlyWeeks.has(tradingWeek(day))) addOptionChain(book, contract, expiry(day, false), pair.step, 30);
    }
    for (const day of monthlies.slice(0, MONTHLY_CONTRACTS)) addOptionChain(book, contract, expiry(day, true), pair.step, pair.monthlyHalfWidth);
  }

  // BSE's currency segment: USDINR only, a thin copy of NSE's.
  const bcd: Contract = { exchange: 'BCD', tokens: spaces.BCD.family('USDINR', 'monthly'), name: 'USDINR', lot: 1, tick: CURRENCY_TICK };
  const monthlies = monthlySeries(today, MONTHLY_CONTRACTS, currencyMonthly).map((day) => expiry(day, true));
  for (const on of monthlies) addFuture(book, bcd, on);
  const [near] = monthlies;
  if (near) addOptionChain(book, bcd, near, 0.25, 10);
}
