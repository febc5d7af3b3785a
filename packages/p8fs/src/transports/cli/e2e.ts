import type { Config } from '../../config/schema.js';
import { AppError } from '../../domain/errors.js';
import { deviceKeyStore, deviceRelay, deviceVaultKeys } from '../../e2e-device.js';
import type { Logger } from '../../ports/logger.js';
import type { SyncRelay } from '../../ports/sync-relay.js';
import type { VaultBinding } from '../../ports/vault-keys.js';
import type { VaultKeysService } from '../../services/sync/vault-keys.js';
import { serverKey, tokenFor } from './credentials.js';
import type { CliIo } from './io.js';

// What the CLI needs to know about a data dir that is a device of an end-to-end vault
// (<dataDir>/e2e.json, decision 0018): which vault, and the keys and relay to work with it.

/** The end-to-end vault this data dir is a replica of, or null. */
export function e2eBinding(dataDir: string): VaultBinding | null {
  return deviceKeyStore(dataDir).load()?.vault ?? null;
}

/**
 * True when commands must run on the data dir's own replica: it is a device of an end-to-end vault,
 * and --server is unset or names that vault's server (which could only refuse: it holds ciphertext).
 */
export function isE2eReplica(config: Pick<Config, 'dataDir' | 'server'>): boolean {
  const binding = e2eBinding(config.dataDir);
  return binding !== null && (!config.server || serverKey(config.server) === binding.server);
}

/** The server of an E2E device's vault: --server when given (it must be the vault's), else the bound one. */
export function e2eServer(config: Pick<Config, 'dataDir' | 'server'>): string | null {
  const binding = e2eBinding(config.dataDir);
  if (config.server) return serverKey(config.server);
  return binding?.server ?? null;
}

/** The relay of `server` with this device's stored sign-in (or --token). */
export function relayFor(config: Pick<Config, 'dataDir' | 'token'>, server: string): SyncRelay {
  return deviceRelay(server, async () => {
    const token = config.token ?? (await tokenFor(config, server));
    if (!token) throw new AppError('unauthorized', `not signed in to ${server}: run p8fs login --server ${server} (or p8fs recover)`);
    return token;
  });
}

/** The vault keys of this device against `server`. */
export function vaultKeysFor(config: Pick<Config, 'dataDir' | 'token'>, server: string, io: CliIo): { keys: VaultKeysService; relay: SyncRelay } {
  const relay = relayFor(config, server);
  return { keys: deviceVaultKeys(config.dataDir, relay, stderrLogger(io)), relay };
}

/** Warnings and errors of the key and sync services as plain lines on stderr (commands keep stdout for results). */
export function stderrLogger(io: CliIo): Logger {
  const line = (level: string) => (obj: object | string, msg?: string) => {
    const text = typeof obj === 'string' ? obj : msg ?? '';
    io.err(`p8fs: ${level}${text}\n`);
  };
  const logger: Logger = { debug: () => {}, info: () => {}, warn: line(''), error: line('error: '), child: () => logger };
  return logger;
}

/** The warning every E2E vault starts with, said before anything is sent. */
export const E2E_WARNING =
  'An end-to-end vault keeps its keys on your devices only: the server stores ciphertext it cannot read, search or restore.\n' +
  'You will get a 24-word recovery phrase, shown once. If you lose every device AND the phrase, the vault is lost for good:\n' +
  'nobody, not the server operator, can recover it.\n';
