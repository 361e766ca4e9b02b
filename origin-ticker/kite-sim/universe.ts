import { instrumentToken, type KiteExchange, type SEGMENT_CODE } from '../../contracts/kite-instrument.ts';
import { type SimInstrument, type Underlying, type Universe } from './universe-types.ts';
import { DAY_MS, IST_OFFSET_MS } from '../ist-clock.ts';
import { seededRandom } from './seeded-random.ts';

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
 * every generated company is invented.
 */
export type UniverseOptions = { seed: number; today: Date };

export function buildUniverse(options: UniverseOptions): Universe {
  const random = seededRandom(options.seed);
  const today = istDay(options.today);
  const book = createBook(random);
  addIndices(book, random);
  const fnoStocks = addEquities(book, random);
  addIndexDerivatives(book, today);
  addStockDerivatives(book, today, fnoStocks);
  addCommodities(book, random, today);
  addCurrencies(book, random, today);
  return book.universe;
}

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
// Calendar: days are whole days since 1970-01-01 on the IST calendar.

const TUESDAY = 2;
const THURSDAY = 4;
const FRIDAY = 5;
const MONTHS = 'JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC';
/** Kite's one-character month in weekly symbols: 1-9, then O, N, D. */
const WEEKLY_MONTH_CODES = '123456789OND';

function istDay(date: Date): number {
  return Math.floor((date.getTime() + IST_OFFSET_MS) / DAY_MS);
}

/** 0 = Sunday. Day 0 was a Thursday. */
function weekday(day: number): number {
  return (day + 4) % 7;
}

function firstOfMonth(year: number, month: number): number {
  return Date.UTC(year, month, 1) / DAY_MS;
}

function lastWeekdayOfMonth(year: number, month: number, wanted: number): number {
  const last = firstOfMonth(year, month + 1) - 1;
  return last - ((weekday(last) - wanted + 7) % 7);
}

/** The day itself, or the Friday before when it falls on a weekend (holidays are ignored). */
function onWeekday(day: number): number {
  const wd = weekday(day);
  return wd === 0 ? day - 2 : wd === 6 ? day - 1 : day;
}

function weekdaysBefore(day: number, count: number): number {
  let result = day;
  for (let left = count; left > 0; ) {
    result -= 1;
    if (weekday(result) !== 0 && weekday(result) !== 6) left -= 1;
  }
  return result;
}

/** Weeks starting on Monday: two days share a trading week when these agree. */
function tradingWeek(day: number): number {
  return Math.floor((day + 3) / 7);
}

/** The next `count` contract days on or after `from`, one per month, where `dayIn` names it (undefined: no contract that month). */
function monthlySeries(from: number, count: number, dayIn: (year: number, month: number) => number | undefined): number[] {
  const start = new Date(from * DAY_MS);
  const days: number[] = [];
  for (let offset = 0; days.length < count && offset < 120; offset++) {
    const year = start.getUTCFullYear() + Math.floor((start.getUTCMonth() + offset) / 12);
    const month = (start.getUTCMonth() + offset) % 12;
    const day = dayIn(year, month);
    if (day !== undefined && day >= from) days.push(day);
  }
  return days;
}

function weeklySeries(from: number, wanted: number, count: number): number[] {
  const first = from + ((wanted - weekday(from) + 7) % 7);
  return Array.from({ length: count }, (_, week) => first + 7 * week);
}

type Expiry = { day: number; iso: string; /** '25DEC' (monthly) or '25D09' (weekly) */ code: string };

