-- 0003: accounts, devices and the OAuth 2.1 authorization server's storage.
-- A tenant is a person's vault. Each device (phone, laptop, CLI, MCP host) that acts for it has a
-- row here; tokens name their device, and a revoked device's tokens stop working at once.

CREATE UNIQUE INDEX tenants_email ON tenants (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE devices (
  id              uuid NOT NULL,
  tenant_id       text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  name            text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('mobile', 'desktop', 'cli', 'browser', 'mcp', 'server')),
  -- Ed25519 public key (raw 32 bytes, base64url); null for devices that cannot approve others
  -- (an MCP host authorised through a browser).
  public_key      text,
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  approved_by     uuid,
  oauth_client_id text,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz,
  revoked_at      timestamptz,
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, approved_by) REFERENCES devices (tenant_id, id) ON DELETE SET NULL (approved_by)
);
CREATE INDEX devices_tenant ON devices (tenant_id, created_at);
CREATE UNIQUE INDEX devices_public_key ON devices (public_key) WHERE public_key IS NOT NULL;

-- E-mail registration in flight. Only the code's hash is stored; the challenge is public (the
-- device signs it to prove it holds the key). A few wrong codes lock it.
CREATE TABLE registrations (
  id              uuid PRIMARY KEY,
  email           text NOT NULL,
  public_key      text NOT NULL,
  device_name     text NOT NULL,
  device_kind     text NOT NULL CHECK (device_kind IN ('mobile', 'desktop', 'cli', 'browser', 'mcp', 'server')),
  code_hash       text NOT NULL,
  challenge       text NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  expires_at      timestamptz NOT NULL,
  consumed_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registrations_email ON registrations (lower(email), created_at DESC);

-- Requests waiting for a person to approve them from a device they already have: an RFC 8628
-- device authorization, or a browser sign-in (an MCP host's authorization request). user_code is
-- what the person types or scans.
CREATE TABLE approvals (
  user_code       text PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('device_code', 'interaction')),
  -- the device_code's user code or the interaction uid, for the authorization server
  ref             text NOT NULL,
  client_id       text,
  client_name     text,
  scope           text,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied')),
  tenant_id       text REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  device_id       uuid,
  approved_by     uuid,
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  decided_at      timestamptz,
  FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id) ON DELETE SET NULL (device_id),
  FOREIGN KEY (tenant_id, approved_by) REFERENCES devices (tenant_id, id) ON DELETE SET NULL (approved_by)
);
CREATE INDEX approvals_ref ON approvals (kind, ref);

-- oidc-provider's models (clients from dynamic registration, grants, codes, refresh tokens,
-- sessions, interactions). Token and code ids are stored as SHA-256 hashes, never as issued.
CREATE TABLE oauth_models (
  model       text NOT NULL,
  id          text NOT NULL,
  payload     jsonb NOT NULL,
  grant_id    text,
  user_code   text,
  uid         text,
  expires_at  timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oauth_models_grant ON oauth_models (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oauth_models_user_code ON oauth_models (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oauth_models_uid ON oauth_models (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oauth_models_expires ON oauth_models (expires_at) WHERE expires_at IS NOT NULL;

-- Token signing keys (private JWKs). The newest active key signs; retired keys stay in the JWKS
-- until tokens they signed have expired.
CREATE TABLE signing_keys (
  kid         text PRIMARY KEY,
  alg         text NOT NULL,
  private_jwk jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz
);
