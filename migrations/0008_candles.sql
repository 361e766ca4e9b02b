-- Up Migration
-- Candles (docs/candles.md). Minute candles are built from ticks in each
-- instrument group and written in batches (storage/candles.ts), or fetched
-- from Kite's historical API by the origin's backfill; day candles beside
-- them. Prices as Kite sends them (rupees, or the pair's units); `time` is
-- the start of the minute, `day` the IST trading day. Minutes are kept for
-- CANDLE_RETENTION_DAYS (the origin deletes older ones daily), days for ever.
CREATE TABLE candles (
  instrument_token bigint NOT NULL,
  time timestamptz NOT NULL,
  open double precision NOT NULL,
  high double precision NOT NULL,
  low double precision NOT NULL,
  close double precision NOT NULL,
  volume bigint NOT NULL CHECK (volume >= 0),
  oi bigint NOT NULL DEFAULT 0 CHECK (oi >= 0),
  PRIMARY KEY (instrument_token, time)
);

CREATE TABLE day_candles (
  instrument_token bigint NOT NULL,
  day date NOT NULL,
  open double precision NOT NULL,
  high double precision NOT NULL,
  low double precision NOT NULL,
  close double precision NOT NULL,
  volume bigint NOT NULL CHECK (volume >= 0),
  oi bigint NOT NULL DEFAULT 0 CHECK (oi >= 0),
  PRIMARY KEY (instrument_token, day)
);

-- What the backfill fetched from Kite: the minutes of `day` before
-- `minutes_until` (a past day's close: the whole day), and whether the day
-- candle was fetched. What the platform recorded itself is never replaced.
CREATE TABLE candle_fills (
  instrument_token bigint NOT NULL,
  day date NOT NULL,
  minutes_until timestamptz,
  day_filled boolean NOT NULL DEFAULT false,
  filled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (instrument_token, day)
);

-- Down Migration
DROP TABLE candle_fills;
DROP TABLE day_candles;
DROP TABLE candles;
