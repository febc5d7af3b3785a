-- 0002: files inside files, and derived binaries.
-- An archive member, an e-mail attachment or a message in a mailbox is stored as its own file with
-- parent_id pointing at the container; deleting the container deletes its descendants. depth
-- bounds nesting (an archive in an archive is depth 2).
ALTER TABLE files ADD COLUMN parent_id uuid;
ALTER TABLE files ADD COLUMN depth integer NOT NULL DEFAULT 0 CHECK (depth >= 0);
ALTER TABLE files ADD CONSTRAINT files_parent_fk
  FOREIGN KEY (tenant_id, parent_id) REFERENCES files (tenant_id, id) ON DELETE CASCADE;
CREATE INDEX files_parent ON files (tenant_id, parent_id) WHERE parent_id IS NOT NULL;

-- Thumbnails and video keyframes, kept in the blob store next to the original.
CREATE TABLE file_artifacts (
  tenant_id   text NOT NULL,
  file_id     uuid NOT NULL,
  name        text NOT NULL,
  role        text NOT NULL CHECK (role IN ('thumbnail', 'keyframe')),
  mime_type   text NOT NULL,
  size        bigint NOT NULL CHECK (size >= 0),
  blob_key    text NOT NULL,
  metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, file_id, name),
  FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX file_artifacts_blob ON file_artifacts (tenant_id, blob_key);
