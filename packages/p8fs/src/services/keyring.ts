import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { isSealedSecret, openSecret, sealedKeyId, sealSecret } from '../domain/sealed-secret.js';
import type { Db, SqlRunner } from '../ports/db.js';
import { type DataKey, type DataKeys, type KeyWrapper, type SecretBox, SYSTEM_SCOPE } from '../ports/key-wrapper.js';
import type { Logger } from '../ports/logger.js';
import * as sql from './sql/data-keys.js';

export interface KeyRingOptions {
  /** Unwrapped data keys kept in memory (least recently used go first). */
  maxCached?: number;
  /** How long the active key id of a scope is trusted before the database is asked again (a data rotation elsewhere). */
  activeTtlMs?: number;
}

/**
 * Data keys for blobs and secrets (decision 0017): created on first use per scope, wrapped under the
 * master key by the KeyWrapper, unwrapped on demand and cached in memory (bounded). The database
 * holds only wrapped keys.
 */
export class KeyRing implements DataKeys {
  private readonly cache = new Map<string, DataKey>();
  private readonly activeIds = new Map<string, { id: string; at: number }>();
  private readonly maxCached: number;
  private readonly activeTtlMs: number;

  constructor(
    private readonly db: Db,
    private readonly wrapper: KeyWrapper,
    private readonly log: Logger,
    opts: KeyRingOptions = {},
  ) {
    this.maxCached = opts.maxCached ?? 1024;
    this.activeTtlMs = opts.activeTtlMs ?? 30_000;
  }

  /** The master key(s) this process holds. */
  get kekIds(): readonly string[] {
    return this.wrapper.kekIds;
  }

  /**
   * Start-up check: every master key the stored data keys are wrapped under is one this process
   * has, and one key per master key unwraps. A wrong master key stops start-up with
   * crypto.key_unavailable, never with garbage later.
   */
  async verify(): Promise<void> {
    const inUse = await sql.kekIdsInUse(this.db);
    const missing = inUse.filter((k) => !this.wrapper.kekIds.includes(k.kek_id));
    if (missing.length > 0) {
      throw new AppError('crypto.key_unavailable',
        `wrong master key: this vault's data keys are wrapped under ${missing.map((m) => `${m.kek_id} (${m.keys} data key${m.keys === 1 ? '' : 's'})`).join(', ')}, ` +
        `but the configured master key is ${this.wrapper.kekIds.join(' + ')}. Use the key this vault was created with ` +
        '(<dataDir>/master.key or P8FS_MASTER_KEY; during a rotation also P8FS_MASTER_KEY_PREVIOUS)');
    }
    for (const row of await sql.oneKeyPerKek(this.db)) await this.unwrap(row);
  }

  /** `db`: run the lookups in the caller's transaction (see SecretBox). */
  async active(scope: string, db: SqlRunner = this.db): Promise<DataKey> {
    const known = this.activeIds.get(scope);
    if (known && Date.now() - known.at < this.activeTtlMs) return this.get(scope, known.id, db);
    let row = await sql.activeDataKey(db, scope);
    if (!row) row = await this.createFirst(scope, db);
    this.activeIds.set(scope, { id: row.id, at: Date.now() });
    return this.cached(row.scope, row.id) ?? this.unwrap(row);
  }

  async get(scope: string, id: string, db: SqlRunner = this.db): Promise<DataKey> {
    const hit = this.cached(scope, id);
    if (hit) return hit;
    const row = await sql.getDataKey(db, scope, id);
    if (!row) throw new AppError('crypto.key_unavailable', `${scope} has no data key ${id}`);
    return this.unwrap(row);
  }

  /** A new data key epoch for the scope: new data is encrypted with it; the old key stays for what it encrypted. */
  async rotate(scope: string): Promise<sql.DataKeyRow> {
    const id = randomUUID();
    const key = new Uint8Array(randomBytes(32));
    const wrapped = await this.wrapper.wrap(key, { scope, keyId: id });
    const row = await this.db.transaction((tx) => sql.insertNextEpoch(tx, { id, scope, kek_id: this.wrapper.kekId, wrapped }));
    this.activeIds.set(scope, { id: row.id, at: Date.now() });
    this.remember(scope, { id, key });
    this.log.info({ scope, key: id, epoch: row.epoch }, 'data key rotated');
    return row;
  }

  /**
   * Re-wrap every data key not yet under `next`'s KEK (a master key rotation). One transaction:
   * either all keys move or none. Data stays encrypted with the same data keys; nothing else changes.
   */
  async rewrapAll(next: KeyWrapper): Promise<{ rewrapped: number; total: number }> {
    return this.db.transaction(async (tx) => {
      const rows = await sql.allDataKeysForUpdate(tx);
      let rewrapped = 0;
      for (const row of rows) {
        if (row.kek_id === next.kekId) continue;
        const ctx = { scope: row.scope, keyId: row.id };
        const key = await this.wrapper.unwrap(row.wrapped, row.kek_id, ctx);
        await sql.rewrapDataKey(tx, row.id, next.kekId, await next.wrap(key, ctx));
        rewrapped++;
      }
      return { rewrapped, total: rows.length };
    });
  }

  /** Sealing for the server's own secrets, under the system scope's data key. */
  secrets(): SecretBox {
    return {
      seal: async (plaintext, purpose, tx) => sealSecret(await this.active(SYSTEM_SCOPE, tx), plaintext, purpose),
      open: async (envelope, purpose, tx) => {
        const id = sealedKeyId(envelope);
        const out = id ? openSecret(await this.get(SYSTEM_SCOPE, id, tx), envelope, purpose) : null;
        if (!out) throw new AppError('crypto.key_unavailable', `a sealed secret (${purpose}) does not open: altered, or sealed under another vault's key`);
        return out;
      },
      isSealed: isSealedSecret,
      isCurrent: async (envelope, tx) => sealedKeyId(envelope) === (await this.active(SYSTEM_SCOPE, tx)).id,
    };
  }

  private async createFirst(scope: string, db: SqlRunner): Promise<sql.DataKeyRow> {
    const id = randomUUID();
    const key = new Uint8Array(randomBytes(32));
    const wrapped = await this.wrapper.wrap(key, { scope, keyId: id });
    // Another process may create the scope's first key at the same moment: the index keeps one.
    if (await sql.insertFirstDataKey(db, { id, scope, kek_id: this.wrapper.kekId, wrapped })) {
      this.remember(scope, { id, key });
      this.log.info({ scope, key: id }, 'data key created');
    }
    const row = await sql.activeDataKey(db, scope);
    if (!row) throw new AppError('internal', `no active data key for ${scope} after creating one`);
    return row;
  }

  private async unwrap(row: sql.DataKeyRow): Promise<DataKey> {
    const key = await this.wrapper.unwrap(row.wrapped, row.kek_id, { scope: row.scope, keyId: row.id });
    const dk = { id: row.id, key };
    this.remember(row.scope, dk);
    return dk;
  }

  private cached(scope: string, id: string): DataKey | undefined {
    const k = `${scope}/${id}`;
    const hit = this.cache.get(k);
    if (hit) {
      this.cache.delete(k);
      this.cache.set(k, hit);
    }
    return hit;
  }

  private remember(scope: string, dk: DataKey): void {
    this.cache.set(`${scope}/${dk.id}`, dk);
    while (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
  }
}
