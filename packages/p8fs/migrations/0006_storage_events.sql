-- 0006: storage events. Objects written straight into the blob store's incoming area
-- (incoming/<tenant>/<path>: a presigned upload, another tool) become files exactly once. One row per
-- upload of a key: the same key uploaded again has another etag or modification time and is a new
-- event. The primary key is the claim: of several reconcilers (or a bucket notification racing
-- one), only the one whose INSERT lands ingests the object. A 'claimed' row older than the claim
-- lease belongs to a process that died and may be taken over.
-- tenant_id is the tenant segment of the key as written, which may name no tenant (then the row is
-- 'failed' with the reason), so it carries no foreign key.
CREATE TABLE storage_events (
  object_key  text NOT NULL,
  etag        text NOT NULL,
  modified    timestamptz NOT NULL,
  tenant_id   text NOT NULL,
  size        bigint NOT NULL,
  status      text NOT NULL CHECK (status IN ('claimed', 'done', 'failed')),
  file_id     uuid,
  error       text,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (object_key, etag, modified)
);
CREATE INDEX storage_events_tenant ON storage_events (tenant_id, claimed_at);
