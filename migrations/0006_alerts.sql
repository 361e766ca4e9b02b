-- Up Migration
-- Price alerts (contracts/alerts.ts, docs/alerts.md). Postgres is the source
-- of truth for definitions and the trigger log; each instrument group's
-- Durable Object holds its group's live alerts and evaluates them on every
-- tick, and records each trigger here exactly once by its idempotency key.

CREATE TABLE alerts (
  id               uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id          uuid             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  instrument_token bigint           NOT NULL REFERENCES instruments (instrument_token),
  -- The registry's names at creation, for lists and frames without a join.
  exchange         text             NOT NULL,
  tradingsymbol    text             NOT NULL,
  -- The InstrumentGroup Durable Object that evaluates it (contracts/instrument-group.ts);
  -- a restarted object reconciles with the rows of its key.
  group_key        text             NOT NULL,
  -- AlertCondition: {"type": "crosses_up", "price": 24500}, validated by the edge.
  condition        jsonb            NOT NULL,
  -- Null: one-shot. Otherwise recurring, armed again this many seconds after each fire.
  cooldown_s       integer,
  expires_at       timestamptz,
  note             text,
  notify_sessions  boolean          NOT NULL DEFAULT true,
  webhook_url      text,
  state            text             NOT NULL DEFAULT 'active',
  -- Fires recorded in alert_triggers (the API's trigger_count); the next
  -- trigger's idempotency key is '<id>:<generation>'. Only the recording of a
  -- trigger raises it, in the same transaction as the insert.
  generation       bigint           NOT NULL DEFAULT 0,
  last_triggered_at timestamptz,
  created_at       timestamptz      NOT NULL DEFAULT now(),
  updated_at       timestamptz      NOT NULL DEFAULT now(),
  CHECK (state IN ('active', 'paused', 'triggered', 'expired')),
  CHECK (jsonb_typeof(condition) = 'object' AND condition ? 'type'),
  CHECK (cooldown_s IS NULL OR cooldown_s BETWEEN 10 AND 604800),
  CHECK (note IS NULL OR char_length(note) <= 500),
  CHECK (webhook_url IS NULL OR char_length(webhook_url) <= 2048),
  CHECK (notify_sessions OR webhook_url IS NOT NULL),
  CHECK (generation >= 0)
);
-- A group object's reload and reconciliation (every state: it keeps the
-- generation of alerts with fires not yet recorded).
CREATE INDEX alerts_group ON alerts (group_key, instrument_token);
-- The live alerts of an instrument.
CREATE INDEX alerts_instrument_active ON alerts (instrument_token) WHERE state = 'active';
-- A user's list, and the per-user limits (count of alerts, of webhooks).
CREATE INDEX alerts_user ON alerts (user_id, created_at DESC);

-- One row per fire. The group object inserts with
-- ON CONFLICT (idempotency_key) DO NOTHING, so a retried flush (after a
-- restart between the insert and clearing its outbox) records nothing twice.
-- Deleting an alert deletes its history.
CREATE TABLE alert_triggers (
  id               bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  idempotency_key  text             NOT NULL UNIQUE,
  alert_id         uuid             NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  user_id          uuid             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  generation       bigint           NOT NULL,
  instrument_token bigint           NOT NULL,
  -- The condition and note as they were when it fired.
  condition        jsonb            NOT NULL,
  note             text,
  -- The value that met the condition (last price, percent change, volume or OI),
  -- the tick's last price and, for crossings, the previous tick's.
  value            double precision NOT NULL,
  last_price       double precision NOT NULL,
  previous_price   double precision,
  tick_at          timestamptz      NOT NULL,
  triggered_at     timestamptz      NOT NULL,
  recorded_at      timestamptz      NOT NULL DEFAULT now(),
  CHECK (generation >= 0),
  CHECK (idempotency_key = alert_id::text || ':' || generation::text)
);
-- Histories, newest recorded first (GET /alerts/:id/triggers, GET /alerts/triggers).
CREATE INDEX alert_triggers_alert ON alert_triggers (alert_id, id DESC);
CREATE INDEX alert_triggers_user ON alert_triggers (user_id, id DESC);

-- How each trigger reached each channel. 'sessions': the alert frame sent
-- to the owner's open sessions (sessions_reached of them, 0 when none was
-- open: delivered; failed when the sessions' hub could not be reached). 'webhook': the
-- signed POST, retried with backoff (durable-objects/webhook-dispatcher/webhook-retry.ts):
-- pending until delivered (2xx), failed (a permanent refusal) or dead
-- (retries exhausted). failed and dead rows are the user's dead letters.
CREATE TABLE alert_deliveries (
  id               bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  trigger_id       bigint           NOT NULL REFERENCES alert_triggers (id) ON DELETE CASCADE,
  user_id          uuid             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  channel          text             NOT NULL,
  -- The webhook URL when the trigger fired (a later edit does not redirect it).
  url              text,
  status           text             NOT NULL DEFAULT 'pending',
  attempts         integer          NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  last_attempt_at  timestamptz,
  response_code    integer,
  last_error       text,
  sessions_reached integer,
  delivered_at     timestamptz,
  created_at       timestamptz      NOT NULL DEFAULT now(),
  UNIQUE (trigger_id, channel),
  CHECK (channel IN ('sessions', 'webhook')),
  CHECK ((channel = 'webhook') = (url IS NOT NULL)),
  CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
  CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
  CHECK (attempts >= 0),
  CHECK (response_code IS NULL OR response_code BETWEEN 100 AND 599),
  CHECK (sessions_reached IS NULL OR sessions_reached >= 0)
);
-- The queue of each user's WebhookDispatcher (durable-objects/webhook-dispatcher/webhook-dispatcher.ts): what is due next.
CREATE INDEX alert_deliveries_due ON alert_deliveries (user_id, next_attempt_at) WHERE status = 'pending';
-- A user's deliveries, newest first (GET /alerts/deliveries; ?status=failed,dead: the dead letters).
CREATE INDEX alert_deliveries_user ON alert_deliveries (user_id, id DESC);

-- The per-user secret webhook signatures are made with. It must be read back
-- to sign, so it cannot be a digest: it is stored sealed with AES-256-GCM
-- under the worker secret ALERT_SECRET_KEY, the user id as associated data
-- (contracts/sealed-blob.ts), never in the clear. A leaked
-- dump without the key lets no one forge a webhook.
-- A rotation keeps the secret it replaces for a day (previous_until), and
-- deliveries carry a signature with each, so receivers can switch over.
CREATE TABLE webhook_secrets (
  user_id          uuid             PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_enc       bytea            NOT NULL,
  created_at       timestamptz      NOT NULL DEFAULT now(),
  previous_enc     bytea,
  previous_until   timestamptz,
  -- version (1) + key fingerprint (4) + IV (12) + at least one byte + tag (16)
  CHECK (octet_length(secret_enc) >= 34),
  CHECK ((previous_enc IS NULL) = (previous_until IS NULL))
);

-- Down Migration
DROP TABLE webhook_secrets;
DROP TABLE alert_deliveries;
DROP TABLE alert_triggers;
DROP TABLE alerts;
