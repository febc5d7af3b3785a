-- 0004: the knowledge graph. Nodes are rows of files, resources, moments, agents and entities;
-- edges address them by human label (DOMAIN.md), resolved through the labels index.
--
-- The original kept a label index that only a manual sync filled, and walked edges outbound only.
-- Here triggers keep the labels of every node table current on any write path, and edges are
-- stored once, forward: an inbound step reads the same row through the dst index and reports it
-- as `inv-<rel>` (DOMAIN's inverse edge), so both directions work without writing twice.
-- Archive membership (files.parent_id) and chunk provenance (resources.file_id) are graph edges
-- too, but they are foreign keys already: the graph service serves them as virtual edges
-- (contains/member_of, has_chunk/chunk_of) instead of copying a row per chunk here.

-- The identity of a label: case and spacing do not matter. src/domain/graph.ts labelKey() is the
-- same rule in TypeScript (a test holds them equal).
CREATE FUNCTION p8_label_key(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT lower(btrim(regexp_replace(t, '\s+', ' ', 'g'))) $$;

-- Lightweight nodes for labels no other row carries (a person an e-mail names, a #tag, the
-- target of a wikilink to a note not written yet). id = uuid5(tenant, 'entity', label key).
CREATE TABLE entities (
  id           uuid NOT NULL,
  tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  label        text NOT NULL,
  entity_type  text NOT NULL DEFAULT 'entity',
  metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX entities_label ON entities (tenant_id, p8_label_key(label));

-- The label index behind LOOKUP, FUZZY and edge resolution. Derived: triggers below own it.
-- No foreign key to the node (it lives in one of five tables); the triggers delete with the row.
CREATE TABLE labels (
  tenant_id     text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  label_key     text NOT NULL,
  label         text NOT NULL,
  entity_table  text NOT NULL CHECK (entity_table IN ('resources', 'files', 'moments', 'agents', 'entities')),
  entity_id     uuid NOT NULL,
  PRIMARY KEY (tenant_id, label_key, entity_table, entity_id)
);
CREATE INDEX labels_entity ON labels (tenant_id, entity_table, entity_id);
CREATE INDEX labels_key_trgm ON labels USING gin (label_key gin_trgm_ops);

-- The labels of one row, per table (overloaded on the row type, so one trigger function serves all).
-- A file answers to its name, its name without extension (the Obsidian note name), its uri, its
-- title and its frontmatter aliases.
CREATE FUNCTION p8_labels_of(r files) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY[r.name, regexp_replace(r.name, '\.[^.]*$', ''), r.uri, r.metadata->>'title']
    || CASE WHEN jsonb_typeof(r.metadata->'frontmatter'->'aliases') = 'array'
         THEN ARRAY(SELECT jsonb_array_elements_text(r.metadata->'frontmatter'->'aliases'))
         ELSE ARRAY[]::text[] END $$;
-- File chunks (category 'document') are found through their file: labelling each would bloat the index.
-- The search mirrors of moments and agents (categories 'moment', 'agent') are not nodes of their own:
-- the moments and agents rows answer to those names.
CREATE FUNCTION p8_labels_of(r resources) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN (r.file_id IS NULL OR r.category <> 'document') AND r.category NOT IN ('moment', 'agent')
    THEN ARRAY[r.name] ELSE ARRAY[]::text[] END $$;
CREATE FUNCTION p8_labels_of(r moments) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY[r.name] $$;
CREATE FUNCTION p8_labels_of(r agents) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY[r.name] $$;
CREATE FUNCTION p8_labels_of(r entities) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY[r.label] $$;

-- INSERT/UPDATE replaces the row's labels, DELETE removes them. An update that leaves the labels
-- as they were (a chunk's text, a file's status) writes nothing.
CREATE FUNCTION p8_labels_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  before text[] := ARRAY[]::text[];
  after text[] := ARRAY[]::text[];
BEGIN
  IF TG_OP <> 'INSERT' THEN before := p8_labels_of(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN after := p8_labels_of(NEW); END IF;
  IF before IS NOT DISTINCT FROM after THEN RETURN NULL; END IF;
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM labels WHERE tenant_id = OLD.tenant_id AND entity_table = TG_TABLE_NAME AND entity_id = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO labels (tenant_id, label_key, label, entity_table, entity_id)
      SELECT DISTINCT ON (k) NEW.tenant_id, k, n, TG_TABLE_NAME, NEW.id
      FROM (SELECT n, p8_label_key(n) AS k, o FROM unnest(after) WITH ORDINALITY AS u(n, o)) x
      WHERE k IS NOT NULL AND k <> ''
      ORDER BY k, o
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER files_labels AFTER INSERT OR UPDATE OR DELETE ON files FOR EACH ROW EXECUTE FUNCTION p8_labels_sync();
CREATE TRIGGER resources_labels AFTER INSERT OR UPDATE OR DELETE ON resources FOR EACH ROW EXECUTE FUNCTION p8_labels_sync();
CREATE TRIGGER moments_labels AFTER INSERT OR UPDATE OR DELETE ON moments FOR EACH ROW EXECUTE FUNCTION p8_labels_sync();
CREATE TRIGGER agents_labels AFTER INSERT OR UPDATE OR DELETE ON agents FOR EACH ROW EXECUTE FUNCTION p8_labels_sync();
CREATE TRIGGER entities_labels AFTER INSERT OR UPDATE OR DELETE ON entities FOR EACH ROW EXECUTE FUNCTION p8_labels_sync();

-- Edges, forward only (see the top). id = uuid5(tenant, src key, rel, dst key, source file or ''):
-- writing the same edge again merges into it. An edge a file's content produced carries the file
-- (source_file_id): reprocessing replaces those, deleting the file takes them with it.
-- origin says who wrote it: markdown, frontmatter, email, document, engram, moment, user, dreaming.
CREATE TABLE edges (
  id              uuid NOT NULL,
  tenant_id       text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  src_key         text NOT NULL,
  src_label       text NOT NULL,
  rel_type        text NOT NULL,
  dst_key         text NOT NULL,
  dst_label       text NOT NULL,
  weight          real NOT NULL DEFAULT 1 CHECK (weight >= 0 AND weight <= 1),
  properties      jsonb NOT NULL DEFAULT '{}'::jsonb,
  origin          text NOT NULL,
  source_file_id  uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, source_file_id) REFERENCES files (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX edges_src ON edges (tenant_id, src_key, rel_type);
CREATE INDEX edges_dst ON edges (tenant_id, dst_key, rel_type);
CREATE INDEX edges_source_file ON edges (tenant_id, source_file_id) WHERE source_file_id IS NOT NULL;

-- A lightweight entity exists for an edge's sake: when no edge names it any more (the note that
-- linked it changed or was deleted), it goes too, on every delete path (cascades included).
CREATE FUNCTION p8_prune_entities() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM entities en
  USING (SELECT DISTINCT tenant_id, k FROM gone, LATERAL (VALUES (gone.src_key), (gone.dst_key)) v(k)) g
  WHERE en.tenant_id = g.tenant_id AND p8_label_key(en.label) = g.k
    AND en.metadata @> '{"lightweight": true}'
    AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.tenant_id = g.tenant_id AND (e.src_key = g.k OR e.dst_key = g.k));
  RETURN NULL;
END $$;
CREATE TRIGGER edges_prune_entities AFTER DELETE ON edges
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION p8_prune_entities();
