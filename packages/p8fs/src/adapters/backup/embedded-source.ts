import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../../domain/errors.js';
import type { BackupSource, BlobRef, VaultSnapshot } from '../../ports/backup-source.js';
import { assertBlobKey } from '../blob/keys.js';
import type { PgliteWorkerDb } from '../db/pglite-worker.js';

// Every table that names a blob; a blob in none of them is an orphan a backup need not keep.
const SNAPSHOT_SQL = `
SELECT
  (SELECT coalesce(json_agg(json_build_array(tenant_id, blob_key) ORDER BY tenant_id, blob_key), '[]'::json) FROM (
     SELECT tenant_id, blob_key FROM files UNION SELECT tenant_id, blob_key FROM file_artifacts
     UNION SELECT tenant_id, blob_key FROM e2e_blobs UNION SELECT tenant_id, blob_key FROM e2e_snapshots) b) AS blobs,
  (SELECT coalesce(json_agg(name ORDER BY name), '[]'::json) FROM schema_migrations) AS migrations,
  (SELECT count(*) FROM tenants)::int AS tenants,
  (SELECT count(*) FROM files)::int AS files,
  (SELECT count(*) FROM resources)::int AS resources`;

interface SnapshotRow {
  blobs: [string, string][] | string;
  migrations: string[] | string;
  tenants: number;
  files: number;
  resources: number;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/** The embedded vault as a backup source: PGlite in its thread, the blob folder read as stored. */
export class EmbeddedBackupSource implements BackupSource {
  constructor(
    private readonly db: PgliteWorkerDb,
    private readonly blobDir: string,
    private readonly keys: { env: string | undefined; file: string },
  ) {}

  async snapshot(): Promise<VaultSnapshot> {
    const { rows, dump } = await this.db.snapshot<SnapshotRow>(SNAPSHOT_SQL);
    const row = rows[0] as SnapshotRow;
    return {
      dump,
      blobs: json(row.blobs).map(([tenantId, key]) => ({ tenantId, key })),
      migrations: json(row.migrations),
      counts: { tenants: row.tenants, files: row.files, resources: row.resources },
    };
  }

  async blobSize(ref: BlobRef): Promise<number | null> {
    try {
      return (await stat(this.path(ref))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async openBlob(ref: BlobRef): Promise<Readable> {
    const path = this.path(ref);
    if ((await this.blobSize(ref)) === null) throw new AppError('file.not_found', `blob ${ref.key} is missing from the store`);
    return createReadStream(path);
  }

  masterKey(): string | null {
    if (this.keys.env) return `${this.keys.env.trim()}\n`;
    return readFileOrNull(this.keys.file);
  }

  /** The stored object's path: the key as FsBlobStore lays it out (the key is checked first). */
  private path(ref: BlobRef): string {
    assertBlobKey(ref.tenantId, ref.key);
    return join(this.blobDir, ref.key);
  }
}

function readFileOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