function expiry(day: number, monthly: boolean): Expiry {
  const date = new Date(day * DAY_MS);
  const year = String(date.getUTCFullYear() % 100).padStart(2, '0');
  const month = date.getUTCMonth();
  const code = monthly
    ? year + MONTHS.slice(month * 3, month * 3 + 3)
    : year + WEEKLY_MONTH_CODES.charAt(month) + String(date.getUTCDate()).padStart(2, '0');
  return { day, iso: date.toISOString().slice(0, 10), code };
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
  /** The next free exchange token, a few past the previous one as on Kite. */
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
    if (!set) taken.set(space, (set = new Set()));
    return set;
  };
  return {
    universe,
    add(instrument) {
      const symbol = `${instrument.exchange}:${instrument.tradingsymbol}`;
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

type IndexSpec = {
  symbol: string;
  exchangeToken: number;
  close: number;
  /** The `name` of its derivatives, when it has some. */
  id?: string;
  vol?: number;
  liquidity?: number;
};

const NSE_INDICES: readonly IndexSpec[] = [
  { symbol: 'NIFTY 50', exchangeToken: 1001, close: 26_000, id: 'NIFTY', vol: 0.13, liquidity: 1 },
  { symbol: 'NIFTY BANK', exchangeToken: 1016, close: 59_000, id: 'BANKNIFTY', vol: 0.15, liquidity: 0.95 },
  { symbol: 'NIFTY FIN SERVICE', exchangeToken: 1007, close: 27_500, id: 'FINNIFTY', vol: 0.14, liquidity: 0.7 },
  { symbol: 'NIFTY MID SELECT', exchangeToken: 1125, close: 13_600, id: 'MIDCPNIFTY', vol: 0.17, liquidity: 0.65 },
  { symbol: 'INDIA VIX', exchangeToken: 1035, close: 12.5, vol: 0.8, liquidity: 0.8 },
  { symbol: 'NIFTY IT', exchangeToken: 1015, close: 37_000 },
  { symbol: 'NIFTY NEXT 50', exchangeToken: 1058, close: 69_000 },
  { symbol: 'NIFTY MIDCAP 100', exchangeToken: 1003, close: 60_500 },
  { symbol: 'NIFTY AUTO', exchangeToken: 1029, close: 27_500 },
  { symbol: 'NIFTY PHARMA', exchangeToken: 1025, close: 22_700 },
  { symbol: 'NIFTY FMCG', exchangeToken: 1023, close: 56_000 },
  { symbol: 'NIFTY METAL', exchangeToken: 1030, close: 10_300 },
  { symbol: 'NIFTY REALTY', exchangeToken: 1020, close: 920 },
  { symbol: 'NIFTY ENERGY', exchangeToken: 1021, close: 35_500 },
  { symbol: 'NIFTY PSU BANK', exchangeToken: 1027, close: 8_200 },
  { symbol: 'NIFTY PVT BANK', exchangeToken: 1059, close: 28_500 },
  { symbol: 'NIFTY MEDIA', exchangeToken: 1031, close: 1_500 },
  { symbol: 'NIFTY 100', exchangeToken: 1018, close: 26_700 },
  { symbol: 'NIFTY 200', exchangeToken: 1033, close: 14_500 },
  { symbol: 'NIFTY 500', exchangeToken: 1047, close: 23_800 },
  { symbol: 'NIFTY MIDCAP 50', exchangeToken: 1019, close: 16_800 },
  { symbol: 'NIFTY SMLCAP 100', exchangeToken: 1043, close: 18_000 },
  { symbol: 'NIFTY INFRA', exchangeToken: 1022, close: 9_500 },
  { symbol: 'NIFTY COMMODITIES', exchangeToken: 1005, close: 9_200 },
  { symbol: 'NIFTY CONSUMPTION', exchangeToken: 1006, close: 12_000 },
  { symbol: 'NIFTY CPSE', exchangeToken: 1048, close: 6_700 },
  { symbol: 'NIFTY MNC', exchangeToken: 1026, close: 30_000 },
  { symbol: 'NIFTY PSE', exchangeToken: 1028, close: 10_000 },
  { symbol: 'NIFTY SERV SECTOR', exchangeToken: 1034, close: 33_000 },
  { symbol: 'NIFTY HEALTHCARE', exchangeToken: 1130, close: 14_800 },
  { symbol: 'NIFTY MIDCAP 150', exchangeToken: 1110, close: 22_000 },
  { symbol: 'NIFTY SMLCAP 250', exchangeToken: 1112, close: 17_000 },
  { symbol: 'NIFTY MIDSML 400', exchangeToken: 1114, close: 20_500 },
];

/** BSE's index tokens are small numbers (SENSEX is 265 = 1 * 256 + 9), clear of NSE's 1001 and up. */
const BSE_INDICES: readonly IndexSpec[] = [
  { symbol: 'SENSEX', exchangeToken: 1, close: 85_000, id: 'SENSEX', vol: 0.13, liquidity: 0.95 },
  { symbol: 'BANKEX', exchangeToken: 12, close: 66_000, id: 'BANKEX', vol: 0.15, liquidity: 0.6 },
  { symbol: 'SENSEX50', exchangeToken: 2, close: 27_000 },
  { symbol: 'BSE100', exchangeToken: 3, close: 27_200 },
  { symbol: 'BSE200', exchangeToken: 4, close: 11_600 },
  { symbol: 'BSE500', exchangeToken: 5, close: 37_000 },
  { symbol: 'MIDCAP', exchangeToken: 6, close: 46_500 },
  { symbol: 'SMLCAP', exchangeToken: 7, close: 53_000 },
  { symbol: 'BSE IT', exchangeToken: 8, close: 36_000 },
];

const INDEX_TICK = 0.05;

function addIndices(book: Book, random: () => number): void {
  for (const [exchange, specs] of [['NSE', NSE_INDICES], ['BSE', BSE_INDICES]] as const) {
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

/** [symbol, Kite's name, previous close, NSE exchange token, BSE scrip code] */
const LARGE_CAPS: readonly (readonly [string, string, number, number, number])[] = [
  ['RELIANCE', 'RELIANCE INDUSTRIES', 1500, 2885, 500325],
  ['TCS', 'TATA CONSULTANCY SERV LT', 3100, 11536, 532540],
  ['HDFCBANK', 'HDFC BANK', 990, 1333, 500180],
  ['INFY', 'INFOSYS', 1550, 1594, 500209],
  ['ICICIBANK', 'ICICI BANK', 1380, 4963, 532174],
  ['SBIN', 'STATE BANK OF INDIA', 950, 3045, 500112],
  ['ITC', 'ITC', 410, 1660, 500875],
  ['LT', 'LARSEN & TOUBRO', 4000, 11483, 500510],
  ['AXISBANK', 'AXIS BANK', 1250, 5900, 532215],
  ['KOTAKBANK', 'KOTAK MAHINDRA BANK', 2150, 1922, 500247],
  ['HINDUNILVR', 'HINDUSTAN UNILEVER', 2450, 1394, 500696],
  ['BHARTIARTL', 'BHARTI AIRTEL', 2100, 10604, 532454],
  ['BAJFINANCE', 'BAJAJ FINANCE', 1000, 317, 500034],
  ['ASIANPAINT', 'ASIAN PAINTS', 2800, 236, 500820],
  ['MARUTI', 'MARUTI SUZUKI INDIA', 16000, 10999, 532500],
  ['TATASTEEL', 'TATA STEEL', 170, 3499, 500470],
  ['SUNPHARMA', 'SUN PHARMACEUTICAL IND L', 1750, 3351, 524715],
  ['WIPRO', 'WIPRO', 245, 3787, 507685],
  ['HCLTECH', 'HCL TECHNOLOGIES', 1600, 7229, 532281],
  ['TITAN', 'TITAN COMPANY', 3800, 3506, 500114],
  ['ULTRACEMCO', 'ULTRATECH CEMENT', 11800, 11532, 532538],
  ['NTPC', 'NTPC', 330, 11630, 532555],
  ['POWERGRID', 'POWER GRID CORP. LTD.', 270, 14977, 532898],
  ['ONGC', 'OIL AND NATURAL GAS CORP.', 245, 2475, 500312],
  ['M&M', 'MAHINDRA & MAHINDRA', 3700, 2031, 500520],
  ['ADANIENT', 'ADANI ENTERPRISES', 2400, 25, 512599],
  ['ADANIPORTS', 'ADANI PORT & SEZ', 1450, 15083, 532921],
  ['BAJAJFINSV', 'BAJAJ FINSERV', 2000, 16675, 532978],
  ['NESTLEIND', 'NESTLE INDIA', 1250, 17963, 500790],
  ['JSWSTEEL', 'JSW STEEL', 1150, 11723, 500228],
  ['COALINDIA', 'COAL INDIA', 380, 20374, 533278],
  ['TECHM', 'TECH MAHINDRA', 1450, 13538, 532755],
  ['HINDALCO', 'HINDALCO INDUSTRIES', 850, 1363, 500440],
  ['GRASIM', 'GRASIM INDUSTRIES', 2750, 1232, 500300],
  ['DRREDDY', 'DR. REDDY S LABORATORIES', 1250, 881, 500124],
  ['CIPLA', 'CIPLA', 1500, 694, 500087],
  ['BPCL', 'BHARAT PETROLEUM CORP LT', 360, 526, 500547],
  ['EICHERMOT', 'EICHER MOTORS', 7000, 910, 505200],
  ['HEROMOTOCO', 'HERO MOTOCORP', 6000, 1348, 500182],
  ['BRITANNIA', 'BRITANNIA INDUSTRIES', 5900, 547, 500825],
  ['DIVISLAB', 'DIVI S LABORATORIES', 6500, 10940, 532488],
  ['APOLLOHOSP', 'APOLLO HOSPITALS ENTER. L', 7500, 157, 508869],
  ['INDUSINDBK', 'INDUSIND BANK', 850, 5258, 532187],
  ['SBILIFE', 'SBI LIFE INSURANCE CO', 2000, 21808, 540719],
  ['HDFCLIFE', 'HDFC LIFE INS CO', 770, 467, 540777],
  ['TATACONSUM', 'TATA CONSUMER PRODUCT', 1150, 3432, 500800],
  ['BAJAJ-AUTO', 'BAJAJ AUTO', 9000, 16669, 532977],
  ['SHREECEM', 'SHREE CEMENT', 27000, 3103, 500387],
  ['VEDL', 'VEDANTA', 500, 3063, 500295],
  ['DLF', 'DLF', 750, 14732, 532868],
  ['IOC', 'INDIAN OIL CORP', 165, 1624, 530965],
  ['GAIL', 'GAIL (INDIA)', 180, 4717, 532155],
  ['PIDILITIND', 'PIDILITE INDUSTRIES', 1500, 2664, 500331],
  ['HAVELLS', 'HAVELLS INDIA', 1450, 9819, 517354],
  ['DABUR', 'DABUR INDIA', 500, 772, 500096],
  ['BANKBARODA', 'BANK OF BARODA', 290, 4668, 532134],
  ['PNB', 'PUNJAB NATIONAL BANK', 120, 10666, 532461],
  ['IRCTC', 'INDIAN RAIL TOUR CORP', 700, 13611, 542830],
  ['BEL', 'BHARAT ELECTRONICS', 410, 383, 500049],
  ['HAL', 'HINDUSTAN AERONAUTICS', 4600, 2303, 541154],
  ['TRENT', 'TRENT', 4300, 1964, 500251],
];

const NSE_EQUITIES = 2_500;
const BSE_EQUITIES = 4_000;
/** Generated NSE companies also listed on BSE (every large cap is). */
const DUAL_LISTED = 1_900;
/** Generated NSE companies with F&O, on top of the large caps (NSE has ~180-220 F&O stocks). */
const GENERATED_FNO = 125;
const EQUITY_TICK = 0.05;

/** Ids already spoken for by indices, commodities and currencies: no company may take one. */
const RESERVED_IDS = ['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX', 'BANKEX', 'USDINR', 'EURINR', 'GBPINR', 'JPYINR'];

const NAME_HEADS = [
  'AARTI', 'ABHAY', 'ADITYA', 'AJANTA', 'AKASH', 'ALKA', 'AMAR', 'AMBER', 'ANAND', 'APEX', 'ARIHANT', 'ARVIND', 'ASHOKA',
  'ATLAS', 'AVANTI', 'BALAJI', 'BHAGWATI', 'BHARAT', 'CAMEO', 'CENTURY', 'CHAMBAL', 'COSMO', 'DECCAN', 'DEEPAK', 'DHAN',
  'DHRUV', 'DIAMOND', 'EMPIRE', 'EVEREST', 'GANESH', 'GARWARE', 'GAYATRI', 'GODAVARI', 'GOKUL', 'GUJARAT', 'HARSHA',
  'HIMALAYA', 'HINDUSTAN', 'JAGAN', 'JAI', 'JAYANT', 'KALYAN', 'KAVERI', 'KESAR', 'KIRAN', 'KOHINOOR', 'KRISHNA',
  'LAKSHMI', 'LOTUS', 'MADHAV', 'MAHA', 'MALWA', 'MANGAL', 'MEGHNA', 'MODERN', 'NARMADA', 'NATIONAL', 'NAVKAR',
  'NEELKANTH', 'ORIENT', 'PADMA', 'PARAS', 'PIONEER', 'PRABHAT', 'PREMIER', 'PUNJAB', 'RAJ', 'RAJSHREE', 'RAMA', 'RATNA',
  'ROYAL', 'SAGAR', 'SAHYADRI', 'SAMRAT', 'SANGAM', 'SARASWATI', 'SATYAM', 'SHAKTI', 'SHIVA', 'SHREE', 'SHRIRAM',
  'SIDDHI', 'SIGMA', 'SONA', 'SRINIVAS', 'STAR', 'SUMMIT', 'SUNRISE', 'SUPREME', 'SURYA', 'SWASTIK', 'TRIVENI', 'UDAY',
  'UNITED', 'UTKAL', 'VARDHMAN', 'VIJAY', 'VIKAS', 'VINAYAK', 'VISHAL', 'WESTERN', 'YASH', 'ZENITH',
];
const NAME_MIDDLES = [
  '', '', '', '', 'INDO', 'NEW', 'GREEN', 'PRIME', 'MEGA', 'TECHNO', 'SOUTH', 'NORTH', 'EAST', 'WEST', 'CENTRAL',
  'ASIAN', 'UNIVERSAL', 'SUPER', 'POLY', 'SRI', 'JYOTI', 'LAXMI', 'OM', 'SAI', 'SHUBH', 'GLOBAL', 'GOLDEN',
];
/** [word in the name, its short form in the symbol] */
const NAME_TAILS: readonly (readonly [string, string])[] = [
  ['TEXTILES', 'TEX'], ['POLYMERS', 'POLY'], ['PHARMA', 'PHAR'], ['CHEMICALS', 'CHEM'], ['STEEL', 'STL'], ['FINANCE', 'FIN'],
  ['INFRA', 'INFRA'], ['AGRO', 'AGRO'], ['FOODS', 'FOOD'], ['MOTORS', 'MOT'], ['CERAMICS', 'CER'], ['PAPER', 'PAP'],
  ['POWER', 'PWR'], ['CABLES', 'CAB'], ['SUGARS', 'SUG'], ['CEMENT', 'CEM'], ['FERTILIZERS', 'FERT'], ['ENGINEERING', 'ENG'],
  ['INDUSTRIES', 'IND'], ['SOFTWARE', 'SOFT'], ['TECHNOLOGIES', 'TECH'], ['HOTELS', 'HOTEL'], ['LOGISTICS', 'LOG'],
  ['PIPES', 'PIPE'], ['GLASS', 'GLAS'], ['AUTO COMP', 'AUTO'], ['BIOTECH', 'BIO'], ['CAPITAL', 'CAP'], ['ENTERPRISES', 'ENT'],
  ['EXPORTS', 'EXP'], ['FIBRES', 'FIBR'], ['FORGINGS', 'FORG'], ['GEARS', 'GEAR'], ['HOUSING FIN', 'HFL'], ['INSURANCE', 'INS'],
  ['JEWELLERS', 'JEWEL'], ['LABS', 'LAB'], ['LIFESCIENCES', 'LIFE'], ['METALS', 'MET'], ['MINERALS', 'MIN'], ['MILLS', 'MILL'],
  ['OILS', 'OIL'], ['PACKAGING', 'PACK'], ['PAINTS', 'PAINT'], ['PLASTICS', 'PLAST'], ['PROJECTS', 'PROJ'], ['REALTY', 'REAL'],
  ['RETAIL', 'RETL'], ['SEEDS', 'SEED'], ['SPINNING', 'SPIN'], ['TEA', 'TEA'], ['TELECOM', 'TEL'], ['TRADING', 'TRAD'],
  ['TYRES', 'TYRE'], ['VENTURES', 'VENT'], ['WIRES', 'WIRE'], ['ELECTRICALS', 'ELEC'], ['CONSTRUCTION', 'CONS'],
  ['SHIPPING', 'SHIP'], ['BANK', 'BANK'],
];

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

type DerivativeExchange = Extract<KiteExchange, 'NFO' | 'BFO' | 'MCX' | 'CDS' | 'BCD'>;
type Contract = { exchange: DerivativeExchange; name: string; lot: number; tick: number };

function addFuture(book: Book, contract: Contract, on: Expiry): void {
  const exchangeToken = book.nextToken(contract.exchange);
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
  const atm = Math.round(underlyingOf(book, contract.name).spot / step);
  for (let k = atm - halfWidth; k <= atm + halfWidth; k++) {
    if (k <= 0) continue;
    // k * step, not a running sum: 0.25 and 2.5 ladders stay exact.
    const strike = k * step;
    for (const type of ['CE', 'PE'] as const) {
      const exchangeToken = book.nextToken(contract.exchange);
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

type IndexDerivatives = {
  id: string;
  exchange: 'NFO' | 'BFO';
  step: number;
  lot: number;
  /** Weekday of its expiries: weeklies on it, monthlies on its last one in the month. */
  weekday: number;
  weeklies: number;
  /** Quarterly (Mar/Jun/Sep/Dec) and then half-yearly (Jun/Dec) expiries after the three monthlies. */
  quarterlies: number;
  halfYearlies: number;
};

const INDEX_DERIVATIVES: readonly IndexDerivatives[] = [
  { id: 'NIFTY', exchange: 'NFO', step: 50, lot: 75, weekday: TUESDAY, weeklies: 8, quarterlies: 3, halfYearlies: 4 },
  { id: 'BANKNIFTY', exchange: 'NFO', step: 100, lot: 35, weekday: TUESDAY, weeklies: 0, quarterlies: 0, halfYearlies: 0 },
  { id: 'FINNIFTY', exchange: 'NFO', step: 50, lot: 65, weekday: TUESDAY, weeklies: 0, quarterlies: 0, halfYearlies: 0 },
  { id: 'MIDCPNIFTY', exchange: 'NFO', step: 25, lot: 140, weekday: TUESDAY, weeklies: 0, quarterlies: 0, halfYearlies: 0 },
  { id: 'SENSEX', exchange: 'BFO', step: 100, lot: 20, weekday: THURSDAY, weeklies: 8, quarterlies: 0, halfYearlies: 0 },
  { id: 'BANKEX', exchange: 'BFO', step: 100, lot: 30, weekday: THURSDAY, weeklies: 0, quarterlies: 0, halfYearlies: 0 },
];

const MONTHLY_CONTRACTS = 3;

/** Wide chains near expiry, where the trading is; far contracts list fewer strikes. */
function indexHalfWidth(daysLeft: number): number {
  return daysLeft <= 35 ? 60 : daysLeft <= 100 ? 40 : 20;
}

function addIndexDerivatives(book: Book, today: number): void {
  for (const spec of INDEX_DERIVATIVES) {
    const lastOfMonth = (year: number, month: number) => lastWeekdayOfMonth(year, month, spec.weekday);
    const inMonths = (months: readonly number[]) => (year: number, month: number) =>
      months.includes(month) ? lastOfMonth(year, month) : undefined;
    const monthlies = monthlySeries(today, MONTHLY_CONTRACTS, lastOfMonth);
    const afterMonthlies = (monthlies.at(-1) ?? today) + 1;
    const quarterlies = monthlySeries(afterMonthlies, spec.quarterlies, inMonths([2, 5, 8, 11]));
    const halfYearlies = monthlySeries((quarterlies.at(-1) ?? afterMonthlies) + 1, spec.halfYearlies, inMonths([5, 11]));
    const days = [...new Set([...weeklySeries(today, spec.weekday, spec.weeklies), ...monthlies, ...quarterlies, ...halfYearlies])].sort((a, b) => a - b);

    const contract: Contract = { exchange: spec.exchange, name: spec.id, lot: spec.lot, tick: DERIVATIVE_TICK };
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

function addStockDerivatives(book: Book, today: number, stocks: readonly string[]): void {
  const expiries = monthlySeries(today, MONTHLY_CONTRACTS, (y, m) => lastWeekdayOfMonth(y, m, TUESDAY)).map((day) => expiry(day, true));
  for (const symbol of stocks) {
    const { spot } = underlyingOf(book, symbol);
    const contract: Contract = { exchange: 'NFO', name: symbol, lot: stockLot(spot), tick: DERIVATIVE_TICK };
    for (const on of expiries) addFuture(book, contract, on);
    expiries.forEach((on, i) => addOptionChain(book, contract, on, stockStrikeStep(spot), STOCK_HALF_WIDTHS[i] ?? 20));
  }
}

// ---------------------------------------------------------------------------
// MCX commodities

type Commodity = {
  id: string;
  close: number;
  tick: number;
  lot: number;
  /** Strike interval of its options. */
  step: number;
  vol: number;
  liquidity: number;
  /** Day of month its futures expire ('last': last business day), moved back off weekends. */
  day: number | 'last';
  /** Contract months (0 = January), when not every month. */
  months?: readonly number[];
  /** How many of its nearest futures have options (which expire two business days earlier). */
  optionSeries: number;
};

const COMMODITIES: readonly Commodity[] = [
  { id: 'CRUDEOIL', close: 5400, tick: 1, lot: 100, step: 50, vol: 0.35, liquidity: 0.9, day: 19, optionSeries: 3 },
  { id: 'NATURALGAS', close: 380, tick: 0.1, lot: 1250, step: 5, vol: 0.5, liquidity: 0.8, day: 26, optionSeries: 3 },
  { id: 'GOLD', close: 128_000, tick: 1, lot: 100, step: 500, vol: 0.2, liquidity: 0.7, day: 5, months: [1, 3, 5, 7, 9, 11], optionSeries: 2 },
  { id: 'GOLDM', close: 128_000, tick: 1, lot: 10, step: 500, vol: 0.2, liquidity: 0.6, day: 5, optionSeries: 2 },
  { id: 'SILVER', close: 165_000, tick: 1, lot: 30, step: 1000, vol: 0.3, liquidity: 0.7, day: 5, months: [2, 4, 6, 8, 11], optionSeries: 2 },
  { id: 'SILVERM', close: 165_000, tick: 1, lot: 5, step: 1000, vol: 0.3, liquidity: 0.6, day: 'last', months: [1, 3, 5, 7, 10], optionSeries: 2 },
  { id: 'COPPER', close: 1050, tick: 0.05, lot: 2500, step: 5, vol: 0.22, liquidity: 0.5, day: 'last', optionSeries: 2 },
  { id: 'ZINC', close: 300, tick: 0.05, lot: 5000, step: 2.5, vol: 0.24, liquidity: 0.4, day: 'last', optionSeries: 2 },
  { id: 'ALUMINIUM', close: 265, tick: 0.05, lot: 5000, step: 2.5, vol: 0.22, liquidity: 0.35, day: 'last', optionSeries: 0 },
  { id: 'LEAD', close: 182, tick: 0.05, lot: 5000, step: 1, vol: 0.2, liquidity: 0.3, day: 'last', optionSeries: 0 },
  { id: 'NICKEL', close: 1400, tick: 0.1, lot: 1500, step: 10, vol: 0.3, liquidity: 0.3, day: 'last', optionSeries: 0 },
];

const COMMODITY_FUTURES = 6;

function addCommodities(book: Book, random: () => number, today: number): void {
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
    const contract: Contract = { exchange: 'MCX', name: spec.id, lot: spec.lot, tick: spec.tick };
    for (const day of futures) addFuture(book, contract, expiry(day, true));
    futures.slice(0, spec.optionSeries).forEach((day, i) => {
      const optionDay = weekdaysBefore(day, 2);
      if (optionDay >= today) addOptionChain(book, contract, expiry(optionDay, true), spec.step, i === 0 ? 20 : 15);
    });
  }
}

// ---------------------------------------------------------------------------
// Currency pairs (NSE CDS, and a little of BSE's BCD)

type CurrencyPair = {
  id: string;
  close: number;
  step: number;
  vol: number;
  liquidity: number;
  futures: number;
  /** Friday weeklies (none in a monthly expiry's week), listed with options only. */
  weeklies: number;
  monthlyHalfWidth: number;
};

const CURRENCY_TICK = 0.0025;
const CURRENCY_PAIRS: readonly CurrencyPair[] = [
  { id: 'USDINR', close: 88.5, step: 0.25, vol: 0.05, liquidity: 0.9, futures: 12, weeklies: 8, monthlyHalfWidth: 40 },
  { id: 'EURINR', close: 103, step: 0.5, vol: 0.07, liquidity: 0.4, futures: 3, weeklies: 0, monthlyHalfWidth: 20 },
  { id: 'GBPINR', close: 117, step: 0.5, vol: 0.08, liquidity: 0.35, futures: 3, weeklies: 0, monthlyHalfWidth: 20 },
  { id: 'JPYINR', close: 57, step: 0.25, vol: 0.08, liquidity: 0.3, futures: 3, weeklies: 0, monthlyHalfWidth: 20 },
];

/** Currency futures expire two business days before the month's last business day. */
function currencyMonthly(year: number, month: number): number {
  return weekdaysBefore(onWeekday(firstOfMonth(year, month + 1) - 1), 2);
}

function addCurrencies(book: Book, random: () => number, today: number): void {
  for (const pair of CURRENCY_PAIRS) {
    book.addUnderlying({
      id: pair.id,
      spot: onTick(jitter(random, pair.close), CURRENCY_TICK),
      annualVol: pair.vol,
      spotToken: undefined,
      tickSize: CURRENCY_TICK,
      liquidity: pair.liquidity,
    });
    const contract: Contract = { exchange: 'CDS', name: pair.id, lot: 1, tick: CURRENCY_TICK };
    const monthlies = monthlySeries(today, pair.futures, currencyMonthly);
    for (const day of monthlies) addFuture(book, contract, expiry(day, true));
    const monthlyWeeks = new Set(monthlies.map(tradingWeek));
    for (const day of weeklySeries(today, FRIDAY, pair.weeklies)) {
      if (!monthlyWeeks.has(tradingWeek(day))) addOptionChain(book, contract, expiry(day, false), pair.step, 30);
    }
    for (const day of monthlies.slice(0, MONTHLY_CONTRACTS)) addOptionChain(book, contract, expiry(day, true), pair.step, pair.monthlyHalfWidth);
  }

  // BSE's currency segment: USDINR only, a thin copy of NSE's.
  const bcd: Contract = { exchange: 'BCD', name: 'USDINR', lot: 1, tick: CURRENCY_TICK };
  const monthlies = monthlySeries(today, MONTHLY_CONTRACTS, currencyMonthly).map((day) => expiry(day, true));
  for (const on of monthlies) addFuture(book, bcd, on);
  const [near] = monthlies;
  if (near) addOptionChain(book, bcd, near, 0.25, 10);
}
