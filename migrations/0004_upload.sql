-- Upload bookkeeping: the size the target confirmed, when the row last changed, and indexes for the
-- retry schedule and the retention check of `purge`.

ALTER TABLE upload_state ADD COLUMN remote_size INTEGER;
ALTER TABLE upload_state ADD COLUMN updated_at TEXT;
CREATE INDEX upload_state_due ON upload_state(state, next_attempt_at);
CREATE INDEX upload_state_confirmed ON upload_state(state, confirmed_at);
