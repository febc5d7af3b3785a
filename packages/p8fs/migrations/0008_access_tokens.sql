-- 0008: personal access tokens. Long-lived bearer tokens a person creates for an MCP host or a
-- script that can only send a fixed Authorization header. Only the SHA-256 of the token is stored
-- (the token is 256 random bits, so a plain hash is enough), so the table leaks nothing usable.
-- A token is for one audience (the API or MCP), carries its scopes, and dies with the device that
-- created it: verification joins the devices row.
CREATE TABLE access_tokens (
  id            uuid NOT NULL PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  token_hash    text NOT NULL UNIQUE,
  name          text NOT NULL,
  audience      text NOT NULL CHECK (audience IN ('api', 'mcp')),
  scopes        text[] NOT NULL,
  -- null: made by the local owner in process (no device to die with)
  device_id     uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- null: never expires (asked for explicitly)
  expires_at    timestamptz,
  -- written at most about once a minute per token
  last_used_at  timestamptz,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX access_tokens_tenant ON access_tokens (tenant_id, created_at);
