-- Up Migration
-- The origin's Kite sessions: one row per Kite Connect app (api_key), written
-- by the daily login (GET /login on the origin) and read at start, so a
-- restart keeps streaming until the token dies (06:00 IST). The access token
-- is stored only as AES-256-GCM ciphertext (origin-ticker/kite/token-cipher.ts):
-- one blob of version byte, key fingerprint, IV, ciphertext and tag, sealed
-- with KITE_TOKEN_KEY and bound to this row's api_key. Never the plain token.
CREATE TABLE kite_sessions (
  api_key          text        PRIMARY KEY,
  user_id          text        NOT NULL,
  access_token_enc bytea       NOT NULL,
  login_at         timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- version (1) + key fingerprint (4) + IV (12) + at least one byte + tag (16)
  CHECK (octet_length(access_token_enc) >= 34),
  CHECK (expires_at > login_at)
);

-- Down Migration
DROP TABLE kite_sessions;
