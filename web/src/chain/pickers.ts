/**
 * What the chain page's pickers offer. Underlyings: the names the registry
 * lists expiries for on the option exchanges (`expiries_per_underlying` of
 * GET /instruments/stats, keyed `EXCHANGE:NAME`), indices first as a trader
 * looks for them, then stocks alphabetically. Expiries: those of
 * GET /instruments/expiries whose options still trade, an expiry closing at
 * 15:30 IST on its day (docs/fno.md#time-to-expiry-t).
 */
export type Underlying = { name: string; exchange: string };

const FIRST = ['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'NIFTYNXT50', 'SENSEX', 'BANKEX'];
const OPTION_EXCHANGES = new Set(['NFO', 'BFO']);
/** 15:30 IST is 10:00 UTC. */
const EXPIRY_CLOSE_UTC = 'T10:00:00Z';

export function underlyingsOf(expiriesPerUnderlying: Record<string, number>): Underlying[] {
  const listed: Underlying[] = [];
  for (const entry of Object.keys(expiriesPerUnderlying)) {
    // Only the first colon separates: a name keeps any of its own.
    const at = entry.indexOf(':');
    const exchange = entry.slice(0, at);
    const name = entry.slice(at + 1);
    if (at > 0 && name !== '' && OPTION_EXCHANGES.has(exchange)) listed.push({ exchange, name });
  }
  const rank = (u: Underlying) => {
    const at = FIRST.indexOf(u.name);
    return at === -1 ? FIRST.length : at;
  };
  return listed.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.exchange.localeCompare(b.exchange));
}

/** The expiries (YYYY-MM-DD, as listed) whose 15:30 IST close is still ahead of `now`. */
export function comingExpiries(listed: readonly string[], now: number): string[] {
  return listed.filter((day) => Date.parse(`${day}${EXPIRY_CLOSE_UTC}`) > now);
}
