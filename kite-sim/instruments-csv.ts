import { INSTRUMENT_COLUMNS, type KiteExchange, type KiteInstrument } from '../contracts/kite-instrument.ts';
import type { Universe } from './universe-types.ts';

/**
 * Kite's instrument dump as the simulator serves it (GET /instruments and
 * /instruments/:exchange), in exactly Kite's CSV dialect, so that clients
 * parsing the real file (kiteconnect: papaparse with a header row, then
 * parseFloat/parseInt on the number columns) parse ours the same way.
 *
 * The dialect: the header row, one line per instrument, '\n' after every
 * line including the last; numbers printed plainly (0, 24000, 84.25,
 * 0.0025); an empty expiry is an empty field. `name` is always in double
 * quotes, as Kite writes it ("INFOSYS", "NIFTY 50"); any other field is
 * quoted only when it holds a comma, a quote or a line break.
 */
export function instrumentsCsv(instruments: readonly KiteInstrument[]): string {
  const lines = new Array<string>(instruments.length + 1);
  lines[0] = INSTRUMENT_COLUMNS.join(',');
  for (let i = 0; i < instruments.length; i++) {
    const row = instruments[i];
    if (row === undefined) continue;
    lines[i + 1] =
      `${row.instrument_token},${row.exchange_token},${field(row.tradingsymbol)},${quoted(row.name)},${row.last_price},` +
      `${field(row.expiry)},${row.strike},${row.tick_size},${row.lot_size},${row.instrument_type},${row.segment},${row.exchange}`;
  }
  return `${lines.join('\n')}\n`;
}

/** The rows Kite lists under /instruments/:exchange (for NSE and BSE, their indices too). */
export function instrumentsForExchange(universe: Universe, exchange: KiteExchange): KiteInstrument[] {
  return universe.instruments.filter((instrument) => instrument.exchange === exchange);
}

const NEEDS_QUOTES = /[",\r\n]/;

function field(text: string): string {
  return NEEDS_QUOTES.test(text) ? quoted(text) : text;
}

function quoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}
