/**
 * Numbers as Indian traders read them (lakh and crore grouping: 1,23,45,678).
 * The formatters are made once: `toLocaleString` with options builds a new
 * Intl.NumberFormat on every call, which a 100-row watchlist ticking every
 * second pays hundreds of times a second.
 */
const PRICE = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const COUNT = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 2 });
const PERCENT = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'always' });

/** A price with two decimals: 24,310.55. */
export const formatPrice = (price: number): string => PRICE.format(price);
/** A volume, an open interest or a bound: 64,78,425. */
export const formatCount = (count: number): string => COUNT.format(count);
/** A change in percent, signed: +0.52%. */
export const formatPercent = (percent: number): string => `${PERCENT.format(percent)}%`;
