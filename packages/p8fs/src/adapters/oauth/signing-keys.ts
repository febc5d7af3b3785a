import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, errors, exportJWK, generateKeyPair, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Db, SqlRunner } from '../../ports/db.js';
import type { SecretBox } from '../../ports/key-wrapper.js';

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
  /** Sealed (a string from SecretBox.seal, decision 0017), or a plaintext JWK written before encryption at rest. */
  private_jwk: JWK | string;
  created_at: Date;
}

// Binds a sealed private key to its row: copied onto another kid, it does not open.
const purpose = (kid: string) => `signing_keys:${kid}`;

/** Active keys, newest first: the first one signs, the others still verify what they signed. */
export async function loadSigningKeys(db: SqlRunner, secrets?: SecretBox): Promise<SigningKey[]> {
  const rows = await db.query<KeyRow>(
    `SELECT kid, alg, private_jwk, created_at FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid`,
  );
  const keys: SigningKey[] = [];
  for (const r of rows) keys.push({ kid: r.kid, alg: r.alg, privateJwk: await openJwk(db, r, secrets), createdAt: r.created_at });
  return keys;
}

// `db` may be an open transaction: the key lookup must run inside it.
async function openJwk(db: SqlRunner, r: KeyRow, secrets: SecretBox | undefined): Promise<JWK> {
  if (typeof r.private_jwk !== 'string') return r.private_jwk;
  if (!secrets) throw new Error(`signing key ${r.kid} is sealed and no SecretBox was given`);
  return JSON.parse(Buffer.from(await secrets.open(r.private_jwk, purpose(r.kid), db)).toString('utf8')) as JWK;
}

/**
 * Start-up step: seal every private JWK still stored in plaintext (written before encryption at
 * rest), and re-seal those under a retired system data key (after `p8fs keys rotate --data`).
 * Under the signing-key lock, so API processes starting together do it once. Returns how many rows changed.
 */
export async function sealSigningKeys(db: Db, secrets: SecretBox): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(8809)');
    const rows = await tx.query<KeyRow>(`SELECT kid, alg, private_jwk, created_at FROM signing_keys`);
    let changed = 0;
    for (const r of rows) {
      if (typeof r.private_jwk === 'string' && (await secrets.isCurrent(r.private_jwk, tx))) continue;
      const jwk = await openJwk(tx, r, secrets);
      await tx.query(`UPDATE signing_keys SET private_jwk = $2::jsonb WHERE kid = $1`, [r.kid, await sealedJson(tx, r.kid, jwk, secrets)]);
      changed++;
    }
    return changed;
  });
}

async function sealedJson(db: SqlRunner, kid: string, jwk: JWK, secrets: SecretBox | undefined): Promise<string> {
  if (!secrets) return JSON.stringify(jwk);
  return JSON.stringify(await secrets.seal(new Uint8Array(Buffer.from(JSON.stringify(jwk), 'utf8')), purpose(kid), db));
}

/**
 * The active keys, creating the first one when there is none. Under a lock: API processes that
 * start together on one database must not each create a first key of their own.
 */
export async function ensureSigningKeys(db: Db, secrets?: SecretBox): Promise<SigningKey[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(8809)');
    const keys = await loadSigningKeys(tx, secrets);
    if (keys.length > 0) return keys;
    await insertKey(tx, new Date(), secrets);
    return loadSigningKeys(tx, secrets);
  });
}

/** A missed kid reloads the keys at most this often, so made-up kids cannot hammer the database. */
const RELOAD_MS = 1000;

/**
 * The verification key set, following the database: a token signed with a key this process has not
 * loaded (another API process rotated it, or started with a newer one) reloads the active keys once
 * and tries again.
 */
export function databaseJwks(db: SqlRunner, initial: readonly SigningKey[], secrets?: SecretBox): JWTVerifyGetKey {
  const localSet = (keys: readonly SigningKey[]) => createLocalJWKSet({ keys: keys.map((k) => publicJwk(k.privateJwk)) });
  let local = localSet(initial);
  let reloadedAt = 0;
  return async (header, token) => {
    try {
      return await local(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || Date.now() - reloadedAt < RELOAD_MS) throw err;
      reloadedAt = Date.now();
      local = localSet(await loadSigningKeys(db, secrets));
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
  opts: { graceSeconds?: number; now?: Date; secrets?: SecretBox } = {},
): Promise<SigningKey> {
  const now = opts.now ?? new Date();
  const grace = opts.graceSeconds ?? DEFAULT_KEY_GRACE_SECONDS;
  const created = await insertKey(db, now, opts.secrets);
  const active = await loadSigningKeys(db, opts.secrets);
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

/** A new key, its private JWK sealed when a SecretBox is given (the app always gives one; bare tests may not). */
async function insertKey(db: SqlRunner, now: Date, secrets: SecretBox | undefined): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = randomUUID();
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  await db.query(`INSERT INTO signing_keys (kid, alg, private_jwk, created_at) VALUES ($1, $2, $3::jsonb, $4)`, [
    kid,
    SIGNING_ALG,
    await sealedJson(db, kid, privateJwk, secrets),
    now,
  ]);
  return { kid, alg: SIGNING_ALG, privateJwk, createdAt: now };
}

/** The public half of a private JWK, as the JWKS publishes it. */
export function publicJwk(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  return pub;
}
