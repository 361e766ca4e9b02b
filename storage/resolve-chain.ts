import type { ChainDefinition } from '../contracts/fno-chain.ts';
import { type GroupedInstrument, type GroupKey, instrumentGroup } from '../contracts/instrument-group.ts';
import type { Database } from './database.ts';
import { resolveInstruments } from './resolve-instruments.ts';

/**
 * One option chain's definition from the ACTIVE registry (docs/fno.md): the
 * options of an underlying (Kite's `name`) expiring on a day, the future of
 * that expiry if one is listed, the group all of them stream through
 * (`fno:NFO:NIFTY`), and the underlying's spot instrument.
 *
 * The spot: an index's derivatives are named otherwise than the index
 * (NIFTY's options, the index `NSE:NIFTY 50`), so the indices with
 * derivatives are listed here, as Kite names them; any other underlying is
 * a stock, whose derivatives take its trading symbol on the cash exchange
 * (NFO → NSE, BFO → BSE). No spot found: the chain goes on without one (the
 * future or put-call parity give the forward).
 */
export const INDEX_SPOTS: Readonly<Record<string, string>> = {
  NIFTY: 'NIFTY 50',
  BANKNIFTY: 'NIFTY BANK',
  FINNIFTY: 'NIFTY FIN SERVICE',
  MIDCPNIFTY: 'NIFTY MID SELECT',
  NIFTYNXT50: 'NIFTY NEXT 50',
  SENSEX: 'SENSEX',
  BANKEX: 'BANKEX',
  SENSEX50: 'SENSEX50',
};

const CASH_EXCHANGE: Readonly<Record<string, string>> = { NFO: 'NSE', BFO: 'BSE' };

export type ResolvedChain =
  | { found: true; group: GroupKey; definition: ChainDefinition }
  /** No option of `name` expires on that day: the expiries that are listed (none: the name has no options). */
  | { found: false; expiries: string[] };

type ContractRow = GroupedInstrument & { tradingsymbol: string; strike: number; tick_size: number };

export async function resolveChain(db: Database, name: string, expiry: string, rate: number): Promise<ResolvedChain> {
  const { rows } = await db.query<ContractRow>(
    `SELECT instrument_token::float8 AS instrument_token, tradingsymbol, name, strike::float8 AS strike, instrument_type,
            segment, exchange, tick_size::float8 AS tick_size
     FROM instruments
     WHERE is_active AND name = $1 AND expiry = $2::date AND instrument_type IN ('FUT', 'CE', 'PE')
     ORDER BY strike, instrument_type`,
    [name, expiry],
  );
  const options = rows.filter((row) => row.instrument_type === 'CE' || row.instrument_type === 'PE');
  const first = options[0];
  if (!first) return { found: false, expiries: await listedExpiries(db, name) };
  const future = rows.find((row) => row.instrument_type === 'FUT');
  const spot = await resolveSpot(db, name, first.exchange);
  return {
    found: true,
    group: instrumentGroup(first),
    definition: {
      name,
      expiry,
      rate,
      // Currency options are quoted in 0.0025s: four decimals; everything else in paisa.
      price_decimals: options.some((row) => row.tick_size > 0 && row.tick_size < 0.01) ? 4 : 2,
      options: options.map((row) => ({
        instrument_token: row.instrument_token,
        tradingsymbol: row.tradingsymbol,
        strike: row.strike,
        type: row.instrument_type as 'CE' | 'PE',
      })),
      future: future ? { instrument_token: future.instrument_token, tradingsymbol: future.tradingsymbol } : null,
      spot,
    },
  };
}

/** The expiries with options of `name`, nearest first. */
export async function listedExpiries(db: Database, name: string): Promise<string[]> {
  const { rows } = await db.query<{ expiry: string }>(
    `SELECT DISTINCT expiry::text AS expiry FROM instruments
     WHERE is_active AND name = $1 AND instrument_type IN ('CE', 'PE') AND expiry IS NOT NULL ORDER BY 1`,
    [name],
  );
  return rows.map((row) => row.expiry);
}

async function resolveSpot(db: Database, name: string, exchange: string): Promise<ChainDefinition['spot']> {
  const cash = CASH_EXCHANGE[exchange];
  if (!cash) return null;
  const ref = `${cash}:${INDEX_SPOTS[name] ?? name}`;
  const spot = (await resolveInstruments(db, [ref])).resolved.get(ref);
  return spot ? { instrument_token: spot.instrument_token, tradingsymbol: spot.tradingsymbol, group: spot.group } : null;
}
