import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError, errorMessage } from '../../domain/errors.js';
import { type Ed25519KeyPair, generateEd25519KeyPair, publicKeyOf } from '../../domain/ed25519.js';
import { writePrivateJson } from './credentials.js';

// This device's Ed25519 key pair: it proves the device at registration and signs approvals.
// Same file and format as `p8fs auth keygen` writes.

const KeyFile = z.object({ public_key: z.string(), private_key: z.string() });

export function deviceKeyPath(dataDir: string): string {
  return join(dataDir, 'device.key');
}

/** The stored key pair, or null when there is none; a damaged or mismatched file is an error, never replaced silently. */
export function readDeviceKey(dataDir: string): Ed25519KeyPair | null {
  const path = deviceKeyPath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AppError('internal', `cannot read ${path}: ${errorMessage(err)}`);
  }
  try {
    const { public_key, private_key } = KeyFile.parse(JSON.parse(text));
    if (publicKeyOf(private_key) !== public_key) throw new Error('its public key does not match its private key');
    return { publicKey: public_key, privateKey: private_key };
  } catch (err) {
    throw new AppError('config.invalid', `${path} is not a valid device key (${errorMessage(err)})`);
  }
}

/** The stored key pair, created (readable by this user only) when there is none. */
export function loadOrCreateDeviceKey(dataDir: string): { key: Ed25519KeyPair; created: boolean } {
  const existing = readDeviceKey(dataDir);
  if (existing) return { key: existing, created: false };
  const key = generateEd25519KeyPair();
  writePrivateJson(deviceKeyPath(dataDir), { public_key: key.publicKey, private_key: key.privateKey });
  return { key, created: true };
}
