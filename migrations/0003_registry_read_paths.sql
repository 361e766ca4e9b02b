-- Up Migration
-- What makes the instruments API's uncached answers cheap.

-- The list endpoint's exact `total` counts every row its filter matches. One
-- index holding every filter column lets any filter count from the index
-- alone (an index-only scan, with Postgres 18's skip scan when the leading
-- columns are not filtered) instead of reading the wide table; the sync
-- vacuums after each load so the visibility map allows it.
CREATE INDEX instruments_list_filters ON instruments (exchange, instrument_type, is_active, segment, name, expiry, strike);
-- Pages in the default order (symbol, byte-wise, token as tie-break) walk
-- this index and stop after offset + limit rows instead of sorting them all.
CREATE INDEX instruments_list_by_symbol ON instruments ((tradingsymbol COLLATE "C"), instrument_token);

-- The registry's statistics change only when a sync does: each sync stores
-- them with its dataset version (in its transaction), so `/instruments/stats`
-- reads one row instead of aggregating 100,000, and every version keeps the
-- figures it had.
ALTER TABLE dataset_versions ADD COLUMN stats jsonb;

CREATE FUNCTION registry_stats() RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH counts AS (
    SELECT exchange, segment, instrument_type,
           count(*) FILTER (WHERE is_active) AS active, count(*) FILTER (WHERE NOT is_active) AS inactive
    FROM instruments GROUP BY 1, 2, 3
  )
  SELECT jsonb_build_object(
    'total', (SELECT COALESCE(sum(active + inactive), 0) FROM counts),
    'active', (SELECT COALESCE(sum(active), 0) FROM counts),
    'inactive', (SELECT COALESCE(sum(inactive), 0) FROM counts),
    'by_exchange', (SELECT COALESCE(jsonb_object_agg(k, jsonb_build_object('active', a, 'inactive', i)), '{}')
                    FROM (SELECT exchange AS k, sum(active) AS a, sum(inactive) AS i FROM counts GROUP BY 1) x),
    'by_segment', (SELECT COALESCE(jsonb_object_agg(k, jsonb_build_object('active', a, 'inactive', i)), '{}')
                   FROM (SELECT segment AS k, sum(active) AS a, sum(inactive) AS i FROM counts GROUP BY 1) x),
    'by_instrument_type', (SELECT COALESCE(jsonb_object_agg(k, jsonb_build_object('active', a, 'inactive', i)), '{}')
                           FROM (SELECT instrument_type AS k, sum(active) AS a, sum(inactive) AS i FROM counts GROUP BY 1) x),
    'expiries_per_underlying', (SELECT COALESCE(jsonb_object_agg(exchange || ':' || name, n), '{}')
                                FROM (SELECT exchange, name, count(DISTINCT expiry) AS n FROM instruments
                                      WHERE is_active AND expiry IS NOT NULL GROUP BY 1, 2) e)
  )
$$;

UPDATE dataset_versions SET stats = registry_stats() WHERE id = (SELECT max(id) FROM dataset_versions);

-- Down Migration
ALTER TABLE dataset_versions DROP COLUMN stats;
DROP FUNCTION registry_stats();
DROP INDEX instruments_list_by_symbol;
DROP INDEX instruments_list_filters;
