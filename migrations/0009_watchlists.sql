-- Up Migration
-- Watchlists (contracts/watchlists.ts, docs/watchlists.md): a user's named,
-- ordered lists of instruments. The order is the list itself, an array of
-- instrument tokens, so an append, a removal or a whole reorder is one
-- UPDATE of one row, atomic without a transaction (the edge speaks to Neon
-- one statement per round trip). Tokens are not foreign keys: the edge adds
-- only tokens the registry lists as active, and the registry never deletes
-- a row (an expired instrument is kept with is_active = false), so a listed
-- token always finds its row. Each token appears once (the edge sees to it);
-- the limits (WATCHLISTS_PER_USER, WATCHLIST_INSTRUMENTS) are worker
-- settings, checked in the statements that write.
CREATE TABLE watchlists (
  id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- As the user gave it, trimmed.
  name              text        NOT NULL,
  instrument_tokens bigint[]    NOT NULL DEFAULT '{}',
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK (char_length(name) BETWEEN 1 AND 40 AND name = btrim(name)),
  CHECK (array_position(instrument_tokens, NULL) IS NULL),
  CHECK (cardinality(instrument_tokens) <= 10000)
);
-- Names are unique per user without regard to case ("NIFTY" and "Nifty" are one list).
CREATE UNIQUE INDEX watchlists_user_name ON watchlists (user_id, lower(name));
-- A user's lists in the order they were made, and the per-user limit's count.
CREATE INDEX watchlists_user ON watchlists (user_id, created_at, id);

-- Down Migration
DROP TABLE watchlists;
