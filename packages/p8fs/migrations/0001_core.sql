-- 0001: the vault core. Plain SQL that runs on PGlite (PostgreSQL 18 in WASM) and PostgreSQL >= 15.
-- Every table that holds user data carries tenant_id; foreign keys include tenant_id so a row can
-- never point at another tenant's row. System tables (schema_migrations, embedding_providers)
-- hold no user data.

CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE tenants (
  tenant_id   text PRIMARY KEY,
  name        text NOT NULL,
  email       text,
  metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Canonical: one row per stored blob. id = uuid5(tenant, uri), so the same path is the same file.
CREATE TABLE files (
  id              uuid NOT NULL,
  tenant_id       text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  name            text NOT NULL,
  uri             text NOT NULL,
  size            bigint NOT NULL CHECK (size >= 0),
  mime_type       text NOT NULL,
  content_hash    text NOT NULL,
  blob_key        text NOT NULL,
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'processing', 'indexed', 'failed')),
  error_code      text,
  error_message   text,
  parser          text,
  parser_version  integer,
  resource_count  integer NOT NULL DEFAULT 0,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  encryption_mode text NOT NULL DEFAULT 'none',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  indexed_at      timestamptz,
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, uri)
);
CREATE INDEX files_tenant_status ON files (tenant_id, status, updated_at DESC);
CREATE INDEX files_tenant_created ON files (tenant_id, created_at DESC);

-- Derived (files) or canonical (notes written directly). id = uuid5(file id, ordinal) for chunks.
CREATE TABLE resources (
  id                 uuid NOT NULL,
  tenant_id          text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  file_id            uuid,
  name               text NOT NULL,
  category           text NOT NULL DEFAULT 'document',
  content            text NOT NULL,
  summary            text,
  ordinal            integer NOT NULL DEFAULT 0,
  uri                text NOT NULL,
  content_hash       text NOT NULL,
  metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
  graph_paths        jsonb NOT NULL DEFAULT '[]'::jsonb,
  resource_timestamp timestamptz,
  -- Keyword index: the resource's own text (weight A), its title path (weight B) and its
  -- neighbours' text (weight C). Neighbour context is what lifts recall on conversational data.
  search_tsv         tsvector NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, name),
  FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX resources_tsv ON resources USING gin (search_tsv);
CREATE INDEX resources_file ON resources (tenant_id, file_id, ordinal);
CREATE INDEX resources_category ON resources (tenant_id, category);
CREATE INDEX resources_name_trgm ON resources USING gin (name gin_trgm_ops);

-- One row per embedding model ever used. The dimension is fixed per provider: a model that
-- starts returning another size is refused, never stored.
CREATE TABLE embedding_providers (
  id          text PRIMARY KEY,
  dimension   integer NOT NULL CHECK (dimension > 0 AND dimension <= 16000),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE embeddings (
  tenant_id     text NOT NULL,
  resource_id   uuid NOT NULL,
  provider_id   text NOT NULL REFERENCES embedding_providers (id),
  content_hash  text NOT NULL,
  dimension     integer NOT NULL,
  embedding     vector NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, resource_id, provider_id),
  FOREIGN KEY (tenant_id, resource_id) REFERENCES resources (tenant_id, id) ON DELETE CASCADE,
  CHECK (vector_dims(embedding) = dimension)
);
CREATE INDEX embeddings_provider ON embeddings (provider_id, tenant_id);
-- Per-provider HNSW indexes are created by the embeddings service when a provider is first
-- registered: an index needs a fixed dimension, and the dimension belongs to the provider.

-- Embedding cache by content hash: identical text is never embedded twice for a tenant,
-- even after its resource was replaced (a changed file whose paragraphs moved).
CREATE TABLE embedding_cache (
  tenant_id     text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  provider_id   text NOT NULL REFERENCES embedding_providers (id),
  content_hash  text NOT NULL,
  embedding     vector NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, provider_id, content_hash)
);

