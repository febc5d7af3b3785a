import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Whoever can read the data dir owns the vault (they could read its database files anyway). The
// server keeps a random secret there, readable by that user only; presenting it to the server's
// local-token endpoint proves the caller is on this machine as the owner, so `p8fs auth token`
// and CLI commands against a running embedded server need no sign-in.

const secretPath = (dataDir: string) => join(dataDir, 'owner.secret');

/** The data dir's owner secret, created (mode 0600) on first use. */
export function ensureOwnerSecret(dataDir: string): string {
  const existing = readOwnerSecret(dataDir);
  if (existing !== null) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(secretPath(dataDir), `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(secretPath(dataDir), 0o600);
  return secret;
}

/** The owner secret, or null when the data dir has none (yet) or it cannot be read. */
export function readOwnerSecret(dataDir: string): string | null {
  try {
    const s = readFileSync(secretPath(dataDir), 'utf8').trim();
    return s === '' ? null : s;
  } catch {
    return null;
  }
}
