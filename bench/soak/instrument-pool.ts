import pg from 'pg';
import { instrumentGroup } from '../../contracts/instrument-group.ts';
import type { KiteInstrument } from '../../contracts/kite-instrument.ts';

/**
 * The instruments the soak's sessions watch, read from the platform's
 * registry once the origin has synced it: NSE's indices (NIFTY 50 and
 * NIFTY BANK are pinned, and the alerts watch NIFTY 50), NSE and BSE
 * stocks over every cash shard, NIFTY options and MCX futures: several
 * group objects of each kind, so a group's restart reaches some sessions
 * and not others. Few enough (about 400) that Kite carries them all on one
 * connection's worth, so the soak loads the fan-out, not the simulator.
 */
export type PoolInstrument = { token: number; symbol: string; group: string };

export const ALERT_INSTRUMENT = 'NSE:NIFTY 50';

const QUERY = `
  (SELECT * FROM instruments WHERE is_active AND segment = 'INDICES' AND exchange = 'NSE'
     ORDER BY tradingsymbol IN ('NIFTY 50', 'NIFTY BANK') DESC, instrument_token LIMIT 8)
  UNION ALL
  (SELECT * FROM instruments WHERE is_active AND segment = 'NSE' AND instrument_type = 'EQ' ORDER BY instrument_token LIMIT 300)
  UNION ALL
  (SELECT * FROM instruments WHERE is_active AND segment = 'BSE' AND instrument_type = 'EQ' ORDER BY instrument_token LIMIT 40)
  UNION ALL
  (SELECT * FROM instruments WHERE is_active AND segment = 'NFO-OPT' AND name = 'NIFTY' ORDER BY expiry, instrument_token LIMIT 40)
  UNION ALL
  (SELECT * FROM instruments WHERE is_active AND segment = 'MCX-FUT' ORDER BY expiry, instrument_token LIMIT 12)`;

/** bigint comes back as text. */
type Row = Pick<KiteInstrument, 'exchange' | 'tradingsymbol' | 'name' | 'segment' | 'instrument_type'> & { instrument_token: string };

export async function instrumentPool(databaseUrl: string): Promise<PoolInstrument[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<Row>(QUERY);
    return rows.map((row) => {
      const token = Number(row.instrument_token);
      return {
        token,
        symbol: `${row.exchange}:${row.tradingsymbol}`,
        group: instrumentGroup({ instrument_token: token, name: row.name, segment: row.segment, exchange: row.exchange, instrument_type: row.instrument_type }),
      };
    });
  } finally {
    await client.end();
  }
}
