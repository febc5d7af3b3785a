import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { type BackupManifest, parseManifest } from '../../../domain/backup/manifest.js';
import { AppError, errorMessage } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { examples, formatBytes, json } from '../format.js';
import type { VaultClient } from '../vault/client.js';
import { withVault } from '../vault/open.js';

interface BackupFlags {
  includeMasterKey?: boolean;
  force?: boolean;
  json?: boolean;
}

/** Tries when the archive fails while streaming (a blob deleted after the dump: the next snapshot no longer needs it). */
const TRIES = 3;

/**
 * `p8fs backup FILE` (decision 0021): a consistent archive of the embedded vault, taken in process or
 * by the server that holds the data dir (the VaultClient decides), written to FILE.partial and
 * renamed when whole, 0600.
 */
export const backupCommand: CommandFactory = (io) =>
  new Command('backup')
    .summary('write a consistent archive of the vault')
    .description('Write a consistent, versioned archive of the embedded vault (database dump and blobs, still encrypted) to FILE, also while `p8fs serve` runs. ' +
      'The master key is left out unless --include-master-key: keep it apart (docs/security/at-rest.md). With PostgreSQL and S3, see docs/deploy.md.')
    .argument('<file>', 'the archive to write (a tar)')
    .option('--include-master-key', 'put master.key in the archive: whoever holds the file can then read the whole vault')
    .option('--force', 'replace FILE if it exists')
    .option('--json', 'print the manifest summary as JSON')
    .addHelpText('after', examples('p8fs backup ~/backups/vault-$(date +%F).tar', 'p8fs backup --include-master-key /mnt/safe/vault.tar'))
    .action(async (fileArg: string, opts: BackupFlags, cmd: Command) => {
      const ctx = cliContext(cmd, io);
      const file = resolve(fileArg);
      if (existsSync(file) && !opts.force) throw new AppError('conflict', `${file} exists: choose another name, or pass --force to replace it`);
      if (ctx.config.storageProvider !== 'pglite' || ctx.config.blobProvider !== 'fs') {
        throw new AppError('conflict', 'p8fs backup covers the embedded vault (PGlite and a local blob folder); with PostgreSQL and S3 use pg_dump and bucket versioning or rclone: see docs/deploy.md (Backups)');
      }
      const includeMasterKey = opts.includeMasterKey ?? false;
      await withVault(ctx, (vault) => writeWithRetries(vault, file, includeMasterKey, (msg) => io.err(msg)));
      const manifest = readManifest(file);
      const bytes = statSync(file).size;
      io.err(includeMasterKey
        ? 'p8fs: WARNING: this backup holds the master key: whoever has the file can read every note in it. Store it like the key itself.\n'
        : 'p8fs: this backup does not hold the master key: it cannot be restored without <dataDir>/master.key or P8FS_MASTER_KEY. Keep a copy of the key apart from the backup (or use --include-master-key).\n');
      // The blobs are ciphertext, the database's text and vectors are not (docs/security/at-rest.md).
      io.err('p8fs: the database dump in it holds your notes\' extracted text unencrypted, as the data dir does: keep the file private (e.g. encrypt it with age or gpg before it leaves this machine).\n');
      if (manifest.missing_blobs.length) {
        io.err(`p8fs: WARNING: ${manifest.missing_blobs.length} blob(s) the database names were already missing from the store; their files cannot be downloaded after a restore (listed in manifest.json missing_blobs)\n`);
      }
      if (opts.json) return io.out(json({ file, bytes, ...summary(manifest) }));
      const c = manifest.counts;
      io.out(`backup written to ${file} (${formatBytes(bytes)}): ${c.files} files, ${c.resources} resources, ${c.blobs} blobs, ${c.tenants} account(s); migration ${manifest.migration}\n`);
    });

async function writeWithRetries(vault: VaultClient, file: string, includeMasterKey: boolean, note: (msg: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    // Errors before the first byte (not the owner, scale-out) are final; errors while streaming are retried.
    const chunks = await vault.backup({ includeMasterKey });
    try {
      await writeAtomically(file, chunks);
      return;
    } catch (err) {
      if (attempt >= TRIES) throw err;
      note(`p8fs: the backup failed while streaming (${errorMessage(err)}); trying again\n`);
    }
  }
}

/** Stream chunks into FILE.partial (0600, never an existing file), then rename it into place. */
async function writeAtomically(file: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  const handle = await open(partial, 'wx', 0o600);
  try {
    for await (const chunk of chunks) await handle.write(chunk);
    await handle.sync();
    await handle.close();
    renameSync(partial, file);
  } catch (err) {
    await handle.close().catch(() => {});
    rmSync(partial, { force: true });
    throw err;
  }
}

/** The archive's first member, manifest.json (read back from the file, so a server's archive is described the same way). */
export function readManifest(file: string): BackupManifest {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(512);
    readSync(fd, header, 0, 512, 0);
    const size = Number.parseInt(header.toString('ascii', 124, 136).replace(/\0.*$/, '').trim(), 8);
    if (header.toString('utf8', 0, 13) !== 'manifest.json' || !Number.isFinite(size)) throw new AppError('validation_failed', `${file} is not a p8fs backup`);
    const body = Buffer.alloc(size);
    readSync(fd, body, 0, size, 512);
    return parseManifest(body.toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

/** The manifest without its member list (which can be long). */
export function summary(m: BackupManifest) {
  const { members, ...rest } = m;
  return { ...rest, members: members.length };
}
