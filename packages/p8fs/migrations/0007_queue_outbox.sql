-- The jobs table as the transactional outbox of the NATS JetStream queue (docs/decisions/0013-nats-queue.md).
-- A job is enqueued in the caller's transaction as before; the dispatcher (`p8fs router`) publishes
-- queued rows to p8fs.jobs.<tier> and records it here, so each row is published once per dispatch.
ALTER TABLE jobs ADD COLUMN dispatched_at timestamptz;
-- How many times the row was published: the JetStream message id is <job id>.<dispatches>, so a
-- dispatcher that died between publish and mark publishes a duplicate JetStream drops, while a
-- deliberate re-dispatch (the message was lost) gets a new id.
ALTER TABLE jobs ADD COLUMN dispatches integer NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN tier text;
-- Stream sequence of the last publish: the reconciler asks JetStream whether that message still exists.
ALTER TABLE jobs ADD COLUMN stream_seq bigint;
CREATE INDEX jobs_outbox ON jobs (run_at) WHERE status = 'queued' AND dispatched_at IS NULL;
