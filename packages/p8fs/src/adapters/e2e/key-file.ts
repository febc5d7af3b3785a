import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { VaultKeyFile, VaultKeyStore } from '../../ports/vault-keys.js';

// <dataDir>/e2e.json: this device's X25519 key pair and the end-to-end vault it is bound to (its
// epoch keys, the trusted devices). Readable by the user only, written whole and renamed into place.
// Whoever can read it can read the vault, as with the database beside it: that is the device's job.

const B64 = z.string().regex(/^[A-Za-z0-9_-]+$/);
const FileShape = z.object({
  v: z.literal(1),
  device: z.object({ publicKey: B64, privateKey: B64 }),
  vault: z.object({
    server: z.string(),
    tenantId: z.string(),
    deviceId: z.string(),
    recoveryPublicKey: B64.nullable(),
    epochs: z.record(z.string(), B64),
    members: z.record(z.string(), z.object({ publicKey: z.string().regex(/^[A-Za-z0-9_-]*$/), hlc: z.string(), revoked: z.boolean() })),
    fingerprint: z.string().nullable(),
  }).nullable(),
});

/** The key file's path in a data dir. */
export const e2eKeyPath = (dataDir: string): string => join(dataDir, 'e2e.json');

/** The E2E key store of a data dir. */
export function fileKeyStore(dataDir: string): VaultKeyStore {
  const path = e2eKeyPath(dataDir);
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new AppError('internal', `cannot read ${path}: ${errorMessage(err)}`);
      }
      try {
        const { device, vault } = FileShape.parse(JSON.parse(text));
        return { device, vault } as VaultKeyFile;
      } catch (err) {
        throw new AppError('config.invalid', `${path} is not a valid end-to-end key file (${errorMessage(err)}); it is never replaced silently`);
      }
    },
    save(state) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, `${JSON.stringify({ v: 1, ...state }, null, 2)}\n`, { mode: 0o600 });
        renameSync(tmp, path);
      } finally {
        rmSync(tmp, { force: true });
      }
    },
  };
}

/** An in-memory key store (tests, benchmarks). */
export function memoryKeyStore(initial: VaultKeyFile | null = null): VaultKeyStore {
  let state = initial ? structuredClone(initial) : null;
  return {
    load: () => (state ? structuredClone(state) : null),
    save: (s) => {
      state = structuredClone(s);
    },
  };
}
