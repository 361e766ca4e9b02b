import type { SearchQuery } from '../../contracts/instruments-api.ts';
import { ROW_COLUMNS, type Sql } from './filter.ts';

/**
 * Ranked, typo-tolerant search: an exact symbol first, then symbols that
 * start with the query, then trigram similarity on symbol and name; within
 * a tier indices, then cash, then futures, then options (what people
 * usually mean by "nifty" or "reliance"). The query is only ever a
 * parameter; LIKE's wildcards in it are escaped, so `%` means a percent sign.
 * Every condition in WHERE can use the trigram indexes (ILIKE, %), which is
 * what keeps an uncached search off a sequential scan.
 */
export function searchQuery(query: SearchQuery): Sql {
  const prefix = `${query.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const values: unknown[] = [query.q.toUpperCase(), query.limit, query.exchange ?? null, query.segment ?? null, prefix];
  const text = `
    SELECT ${ROW_COLUMNS} FROM (
      SELECT *,
        CASE WHEN upper(tradingsymbol) = $1 THEN 0 WHEN tradingsymbol ILIKE $5 THEN 1 ELSE 2 END AS tier,
        greatest(similarity(tradingsymbol, $1), similarity(name, $1)) AS score
      FROM instruments
      WHERE is_active
        AND ($3::text[] IS NULL OR exchange = ANY($3::text[]))
        AND ($4::text[] IS NULL OR segment = ANY($4::text[]))
        AND (tradingsymbol % $1 OR name % $1 OR tradingsymbol ILIKE $5)
    ) AS matches
    ORDER BY tier,
      CASE WHEN segment = 'INDICES' THEN 0 WHEN instrument_type = 'EQ' THEN 1 WHEN instrument_type = 'FUT' THEN 2 ELSE 3 END,
      score DESC, length(tradingsymbol), tradingsymbol
    LIMIT $2`;
  return { text, values };
}
