-- Up Migration
-- The instrument registry: every instrument Kite has listed, its dump's columns
-- typed, kept after it leaves the dump (is_active = false) so history resolves.

-- One row per sync that changed the registry's contents. Readers key caches on
-- the newest id: a sync bumps it in the same transaction as the rows it wrote.
CREATE TABLE dataset_versions (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source       text        NOT NULL,
  synced_at    timestamptz NOT NULL DEFAULT now(),
  rows_in_dump integer     NOT NULL,
  inserted     integer     NOT NULL DEFAULT 0,
  updated      integer     NOT NULL DEFAULT 0,
  deactivated  integer     NOT NULL DEFAULT 0,
  reactivated  integer     NOT NULL DEFAULT 0,
  duration_ms  integer
);

CREATE TABLE instruments (
  instrument_token   bigint        PRIMARY KEY,
  exchange_token     integer       NOT NULL,
  tradingsymbol      text          NOT NULL,
  name               text          NOT NULL DEFAULT '',
  last_price         numeric(14,4) NOT NULL DEFAULT 0,
  expiry             date,
  strike             numeric(14,4) NOT NULL DEFAULT 0,
  tick_size          numeric(10,4) NOT NULL,
  lot_size           integer       NOT NULL,
  instrument_type    text          NOT NULL,
  segment            text          NOT NULL,
  exchange           text          NOT NULL,
  is_active          boolean       NOT NULL DEFAULT true,
  first_seen_version bigint        NOT NULL REFERENCES dataset_versions (id),
  last_seen_version  bigint        NOT NULL REFERENCES dataset_versions (id),
  first_seen_at      timestamptz   NOT NULL DEFAULT now(),
  last_seen_at       timestamptz   NOT NULL DEFAULT now(),
  CHECK (instrument_type IN ('EQ', 'FUT', 'CE', 'PE')),
  CHECK (lot_size >= 0 AND tick_size >= 0 AND strike >= 0)
);

-- Lookups and filters of the instruments API.
CREATE INDEX instruments_symbol ON instruments (exchange, tradingsymbol);
CREATE INDEX instruments_segment ON instruments (segment, is_active);
CREATE INDEX instruments_type ON instruments (instrument_type, is_active);
CREATE INDEX instruments_chain ON instruments (name, expiry, strike) WHERE is_active;
CREATE INDEX instruments_expiry ON instruments (expiry) WHERE expiry IS NOT NULL;
CREATE INDEX instruments_inactive ON instruments (last_seen_version) WHERE NOT is_active;
-- Typo-tolerant search (pg_trgm from 0001).
CREATE INDEX instruments_symbol_trgm ON instruments USING gin (tradingsymbol gin_trgm_ops);
CREATE INDEX instruments_name_trgm ON instruments USING gin (name gin_trgm_ops);

-- Down Migration
DROP TABLE instruments;
DROP TABLE dataset_versions;
