import { THURSDAY, TUESDAY } from './expiry-calendar.ts';

/**
 * What the simulator's universe is made of: the famous names with the
 * tokens and prices Kite gives them (as far as we know them), the word
 * lists generated companies are named from, and each derivative family's
 * lot, strike step, expiry weekday and contract counts.
 */

export type IndexSpec = {
  symbol: string;
  exchangeToken: number;
  close: number;
  /** The `name` of its derivatives, when it has some. */
  id?: string;
  vol?: number;
  liquidity?: number;
};

export const NSE_INDICES: readonly IndexSpec[] = [
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
export const BSE_INDICES: readonly IndexSpec[] = [
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

/** [symbol, Kite's name, previous close, NSE exchange token, BSE scrip code] */
export const LARGE_CAPS: readonly (readonly [string, string, number, number, number])[] = [
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

export const NSE_EQUITIES = 2_500;
export const BSE_EQUITIES = 4_000;
/** Generated NSE companies also listed on BSE (every large cap is). */
export const DUAL_LISTED = 1_900;
/** Generated NSE companies with F&O, on top of the large caps (NSE has ~180-220 F&O stocks). */
export const GENERATED_FNO = 125;
export const EQUITY_TICK = 0.05;

/** Ids already spoken for by indices, commodities and currencies: no company may take one. */
export const RESERVED_IDS = ['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX', 'BANKEX', 'USDINR', 'EURINR', 'GBPINR', 'JPYINR'];

export const NAME_HEADS = [
  'AARTI',
  'ABHAY',
  'ADITYA',
  'AJANTA',
  'AKASH',
  'ALKA',
  'AMAR',
  'AMBER',
  'ANAND',
  'APEX',
  'ARIHANT',
  'ARVIND',
  'ASHOKA',
  'ATLAS',
  'AVANTI',
  'BALAJI',
  'BHAGWATI',
  'BHARAT',
  'CAMEO',
  'CENTURY',
  'CHAMBAL',
  'COSMO',
  'DECCAN',
  'DEEPAK',
  'DHAN',
  'DHRUV',
  'DIAMOND',
  'EMPIRE',
  'EVEREST',
  'GANESH',
  'GARWARE',
  'GAYATRI',
  'GODAVARI',
  'GOKUL',
  'GUJARAT',
  'HARSHA',
  'HIMALAYA',
  'HINDUSTAN',
  'JAGAN',
  'JAI',
  'JAYANT',
  'KALYAN',
  'KAVERI',
  'KESAR',
  'KIRAN',
  'KOHINOOR',
  'KRISHNA',
  'LAKSHMI',
  'LOTUS',
  'MADHAV',
  'MAHA',
  'MALWA',
  'MANGAL',
  'MEGHNA',
  'MODERN',
  'NARMADA',
  'NATIONAL',
  'NAVKAR',
  'NEELKANTH',
  'ORIENT',
  'PADMA',
  'PARAS',
  'PIONEER',
  'PRABHAT',
  'PREMIER',
  'PUNJAB',
  'RAJ',
  'RAJSHREE',
  'RAMA',
  'RATNA',
  'ROYAL',
  'SAGAR',
  'SAHYADRI',
  'SAMRAT',
  'SANGAM',
  'SARASWATI',
  'SATYAM',
  'SHAKTI',
  'SHIVA',
  'SHREE',
  'SHRIRAM',
  'SIDDHI',
  'SIGMA',
  'SONA',
  'SRINIVAS',
  'STAR',
  'SUMMIT',
  'SUNRISE',
  'SUPREME',
  'SURYA',
  'SWASTIK',
  'TRIVENI',
  'UDAY',
  'UNITED',
  'UTKAL',
  'VARDHMAN',
  'VIJAY',
  'VIKAS',
  'VINAYAK',
  'VISHAL',
  'WESTERN',
  'YASH',
  'ZENITH',
];
export const NAME_MIDDLES = [
  '',
  '',
  '',
  '',
  'INDO',
  'NEW',
  'GREEN',
  'PRIME',
  'MEGA',
  'TECHNO',
  'SOUTH',
  'NORTH',
  'EAST',
  'WEST',
  'CENTRAL',
  'ASIAN',
  'UNIVERSAL',
  'SUPER',
  'POLY',
  'SRI',
  'JYOTI',
  'LAXMI',
  'OM',
  'SAI',
  'SHUBH',
  'GLOBAL',
  'GOLDEN',
];
/** [word in the name, its short form in the symbol] */
export const NAME_TAILS: readonly (readonly [string, string])[] = [
  ['TEXTILES', 'TEX'],
  ['POLYMERS', 'POLY'],
  ['PHARMA', 'PHAR'],
  ['CHEMICALS', 'CHEM'],
  ['STEEL', 'STL'],
  ['FINANCE', 'FIN'],
  ['INFRA', 'INFRA'],
  ['AGRO', 'AGRO'],
  ['FOODS', 'FOOD'],
  ['MOTORS', 'MOT'],
  ['CERAMICS', 'CER'],
  ['PAPER', 'PAP'],
  ['POWER', 'PWR'],
  ['CABLES', 'CAB'],
  ['SUGARS', 'SUG'],
  ['CEMENT', 'CEM'],
  ['FERTILIZERS', 'FERT'],
  ['ENGINEERING', 'ENG'],
  ['INDUSTRIES', 'IND'],
  ['SOFTWARE', 'SOFT'],
  ['TECHNOLOGIES', 'TECH'],
  ['HOTELS', 'HOTEL'],
  ['LOGISTICS', 'LOG'],
  ['PIPES', 'PIPE'],
  ['GLASS', 'GLAS'],
  ['AUTO COMP', 'AUTO'],
  ['BIOTECH', 'BIO'],
  ['CAPITAL', 'CAP'],
  ['ENTERPRISES', 'ENT'],
  ['EXPORTS', 'EXP'],
  ['FIBRES', 'FIBR'],
  ['FORGINGS', 'FORG'],
  ['GEARS', 'GEAR'],
  ['HOUSING FIN', 'HFL'],
  ['INSURANCE', 'INS'],
  ['JEWELLERS', 'JEWEL'],
  ['LABS', 'LAB'],
  ['LIFESCIENCES', 'LIFE'],
  ['METALS', 'MET'],
  ['MINERALS', 'MIN'],
  ['MILLS', 'MILL'],
  ['OILS', 'OIL'],
  ['PACKAGING', 'PACK'],
  ['PAINTS', 'PAINT'],
  ['PLASTICS', 'PLAST'],
  ['PROJECTS', 'PROJ'],
  ['REALTY', 'REAL'],
  ['RETAIL', 'RETL'],
  ['SEEDS', 'SEED'],
  ['SPINNING', 'SPIN'],
  ['TEA', 'TEA'],
  ['TELECOM', 'TEL'],
  ['TRADING', 'TRAD'],
  ['TYRES', 'TYRE'],
  ['VENTURES', 'VENT'],
  ['WIRES', 'WIRE'],
  ['ELECTRICALS', 'ELEC'],
  ['CONSTRUCTION', 'CONS'],
  ['SHIPPING', 'SHIP'],
  ['BANK', 'BANK'],
];

export type IndexDerivatives = {
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

export const INDEX_DERIVATIVES: readonly IndexDerivatives[] = [
  { id: 'NIFTY', exchange: 'NFO', step: 50, lot: 75, weekday: TUESDAY, weeklies: 8, quarterlies: 3, halfYearlies: 4 },
  { id: 'BANKNIFTY', exchange: 'NFO', step: 100, lot: 35, weekday: TUESDAY, weeklies: 0, quarterlies: 0, halfYearlies: 0 },
  { id: 'FINNIFTY', exchange: 'NFO', step: 50, lot: 65, weekday: TUESDAY, weeklies: 0, quarterlies: 0, halfYearlies: 0 },
  { id: 'MIDCPNIFTY', exchange: 'NFO', step: 25, lot: 140, weekday: TUESDAY, weeklies: 0, quarterlies: 0, halfYearlies: 0 },
  { id: 'SENSEX', exchange: 'BFO', step: 100, lot: 20, weekday: THURSDAY, weeklies: 8, quarterlies: 0, halfYearlies: 0 },
  { id: 'BANKEX', exchange: 'BFO', step: 100, lot: 30, weekday: THURSDAY, weeklies: 0, quarterlies: 0, halfYearlies: 0 },
];

export type Commodity = {
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

export const COMMODITIES: readonly Commodity[] = [
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

export type CurrencyPair = {
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

export const CURRENCY_TICK = 0.0025;
export const CURRENCY_PAIRS: readonly CurrencyPair[] = [
  { id: 'USDINR', close: 88.5, step: 0.25, vol: 0.05, liquidity: 0.9, futures: 12, weeklies: 8, monthlyHalfWidth: 40 },
  { id: 'EURINR', close: 103, step: 0.5, vol: 0.07, liquidity: 0.4, futures: 3, weeklies: 0, monthlyHalfWidth: 20 },
  { id: 'GBPINR', close: 117, step: 0.5, vol: 0.08, liquidity: 0.35, futures: 3, weeklies: 0, monthlyHalfWidth: 20 },
  { id: 'JPYINR', close: 57, step: 0.25, vol: 0.08, liquidity: 0.3, futures: 3, weeklies: 0, monthlyHalfWidth: 20 },
];
