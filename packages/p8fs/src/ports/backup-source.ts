import type { Readable } from 'node:stream';

/** A blob as the store holds it: its tenant and content-addressed key. */
export interface BlobRef {
  tenantId: string;
  key: string;
}

/** One consistent point of the vault: the database dump and what it references. */
export interface VaultSnapshot {
  /** The database's data dir as a gzipped tar. */
  dump: Uint8Array;
  /** Every blob a row of the dump names (files, artifacts, E2E blobs and snapshots). */
  blobs: BlobRef[];
  /** Migration file names applied in the dump, in order. */
  migrations: string[];
  counts: { tenants: number; files: number; resources: number };
}

/**
 * What `p8fs backup` reads from a vault (decision 0021): the embedded default only (PGlite and a
 * local blob folder). Blobs come as stored, so encrypted ones stay encrypted.
 */
export interface BackupSource {
  snapshot(): Promise<VaultSnapshot>;
  /** The stored size of a blob, or null when it is not in the store. */
  blobSize(ref: BlobRef): Promise<number | null>;
  /** The stored bytes of a blob; file.not_found when it is gone. */
  openBlob(ref: BlobRef): Promise<Readable>;
  /** The master key the data keys are wrapped under (P8FS_MASTER_KEY or master.key), base64 as in the key file. */
  masterKey(): string | null;
}