CREATE FUNCTION p8_check_embedding_dimension() RETURNS trigger AS $$
DECLARE expected integer;
BEGIN
  SELECT dimension INTO expected FROM embedding_providers WHERE id = NEW.provider_id;
  IF expected IS NULL OR vector_dims(NEW.embedding) <> expected THEN
    RAISE EXCEPTION 'embedding dimension % does not match provider % (expects %)',
      vector_dims(NEW.embedding), NEW.provider_id, expected
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER embeddings_dimension BEFORE INSERT OR UPDATE ON embeddings
  FOR EACH ROW EXECUTE FUNCTION p8_check_embedding_dimension();
CREATE TRIGGER embedding_cache_dimension BEFORE INSERT OR UPDATE ON embedding_cache
  FOR EACH ROW EXECUTE FUNCTION p8_check_embedding_dimension();

-- Time-bounded episodes (filled by engrams and dreaming in later issues).
CREATE TABLE moments (
  id                uuid NOT NULL,
  tenant_id         text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  name              text NOT NULL,
  content           text NOT NULL DEFAULT '',
  summary           text,
  moment_type       text,
  starts_at         timestamptz,
  ends_at           timestamptz,
  present_persons   jsonb NOT NULL DEFAULT '[]'::jsonb,
  speakers          jsonb NOT NULL DEFAULT '[]'::jsonb,
  location          text,
  emotion_tags      text[] NOT NULL DEFAULT '{}',
  topic_tags        text[] NOT NULL DEFAULT '{}',
  metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
  graph_paths       jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, name)
);
CREATE INDEX moments_time ON moments (tenant_id, starts_at);

-- Chat and agent runs.
CREATE TABLE sessions (
  id                 uuid NOT NULL,
  tenant_id          text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  name               text,
  query              text,
  agent              text,
  model              text,
  session_type       text NOT NULL DEFAULT 'chat',
  channel_type       text,
  parent_session_id  uuid,
  thread_id          text,
  moment_id          uuid,
  messages           jsonb NOT NULL DEFAULT '[]'::jsonb,
  prompt_tokens      integer NOT NULL DEFAULT 0,
  completion_tokens  integer NOT NULL DEFAULT 0,
  cost_usd           numeric(12, 6) NOT NULL DEFAULT 0,
  metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  completed_at       timestamptz,
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id)
);
CREATE INDEX sessions_tenant_created ON sessions (tenant_id, created_at DESC);

-- Agent definitions: system prompt, output schema, tool list; upserted by name.
CREATE TABLE agents (
  id             uuid NOT NULL,
  tenant_id      text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  name           text NOT NULL,
  description    text NOT NULL DEFAULT '',
  system_prompt  text NOT NULL DEFAULT '',
  output_schema  jsonb,
  tools          jsonb NOT NULL DEFAULT '[]'::jsonb,
  metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, name)
);

-- Small key-value store with TTL (codes, caches, label index entries later).
CREATE TABLE kv (
  tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  key         text NOT NULL,
  value       jsonb NOT NULL,
  expires_at  timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;

-- The durable job queue. A claimed job carries a lease (locked_until); a worker that dies lets
-- the lease run out and the job is claimed again. Dead jobs keep their last error.
CREATE TABLE jobs (
  id            uuid NOT NULL PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  type          text NOT NULL,
  payload       jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'dead')),
  dedupe_key    text,
  priority      integer NOT NULL DEFAULT 0,
  attempts      integer NOT NULL DEFAULT 0,
  max_attempts  integer NOT NULL DEFAULT 5,
  run_at        timestamptz NOT NULL DEFAULT now(),
  locked_by     text,
  locked_until  timestamptz,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE INDEX jobs_claim ON jobs (status, run_at, priority DESC) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_tenant ON jobs (tenant_id, status);
-- At most one *queued* job per dedupe key: enqueueing file.process twice before it runs is a no-op.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (tenant_id, dedupe_key) WHERE status = 'queued' AND dedupe_key IS NOT NULL;
