import { createHash } from 'node:crypto';
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { SqlRunner } from '../../ports/db.js';

/**
 * A model found by user code or uid comes back with this prefix on its jti: the raw id is unknown
 * (only its hash is stored), and the provider saves, consumes or destroys the model through that jti.
 * find() never honours it, so a presented token is always hashed: knowing a stored hash gets nobody in.
 */
const STORED_KEY = 'stored-sha256:';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The row key of an id the provider hands back (see STORED_KEY). */
function keyOf(id: string): string {
  return id.startsWith(STORED_KEY) ? id.slice(STORED_KEY.length) : sha256Hex(id);
}

interface Row {
  id: string;
  payload: AdapterPayload;
  grant_id: string | null;
  consumed_at: Date | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > now())';

/**
 * oidc-provider's storage over the oauth_models table. Ids (tokens, codes, session and interaction
 * ids, user codes) are stored as SHA-256 hashes and the jti is left out of the payload, so a copy
 * of the database holds no usable credential. Grants keep their plain id in grant_id: it is no
 * credential, and revoking a device needs it.
 */
export function oauthModelAdapter(db: SqlRunner): AdapterConstructor {
  return class OAuthModelAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
      const { jti: _jti, ...stored } = payload;
      const grantId = this.model === 'Grant' ? id : (payload.grantId ?? null);
      const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
      await db.query(
        `INSERT INTO oauth_models (model, id, payload, grant_id, user_code, uid, expires_at)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
           user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
        [
          this.model,
          keyOf(id),
          JSON.stringify(stored),
          grantId,
          payload.userCode ? sha256Hex(payload.userCode) : null,
          payload.uid ?? null,
          expiresAt,
        ],
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const [row] = await db.query<Row>(
        `SELECT id, payload, grant_id, consumed_at FROM oauth_models WHERE model = $1 AND id = $2 AND ${LIVE}`,
        [this.model, sha256Hex(id)],
      );
      return row ? withState(row, id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const [row] = await db.query<Row>(
        `SELECT id, payload, grant_id, consumed_at FROM oauth_models WHERE model = $1 AND user_code = $2 AND ${LIVE}`,
        [this.model, sha256Hex(userCode)],
      );
      return row ? withState(row, STORED_KEY + row.id) : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const [row] = await db.query<Row>(
        `SELECT id, payload, grant_id, consumed_at FROM oauth_models WHERE model = $1 AND uid = $2 AND ${LIVE}`,
        [this.model, uid],
      );
      return row ? withState(row, STORED_KEY + row.id) : undefined;
    }

    async consume(id: string): Promise<void> {
      await db.query(`UPDATE oauth_models SET consumed_at = now() WHERE model = $1 AND id = $2`, [this.model, keyOf(id)]);
    }

    async destroy(id: string): Promise<void> {
      await db.query(`DELETE FROM oauth_models WHERE model = $1 AND id = $2`, [this.model, keyOf(id)]);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.query(`DELETE FROM oauth_models WHERE model = $1 AND grant_id = $2`, [this.model, grantId]);
    }
  };
}

/** The payload as the provider stored it, with its jti and consumption time put back. */
function withState(row: Row, jti: string): AdapterPayload {
  const payload: AdapterPayload = { ...row.payload, jti };
  if (row.consumed_at) payload.consumed = Math.floor(row.consumed_at.getTime() / 1000);
  return payload;
}

/** Delete every model of the given grants (tokens, codes, the grants themselves). */
export async function revokeGrants(db: SqlRunner, grantIds: readonly string[]): Promise<void> {
  if (grantIds.length === 0) return;
  await db.query(`DELETE FROM oauth_models WHERE grant_id = ANY($1::text[])`, [grantIds]);
}

/**
 * Delete expired models. find() already ignores them; this only keeps the table small (run it at
 * start and from a periodic job). Returns how many rows went.
 */
export async function pruneExpiredModels(db: SqlRunner): Promise<number> {
  const rows = await db.query(`DELETE FROM oauth_models WHERE expires_at < now() RETURNING 1`);
  return rows.length;
}
