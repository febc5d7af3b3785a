import { isAppError, errorMessage } from '../domain/errors.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Db } from '../ports/db.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { DataKeys } from '../ports/key-wrapper.js';
import type { Logger } from '../ports/logger.js';
import { releaseBlobs } from './blob-refs.js';
import { type BlobRow, blobsOffKey, lockBlobUsers, moveBlobRefs, tenantsNeedingEncryption } from './sql/blobs.js';
import { activeDataKey } from './sql/data-keys.js';
import { countBlobRefs } from './sql/files.js';

/** What one pass of the blobs.encrypt job did. */
export interface EncryptPass {
  /** Blobs rewritten under the active data key. */
  reencrypted: number;
  /** Blobs left for a later pass: their file is being parsed, or nothing references them yet. */
  deferred: number;
  /** Blobs that could not be rewritten (missing, or not the bytes their name or record promise); logged. */
  failed: number;
  /** Unreferenced blobs older than ORPHAN_AGE_MS, deleted. */
  orphans: number;
  /** The pass stopped at its budget with blobs still to do. */
  more: boolean;
  /** When the active key was made: a rotation this recent may still see blobs from processes with the old key cached. */
  activeSince: Date;
}

type Outcome = 'reencrypted' | 'deferred' | 'failed' | 'orphans';

// A blob nobody references may be an upload whose file row is not committed yet: left alone this long.
const ORPHAN_AGE_MS = 60 * 60 * 1000;
const PAGE = 50;

/**
 * Moves a tenant's blobs onto its active data key (decision 0017): plaintext blobs from before
 * encryption at rest, and blobs of a retired epoch after `p8fs keys rotate --data`. Each blob is
 * streamed through the encrypted store into a new object, the files and artifacts that used it
 * are pointed at the new one in a transaction, and the old object is then released. Idempotent and
 * resumable: the state is in the ledger, every step can run again, the vault reads on meanwhile.
 */
export class BlobEncryptionService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly keys: DataKeys,
    private readonly queue: JobQueue,
    private readonly log: Logger,
  ) {}

  /** Queue the job for every tenant with plaintext or retired-key blobs (start-up, after a rotation). */
  async schedule(): Promise<number> {
    const tenants = await tenantsNeedingEncryption(this.db);
    for (const t of tenants) await this.enqueue(t, 0);
    if (tenants.length) this.log.info({ tenants: tenants.length }, 'scheduled blob encryption');
    return tenants.length;
  }

  /** Queue one pass for a tenant (deduped while one waits). */
  async enqueue(tenantId: string, idlePasses: number, delayMs = 0): Promise<void> {
    await this.queue.enqueue(tenantId, 'blobs.encrypt', { idle_passes: idlePasses }, { dedupeKey: 'blobs.encrypt', priority: -1, delayMs });
  }

  /** Job blobs.encrypt: one bounded pass, then a follow-up while work remains. */
  async runJob(tenantId: string, idlePasses: number): Promise<EncryptPass> {
    const r = await this.pass(tenantId);
    const recentRotation = Date.now() - r.activeSince.getTime() < 120_000;
    if (r.more) await this.enqueue(tenantId, 0);
    // Busy files finish parsing, fresh uploads commit: look again later, a bounded number of times.
    else if ((r.deferred > 0 || recentRotation) && idlePasses < 20) await this.enqueue(tenantId, r.reencrypted > 0 ? 0 : idlePasses + 1, 30_000);
    return r;
  }

  /** Passes until nothing is left to do now (CLI --wait, tests). */
  async encryptAll(tenantId: string): Promise<EncryptPass> {
    const total: EncryptPass = { reencrypted: 0, deferred: 0, failed: 0, orphans: 0, more: false, activeSince: new Date() };
    for (;;) {
      const r = await this.pass(tenantId);
      for (const k of ['reencrypted', 'failed', 'orphans'] as const) total[k] += r[k];
      total.deferred = r.deferred;
      total.activeSince = r.activeSince;
      if (!r.more) return total;
    }
  }

  /** One pass over the tenant's blobs that are not on its active key, within a time and count budget. */
  async pass(tenantId: string, budget: { maxBlobs?: number; maxMs?: number } = {}): Promise<EncryptPass> {
    const active = await this.keys.active(tenantId);
    const activeRow = await activeDataKey(this.db, tenantId);
    const out: EncryptPass = { reencrypted: 0, deferred: 0, failed: 0, orphans: 0, more: false, activeSince: activeRow?.created_at ?? new Date() };
    const until = Date.now() + (budget.maxMs ?? 60_000);
    const maxBlobs = budget.maxBlobs ?? 500;
    let after = '';
    let seen = 0;
    for (;;) {
      const rows = await blobsOffKey(this.db, tenantId, active.id, PAGE, after);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (seen >= maxBlobs || Date.now() > until) {
          out.more = true;
          break;
        }
        after = row.blob_key;
        seen++;
        out[await this.one(tenantId, row)]++;
      }
      if (out.more) break;
    }
    this.log.info({ tenant: tenantId, ...out, activeSince: undefined }, 'blob encryption pass');
    return out;
  }

  private async one(tenantId: string, row: BlobRow): Promise<Outcome> {
    const key = row.blob_key;
    if ((await countBlobRefs(this.db, tenantId, key)) === 0) {
      if (Date.now() - row.created_at.getTime() < ORPHAN_AGE_MS) return 'deferred';
      await this.blobs.delete(tenantId, key);
      return 'orphans';
    }
    if ((await lockBlobUsers(this.db, tenantId, key)).busy) return 'deferred';
    let fresh: string;
    try {
      const stored = await this.blobs.put(tenantId, await this.blobs.get(tenantId, key));
      fresh = stored.key;
      // A plaintext blob's name is the SHA-256 of what it held: bytes that changed since are not re-encrypted as if they were the file.
      if (row.data_key_id === null && !key.endsWith(`/${stored.sha256}`)) {
        await this.blobs.delete(tenantId, fresh);
        this.log.error({ tenant: tenantId, blob: key }, 'plaintext blob does not match its content address; left as it is');
        return 'failed';
      }
    } catch (err) {
      if (!isAppError(err)) throw err;
      this.log.error({ tenant: tenantId, blob: key, code: err.code, err: errorMessage(err) }, 'blob could not be re-encrypted');
      return 'failed';
    }
    const moved = await this.db.transaction(async (tx) => {
      // Under the files' row locks: a parse that started since would read the old key, so wait for it.
      if ((await lockBlobUsers(tx, tenantId, key)).busy) return -1;
      return moveBlobRefs(tx, tenantId, key, fresh);
    });
    if (moved <= 0) {
      await this.blobs.delete(tenantId, fresh);
      return 'deferred';
    }
    await releaseBlobs(this.db, this.blobs, tenantId, [key]);
    return 'reencrypted';
  }
}
