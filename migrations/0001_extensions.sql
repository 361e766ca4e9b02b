-- Up Migration
-- Trigram indexes power the typo-tolerant instrument search (GET /instruments/search).
-- Neon and the embedded PostgreSQL both ship pg_trgm.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Down Migration
DROP EXTENSION IF EXISTS pg_trgm;
