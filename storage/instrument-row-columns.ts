/**
 * The columns of an `instruments` row as the API answers it
 * (contracts/instruments-api.ts's InstrumentRow): numerics as float8 so
 * they arrive as JSON numbers, the expiry as its date text. Read by the
 * instruments API (edge/instruments/) and by the watchlists
 * (storage/watchlists.ts), so an instrument reads the same wherever it is
 * listed.
 */
export const ROW_COLUMNS = `instrument_token::float8 AS instrument_token, exchange_token, tradingsymbol, name,
  last_price::float8 AS last_price, expiry::text AS expiry, strike::float8 AS strike, tick_size::float8 AS tick_size,
  lot_size, instrument_type, segment, exchange, is_active`;
