-- Up Migration
-- Users, their sessions and API keys, and the failed-login counters behind
-- the lock-out (edge/auth/, docs/auth.md). No secret is stored in the clear:
-- passwords as PBKDF2 strings carrying their own parameters, refresh tokens
-- and API key secrets as SHA-256 digests (hex) of 256-bit random values.

CREATE TABLE users (
  id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  email               text        NOT NULL,
  -- pbkdf2-sha256$<iterations>$<salt, base64url>$<hash, base64url>
  password_hash       text        NOT NULL,
  role                text        NOT NULL DEFAULT 'user',
  -- Bumped by logout and password change: access tokens carry the value they
  -- were issued under, and one with an older value is refused.
  session_epoch       integer     NOT NULL DEFAULT 0,
  created_at          timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  CHECK (role IN ('user', 'admin')),
  -- Addresses are stored as the edge normalises them, so one index finds them.
  CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254)
);
CREATE UNIQUE INDEX users_email ON users (email);

-- Rotating refresh tokens: each use marks the row rotated and adds its
-- successor in the same family; presenting a rotated or revoked token again
-- revokes the whole family (the token was stolen, or the client is broken).
CREATE TABLE refresh_tokens (
  token_hash  text        PRIMARY KEY,
  user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id   uuid        NOT NULL,
  issued_at   timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  rotated_at  timestamptz,
  revoked_at  timestamptz,
  CHECK (expires_at > issued_at)
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- API keys for programs: the id is public (Kite's `api_key`), the secret is
-- shown once and stored as its digest (Kite's `access_token`).
CREATE TABLE api_keys (
  id           text        PRIMARY KEY,
  user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text        NOT NULL,
  scopes       text[]      NOT NULL,
  secret_hash  text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz,
  CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'alerts', 'admin']),
  CHECK (length(name) BETWEEN 1 AND 100)
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);

-- Failed logins per target ('email:<address>' or 'ip:<address>'), counted
-- in a window; past a threshold the target is locked until locked_until.
-- Targets are strings, registered or not, so a lock says nothing about
-- whether an address has an account.
CREATE TABLE login_failures (
  target          text        PRIMARY KEY,
  failures        integer     NOT NULL,
  first_failed_at timestamptz NOT NULL,
  locked_until    timestamptz
);
CREATE INDEX login_failures_age ON login_failures (first_failed_at);

-- Down Migration
DROP TABLE login_failures;
DROP TABLE api_keys;
DROP TABLE refresh_tokens;
DROP TABLE users;
