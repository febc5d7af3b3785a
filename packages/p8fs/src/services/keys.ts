import { AppError } from '../domain/errors.js';
import type { Db } from '../ports/db.js';
import { type KeyWrapper, SYSTEM_SCOPE } from '../ports/key-wrapper.js';
import type { Logger } from '../ports/logger.js';
import type { BlobEncryptionService } from './blob-encryption.js';
import type { KeyRing } from './keyring.js';
import { plaintextCounts } from './sql/blobs.js';
import { dataKeysWithCounts } from './sql/data-keys.js';

/** One data key as `p8fs keys status` shows it. */
export interface DataKeyStatus {
  scope: string;
  id: string;
  epoch: number;
  state: 'active' | 'retired';
  kekId: string;
  createdAt: string;
  /** Blobs encrypted with this key. */
  blobs: number;
}

export interface KeysStatus {
  /** The master key(s) this process holds: the one that wraps first. */
  kekIds: string[];
  keys: DataKeyStatus[];
  /** Per tenant: blobs still stored in plaintext (the blobs.encrypt job has not reached them yet). */
  plaintext: { tenantId: string; blobs: number }[];
}

/**
 * Key management for the operator (`p8fs keys`): status, master key rotation (re-wrap), data key
 * rotation (new epoch + re-encryption job). These act on the vault as a whole, like `p8fs auth
 * rotate-signing-key`: they run where the database and the master key are, not for a tenant's
 * actor, and have no HTTP route.
 */
export class KeysService {
  constructor(
    private readonly db: Db,
    private readonly ring: KeyRing,
    private readonly encryption: BlobEncryptionService,
    private readonly log: Logger,
    /** Re-seal stored secrets under the system scope's active key (the app passes the signing keys' step). */
    private readonly resealSecrets: () => Promise<number> = async () => 0,
  ) {}

  /** Data keys (one scope, or all), blobs per key, plaintext blobs per tenant. */
  async status(scope?: string): Promise<KeysStatus> {
    const keys = await dataKeysWithCounts(this.db, scope);
    const plain = await plaintextCounts(this.db, scope);
    return {
      kekIds: [...this.ring.kekIds],
      keys: keys.map((k) => ({
        scope: k.scope, id: k.id, epoch: k.epoch, state: k.state, kekId: k.kek_id, createdAt: new Date(k.created_at).toISOString(), blobs: k.blobs,
      })),
      plaintext: plain.map((p) => ({ tenantId: p.tenant_id, blobs: p.blobs })),
    };
  }

  /** Re-wrap every data key under `next` (the new master key). Blobs are untouched. */
  async rotateMaster(next: KeyWrapper): Promise<{ rewrapped: number; total: number; kekId: string }> {
    const r = await this.ring.rewrapAll(next);
    this.log.info({ ...r, kek: next.kekId }, 'master key rotation: data keys re-wrapped');
    return { ...r, kekId: next.kekId };
  }

  /**
   * A new data key epoch for one tenant, or every tenant and the system scope, and the
   * re-encryption job queued for each tenant. Returns the new keys.
   */
  async rotateData(tenantId?: string): Promise<{ scope: string; id: string; epoch: number }[]> {
    if (tenantId && (await this.db.query('SELECT 1 FROM tenants WHERE tenant_id = $1', [tenantId])).length === 0)
      throw new AppError('not_found', `no tenant ${tenantId}`);
    const scopes = tenantId
      ? [tenantId]
      : [...(await this.db.query<{ tenant_id: string }>('SELECT tenant_id FROM tenants ORDER BY tenant_id')).map((t) => t.tenant_id), SYSTEM_SCOPE];
    const out: { scope: string; id: string; epoch: number }[] = [];
    for (const scope of scopes) {
      const row = await this.ring.rotate(scope);
      if (scope !== SYSTEM_SCOPE) await this.encryption.enqueue(scope, 0);
      out.push({ scope, id: row.id, epoch: row.epoch });
    }
    if (scopes.includes(SYSTEM_SCOPE)) await this.resealSecrets();
    return out;
  }
}
