-- 0011: encryption at rest (decision 0017). 0010 was planned for this; another change took it first.
--
-- data_keys: per scope (a tenant, or '_system' for the server's own secrets) the data keys, wrapped
-- under a key-encryption key (the master key; kek_id names which). One active key per scope
-- encrypts new data; retired keys still decrypt what they encrypted until re-encryption moves it.
CREATE TABLE data_keys (
  id          uuid PRIMARY KEY,
  scope       text NOT NULL,
  epoch       integer NOT NULL CHECK (epoch >= 1),
  state       text NOT NULL CHECK (state IN ('active', 'retired')),
  kek_id      text NOT NULL,
  wrapped     bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz,
  UNIQUE (scope, epoch)
);
-- Two processes creating a scope's first key at once: one insert wins, the other reads it.
CREATE UNIQUE INDEX data_keys_one_active ON data_keys (scope) WHERE state = 'active';

-- blobs: the ledger of every stored blob, and how it is encrypted. Reads trust this row, never the
-- bytes. data_key_id NULL = a plaintext blob written before this migration (served as stored until
-- the blobs.encrypt job rewrites it); nonce = the blob header's random prefix, so an object swapped
-- for another of the same tenant fails; size = plaintext bytes (ranged reads find their segments).
CREATE TABLE blobs (
  tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  blob_key     text NOT NULL,
  data_key_id  uuid REFERENCES data_keys (id),
  nonce        bytea,
  size         bigint CHECK (size >= 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, blob_key),
  CHECK ((data_key_id IS NULL) = (nonce IS NULL) AND (data_key_id IS NULL) = (size IS NULL))
);
CREATE INDEX blobs_data_key ON blobs (tenant_id, data_key_id);

-- Everything stored so far is plaintext.
INSERT INTO blobs (tenant_id, blob_key)
  SELECT tenant_id, blob_key FROM files
  UNION
  SELECT tenant_id, blob_key FROM file_artifacts
ON CONFLICT DO NOTHING;

-- Dedup within a tenant (blob keys are random per write now): same plaintext, same blob.
CREATE INDEX files_content_hash ON files (tenant_id, content_hash);
