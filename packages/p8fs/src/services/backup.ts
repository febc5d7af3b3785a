import { createHash } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import {
  BACKUP_FORMAT, BACKUP_VERSION, type BackupManifest, type BackupMember, BLOB_PREFIX, DB_MEMBER, MANIFEST_MEMBER, MASTER_KEY_MEMBER, manifestBytes,
} from '../domain/backup/manifest.js';
import { TAR_END, tarHeader, tarPadding } from '../domain/backup/tar.js';
import { mapLimited } from '../domain/collections.js';
import { AppError } from '../domain/errors.js';
import { requirePermission } from '../domain/scopes.js';
import type { BackupSource, BlobRef, VaultSnapshot } from '../ports/backup-source.js';
import type { Clock } from '../ports/clock.js';

/** A backup ready to stream: its manifest is known before the first byte. */
export interface BackupStream {
  manifest: BackupManifest;
  /** The tar, member by member; fails (never ends quietly) when a blob vanishes while it streams. */
  chunks: AsyncIterable<Uint8Array>;
}

/** How many snapshots are taken before a blob missing from the store is believed lost. */
const SNAPSHOT_TRIES = 3;

/**
 * `p8fs backup` (decision 0021): a consistent, versioned archive of an embedded vault while it runs.
 * The whole data dir, every tenant: only the vault's owner (the operator) may take one.
 */
export class BackupService {
  constructor(
    private readonly source: BackupSource | null,
    private readonly ownerTenantId: string,
    private readonly version: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Take the snapshot and describe the archive; the bytes follow from `chunks`.
   *
   * Consistency: the database is dumped first, with the list of blobs its rows name taken in the
   * same breath (under PGlite's session lock, so no write lands between them). Blobs are
   * content-addressed and never change, so copying them afterwards copies exactly what the dump
   * names. A blob can still vanish after the dump: a file deleted (or re-encrypted by blobs.encrypt)
   * meanwhile releases its blob once its row is gone. Then the newer database no longer needs it, so
   * a fresh snapshot is taken (up to three). A blob still missing then was lost before the backup:
   * it is listed in the manifest's missing_blobs and the CLI says so, rather than failing every
   * backup of that vault or hiding it. A blob that vanishes while the archive streams (after its
   * size was read) fails the stream with a clear error; the CLI runs the backup again.
   */
  async open(actor: Actor, opts: { includeMasterKey: boolean }): Promise<BackupStream> {
    requirePermission(actor, 'account');
    if (actor.tenantId !== this.ownerTenantId) {
      throw new AppError('forbidden', 'a backup holds every account of this server: only its owner can take one (p8fs backup on the server\'s machine)');
    }
    if (!this.source) {
      throw new AppError('conflict', 'p8fs backup covers the embedded vault (PGlite and a local blob folder); with PostgreSQL and S3 use pg_dump and bucket versioning or rclone: see docs/deploy.md (Backups)');
    }
    const source = this.source;
    let snap: VaultSnapshot | null = null;
    let sizes = new Map<BlobRef, number | null>();
    for (let i = 0; i < SNAPSHOT_TRIES; i++) {
      snap = await source.snapshot();
      sizes = new Map(await mapLimited(snap.blobs, 32, async (b) => [b, await source.blobSize(b)] as const));
      if ([...sizes.values()].every((s) => s !== null)) break;
    }
    if (!snap) throw new AppError('internal', 'no snapshot');
    const masterKey = opts.includeMasterKey ? source.masterKey() : null;
    if (opts.includeMasterKey && !masterKey) throw new AppError('crypto.key_unavailable', 'no master key to include: neither P8FS_MASTER_KEY nor <dataDir>/master.key is set');
    const present = snap.blobs.filter((b) => sizes.get(b) !== null);
    const members: BackupMember[] = [
      { path: DB_MEMBER, size: snap.dump.byteLength, sha256: sha256(snap.dump) },
      // A blob's key ends in the sha256 of its stored bytes; the copy is checked against it.
      ...present.map((b) => ({ path: BLOB_PREFIX + b.key, size: sizes.get(b) as number, sha256: b.key.slice(-64) })),
      ...(masterKey ? [{ path: MASTER_KEY_MEMBER, size: Buffer.byteLength(masterKey), sha256: sha256(Buffer.from(masterKey)) }] : []),
    ];
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT, version: BACKUP_VERSION, p8fs_version: this.version, created_at: this.clock.now().toISOString(),
      migration: snap.migrations.at(-1) ?? '', migrations: snap.migrations.length,
      counts: { ...snap.counts, blobs: present.length }, master_key_included: masterKey !== null,
      missing_blobs: snap.blobs.filter((b) => sizes.get(b) === null).map((b) => b.key), members,
    };
    return { manifest, chunks: this.stream(source, manifest, snap.dump, present, masterKey) };
  }

  private async *stream(source: BackupSource, manifest: BackupManifest, dump: Uint8Array, blobs: BlobRef[], masterKey: string | null): AsyncGenerator<Uint8Array> {
    const at = new Date(manifest.created_at);
    const text = manifestBytes(manifest);
    yield* whole(MANIFEST_MEMBER, text, at);
    yield* whole(DB_MEMBER, dump, at);
    for (const b of blobs) {
      const member = manifest.members.find((m) => m.path === BLOB_PREFIX + b.key) as BackupMember;
      yield tarHeader(member.path, member.size, at);
      const hash = createHash('sha256');
      let size = 0;
      let body: AsyncIterable<Uint8Array>;
      try {
        body = await source.openBlob(b);
      } catch (err) {
        throw vanished(b, err);
      }
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > member.size) break;
        hash.update(chunk);
        yield chunk;
      }
      // Never a member of the wrong length or content: the archive would be unreadable past it.
      if (size !== member.size || hash.digest('hex') !== member.sha256) {
        throw new AppError('blob.corrupt', `blob ${b.key} changed or is damaged in the store (${size} bytes, ${member.size} expected, or its sha256 differs): the backup stopped`);
      }
      yield tarPadding(size);
    }
    if (masterKey) yield* whole(MASTER_KEY_MEMBER, Buffer.from(masterKey), at);
    yield TAR_END;
  }
}

function* whole(path: string, bytes: Uint8Array, at: Date): Generator<Uint8Array> {
  yield tarHeader(path, bytes.byteLength, at);
  yield bytes;
  yield tarPadding(bytes.byteLength);
}

function vanished(b: BlobRef, err: unknown): AppError {
  if (err instanceof AppError && err.code === 'file.not_found') {
    return new AppError('conflict', `blob ${b.key} was deleted while the backup ran (a file was deleted or re-encrypted after the database dump): run the backup again`);
  }
  return err instanceof AppError ? err : new AppError('internal', String(err));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
