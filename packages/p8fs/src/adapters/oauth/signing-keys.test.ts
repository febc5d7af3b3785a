import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/db.js';
import { KeyRing } from '../../services/keyring.js';
import { LocalKeyWrapper } from '../keys/local-key-wrapper.js';
import { ensureSigningKeys, loadSigningKeys, rotateSigningKey, sealSigningKeys } from './signing-keys.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child() { return silent; } } as never;

describe('signing keys at rest', () => {
  it('private JWKs are sealed; a plaintext row from before still reads and is sealed by the start-up step', async () => {
    const db = await createTestDb([]);
    try {
      const secrets = new KeyRing(db, new LocalKeyWrapper(randomBytes(32)), silent).secrets();
      const legacy = await rotateSigningKey(db); // no SecretBox: written as the previous version did
      const raw = async () => (await db.query<{ kid: string; private_jwk: unknown }>('SELECT kid, private_jwk FROM signing_keys ORDER BY kid'));
      expect((await raw())[0]?.private_jwk).toMatchObject({ d: legacy.privateJwk.d });
      expect((await loadSigningKeys(db, secrets))[0]?.privateJwk.d).toBe(legacy.privateJwk.d);

      expect(await sealSigningKeys(db, secrets)).toBe(1);
      expect(await sealSigningKeys(db, secrets)).toBe(0);
      const sealed = (await raw())[0]?.private_jwk as string;
      expect(sealed).toMatch(/^p8fs-sealed:v1:/);
      expect(sealed).not.toContain(legacy.privateJwk.d as string);
      expect((await loadSigningKeys(db, secrets))[0]?.privateJwk).toEqual(legacy.privateJwk);

      // New keys are sealed from the start; ensureSigningKeys opens them inside its transaction.
      const fresh = await rotateSigningKey(db, { secrets });
      expect(JSON.stringify(await raw())).not.toContain(fresh.privateJwk.d as string);
      expect((await ensureSigningKeys(db, secrets)).map((k) => k.kid)).toContain(fresh.kid);

      // A sealed value copied onto another row does not open there.
      await db.query(`UPDATE signing_keys SET private_jwk = $1::jsonb WHERE kid = $2`, [JSON.stringify(sealed), fresh.kid]);
      await expect(loadSigningKeys(db, secrets)).rejects.toThrow(/does not open/);
    } finally {
      await db.close();
    }
  });
});
