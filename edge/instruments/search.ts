import type { SearchQuery } from '../../contracts/instruments-api.ts';
import { ROW_COLUMNS } from '../../storage/instrument-row-columns.ts';
import type { Sql } from './filter.ts';

/**
 * Ranked, typo-tolerant search in two phases: symbols equal to or starting
 * with the query (exact first; then indices, cash, futures, options; NSE
 * before BSE; nearest expiry, then shortest), and only when those do not fill the page, trigram similarity
 * on symbol and name for the typos (`relaince` finds RELIANCE). Fuzzy
 * matching is what costs: "NIFTY2" is similar to the name of every one of
 * NIFTY's 40,000 contracts, so it runs only when prefixes fall short (a
 * one-time filter in the plan).
 *
 * The query is only ever a parameter; LIKE's wildcards in it are escaped, so
 * `%` means a percent sign. Both phases can use the trigram indexes.
 */
const CATEGORY = "CASE WHEN segment = 'INDICES' THEN 0 WHEN instrument_type = 'EQ' THEN 1 WHEN instrument_type = 'FUT' THEN 2 ELSE 3 END";
/** NSE's listings (and NFO's contracts) trade most: ahead of BSE's for the same symbol. */
const NSE_FIRST = "(exchange NOT IN ('NSE', 'NFO'))";

export function searchQuery(query: SearchQuery): Sql {
  const prefix = `${query.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const values: unknown[] = [query.q.toUpperCase(), query.limit, query.exchange ?? null, query.segment ?? null, prefix];
  const scope = `is_active
        AND ($3::text[] IS NULL OR exchange = ANY($3::text[]))
        AND ($4::text[] IS NULL OR segment = ANY($4::text[]))`;
  const text = `
    WITH prefixed AS (
      SELECT *, CASE WHEN upper(tradingsymbol) = $1 THEN 0 ELSE 1 END AS tier, ${CATEGORY} AS category, 1::real AS score
      FROM instruments
      WHERE ${scope} AND tradingsymbol ILIKE $5
      ORDER BY tier, category, ${NSE_FIRST}, expiry NULLS FIRST, length(tradingsymbol), tradingsymbol
      LIMIT $2
    ), fuzzy AS (
      SELECT *, 2 AS tier, ${CATEGORY} AS category, greatest(similarity(tradingsymbol, $1), similarity(name, $1)) AS score
      FROM instruments
      WHERE (SELECT count(*) FROM prefixed) < $2
        AND ${scope} AND (tradingsymbol % $1 OR name % $1) AND NOT tradingsymbol ILIKE $5
      ORDER BY score DESC, category, ${NSE_FIRST}, expiry NULLS FIRST, length(tradingsymbol), tradingsymbol
      LIMIT $2
    )
    SELECT ${ROW_COLUMNS} FROM (SELECT * FROM prefixed UNION ALL SELECT * FROM fuzzy) AS matches
    ORDER BY tier, CASE WHEN tier = 2 THEN -score ELSE category END, category, ${NSE_FIRST}, expiry NULLS FIRST, length(tradingsymbol), tradingsymbol
    LIMIT $2`;
  return { text, values };
}
