import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, errors, exportJWK, generateKeyPair, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Db, SqlRunner } from '../../ports/db.js';

export const SIGNING_ALG = 'ES256';

/** How long a replaced key stays in the JWKS by default: the longest access-token TTL config allows. */
export const DEFAULT_KEY_GRACE_SECONDS = 86_400;

/** Replaced keys kept at most, whatever their age. */
const KEEP_PREVIOUS = 2;

export interface SigningKey {
  kid: string;
  alg: string;
  privateJwk: JWK;
  createdAt: Date;
}

interface KeyRow {
  kid: string;
  alg: string;
  private_jwk: JWK;
  created_at: Date;
}

/** Active keys, newest first: the first one signs, the others still verify what they signed. */
export async function loadSigningKeys(db: SqlRunner): Promise<SigningKey[]> {
  const rows = await db.query<KeyRow>(
    `SELECT kid, alg, private_jwk, created_at FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid`,
  );
  return rows.map((r) => ({ kid: r.kid, alg: r.alg, privateJwk: r.private_jwk, createdAt: r.created_at }));
}

/**
 * The active keys, creating the first one when there is none. Under a lock: API processes that
 * start together on one database must not each create a first key of their own.
 */
export async function ensureSigningKeys(db: Db): Promise<SigningKey[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(8809)');
    const keys = await loadSigningKeys(tx);
    if (keys.length > 0) return keys;
    await insertKey(tx, new Date());
    return loadSigningKeys(tx);
  });
}

/** A missed kid reloads the keys at most this often, so made-up kids cannot hammer the database. */
const RELOAD_MS = 1000;

/**
 * The verification key set, following the database: a token signed with a key this process has not
 * loaded (another API process rotated it, or started with a newer one) reloads the active keys once
 * and tries again.
 */
export function databaseJwks(db: SqlRunner, initial: readonly SigningKey[]): JWTVerifyGetKey {
  const localSet = (keys: readonly SigningKey[]) => createLocalJWKSet({ keys: keys.map((k) => publicJwk(k.privateJwk)) });
  let local = localSet(initial);
  let reloadedAt = 0;
  return async (header, token) => {
    try {
      return await local(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || Date.now() - reloadedAt < RELOAD_MS) throw err;
      reloadedAt = Date.now();
      local = localSet(await loadSigningKeys(db));
      return local(header, token);
    }
  };
}

/**
 * Add a new signing key; it signs from the next start of the authorization server. Replaced keys
 * stay in the JWKS so the tokens they signed keep verifying, until they are more than two
 * rotations old or were replaced longer than graceSeconds ago (by then their tokens have expired).
 */
export async function rotateSigningKey(
  db: SqlRunner,
  opts: { graceSeconds?: number; now?: Date } = {},
): Promise<SigningKey> {
  const now = opts.now ?? new Date();
  const grace = opts.graceSeconds ?? DEFAULT_KEY_GRACE_SECONDS;
  const created = await insertKey(db, now);
  const active = await loadSigningKeys(db);
  // active[0] is the new key; active[i] was replaced when active[i - 1] was created.
  const retire = active.slice(1).flatMap((key, i) => {
    const replacedAt = (active[i] as SigningKey).createdAt;
    const tooOld = i >= KEEP_PREVIOUS || now.getTime() - replacedAt.getTime() > grace * 1000;
    return tooOld ? [key.kid] : [];
  });
  if (retire.length > 0)
    await db.query(`UPDATE signing_keys SET retired_at = $2 WHERE kid = ANY($1::text[])`, [retire, now]);
  return created;
}

async function insertKey(db: SqlRunner, now: Date): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = randomUUID();
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  await db.query(`INSERT INTO signing_keys (kid, alg, private_jwk, created_at) VALUES ($1, $2, $3::jsonb, $4)`, [
    kid,
    SIGNING_ALG,
    JSON.stringify(privateJwk),
    now,
  ]);
  return { kid, alg: SIGNING_ALG, privateJwk, createdAt: now };
}

/** The public half of a private JWK, as the JWKS publishes it. */
export function publicJwk(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  return pub;
}
