-- 0005: upload tickets. A ticket is a single-use, short-lived capability to PUT one file into one
-- tenant's vault without a bearer token: an MCP host hands its URL to the user (curl -T) for files
-- too big to pass inline. Only the SHA-256 of the ticket is stored, so the table leaks nothing usable.
CREATE TABLE upload_tickets (
  token_hash  text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  device_id   uuid,
  name        text NOT NULL,
  uri         text NOT NULL,
  mime_type   text,
  max_bytes   bigint NOT NULL CHECK (max_bytes > 0),
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX upload_tickets_expiry ON upload_tickets (expires_at);
