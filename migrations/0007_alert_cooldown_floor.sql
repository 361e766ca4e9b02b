-- Up Migration
-- The shortest cool-down of a recurring alert is a worker setting
-- (ALERTS_MIN_COOLDOWN_S, 10 s by default, contracts/worker-config.ts); the
-- table keeps only the bounds no setting may cross: a whole second, a week.
ALTER TABLE alerts DROP CONSTRAINT alerts_cooldown_s_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_cooldown_s_check CHECK (cooldown_s IS NULL OR cooldown_s BETWEEN 1 AND 604800);

-- Down Migration
-- Alerts made with a cool-down under 10 s keep 10 s, the floor this migration lowered.
UPDATE alerts SET cooldown_s = 10 WHERE cooldown_s < 10;
ALTER TABLE alerts DROP CONSTRAINT alerts_cooldown_s_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_cooldown_s_check CHECK (cooldown_s IS NULL OR cooldown_s BETWEEN 10 AND 604800);
