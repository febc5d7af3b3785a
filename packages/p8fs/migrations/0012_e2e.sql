-- 0012: end-to-end vaults (decision 0018). Two sides share this schema: a server relays what devices
-- seal (the e2e_* tables hold ciphertext, sizes and times only), and every device keeps its own
-- replica of the vault in the ordinary tables plus sync_state / sync_replica.

-- How a tenant's vault is kept. Chosen when the account is created, never changed: an `e2e` tenant's
-- vault lives on its devices; the server refuses to read, search or write it.
ALTER TABLE tenants ADD COLUMN mode text NOT NULL DEFAULT 'server' CHECK (mode IN ('server', 'e2e'));
-- The mode a registration asks for when it creates the account (NULL: server, or join an existing one).
ALTER TABLE registrations ADD COLUMN mode text CHECK (mode IN ('server', 'e2e'));

-- Relay side. One row per E2E vault: head_seq numbers the log per tenant. Pushes take this row's lock,
-- so positions are handed out in commit order and a reader paging by seq never skips a late commit.
CREATE TABLE e2e_vaults (
  tenant_id   text PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  head_seq    bigint NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The append-only log of sealed change records. record_id is the device's own id for the record, so
-- a retried push is a no-op; device_id is who pushed it (from the token, not from the body).
CREATE TABLE e2e_records (
  tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  seq         bigint NOT NULL,
  record_id   uuid NOT NULL,
  device_id   uuid NOT NULL,
  epoch       integer NOT NULL CHECK (epoch >= 0),
  body        bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, record_id)
);

-- Sealed blobs (file bytes sealed on a device), under a device-chosen id; stored through the server's
-- blob store, which encrypts them at rest once more. Immutable: the first upload of an id is kept.
CREATE TABLE e2e_blobs (
  tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  blob_id     uuid NOT NULL,
  blob_key    text NOT NULL,
  size        bigint NOT NULL CHECK (size >= 0),
  device_id   uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, blob_id)
);

-- Sealed snapshots: the vault's state as of log position seq, so a new device need not replay the log.
CREATE TABLE e2e_snapshots (
  tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  snapshot_id  uuid NOT NULL,
  seq          bigint NOT NULL CHECK (seq >= 0),
  epoch        integer NOT NULL CHECK (epoch >= 0),
  blob_key     text NOT NULL,
  size         bigint NOT NULL CHECK (size >= 0),
  device_id    uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, snapshot_id)
);
CREATE INDEX e2e_snapshots_latest ON e2e_snapshots (tenant_id, seq DESC, created_at DESC);

-- An epoch's vault key wrapped to one recipient: a device (its X25519 key below) or 'recovery' (the
-- key derived from the recovery phrase). One per recipient and epoch: two devices rotating at once
-- collide here and the second tries again.
CREATE TABLE e2e_envelopes (
  tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  recipient   text NOT NULL,
  epoch       integer NOT NULL CHECK (epoch >= 0),
  wrapped     bytea NOT NULL,
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, recipient, epoch)
);

-- Each device's X25519 public key, published by the device itself. Not trusted as such: a device
-- wraps keys only to a key whose fingerprint a person confirmed (approve) or that a sealed member
-- record names.
CREATE TABLE e2e_device_keys (
  tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  device_id   uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  public_key  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, device_id)
);

-- Device side. What this replica last pushed or applied per object (file by uri, moment by name,
-- user edge by its labels): the winning record (plaintext, it never leaves the device) and a digest
-- of the local object as it stood then. A scan that finds another digest has found a local change.
CREATE TABLE sync_state (
  tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  object_key  text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('file', 'moment', 'edge')),
  hlc         text NOT NULL,
  device_id   text NOT NULL,
  deleted     boolean NOT NULL DEFAULT false,
  digest      text,
  record      jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, object_key)
);

-- Where this replica stands in the relay's log, the last hybrid logical clock value it issued or saw,
-- and the log position of the newest snapshot it wrote or read.
CREATE TABLE sync_replica (
  tenant_id     text PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  cursor_seq    bigint NOT NULL DEFAULT 0,
  hlc           text NOT NULL DEFAULT '',
  snapshot_seq  bigint NOT NULL DEFAULT 0,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
