import { Command } from 'commander';
import type { KeysStatus } from '../../../services/keys.js';
import type { CommandFactory } from '../command.js';
import { cliContext, oneShotLogLevel } from '../context.js';
import { openEmbedded } from '../embedded.js';
import { examples, json, table } from '../format.js';

// Operator commands on the vault's storage, in process (like `p8fs auth rotate-keys`): an embedded
// vault must not be served meanwhile (the data-dir lock says so); on PostgreSQL they run beside the servers.

/** `p8fs keys status`: data keys, their master key, and how many blobs each encrypts. */
const keysStatusCommand: CommandFactory = (io) =>
  new Command('status')
    .description('Show the data keys (id, epoch, state, the master key that wraps them), how many blobs each encrypts, and how many blobs are still plaintext')
    .option('--tenant <id>', 'one tenant only')
    .option('--json', 'print {kek_ids, keys: [{scope, id, epoch, state, kek_id, created_at, blobs}], plaintext: [{tenant_id, blobs}]}')
    .addHelpText('after', examples('p8fs keys status', 'p8fs keys status --tenant local --json'))
    .action(async (opts: { tenant?: string; json?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd, io);
      const vault = await openEmbedded(ctx.config, 'cli', oneShotLogLevel(ctx));
      try {
        const s = await vault.app.services.keys.status(opts.tenant);
        io.out(opts.json ? json(statusJson(s)) : renderStatus(s));
      } finally {
        await vault.close();
      }
    });

/** `p8fs keys rotate`: a new master key (re-wrap), or with --data a new data key epoch (re-encrypt). */
const keysRotateCommand: CommandFactory = (io) =>
  new Command('rotate')
    .description(
      'Without --data: a new master key. The data keys are re-wrapped under it in one transaction; blobs are untouched. ' +
        'Embedded: a new key is written to <data-dir>/master.key.next, then replaces master.key once every data key is ' +
        'wrapped under it (run again after a crash: it finishes). Servers: set P8FS_MASTER_KEY to the new key and ' +
        'P8FS_MASTER_KEY_PREVIOUS to the old one on every process, run this, then drop P8FS_MASTER_KEY_PREVIOUS. ' +
        'With --data: a new data key epoch for every tenant (or --tenant), and the blobs.encrypt job re-encrypts their ' +
        'blobs in the background (p8fs serve or p8fs worker runs it; the vault stays readable; `p8fs keys status` shows progress)',
    )
    .option('--data', 'rotate data keys (new epoch + re-encryption) instead of the master key')
    .option('--tenant <id>', 'with --data: one tenant only')
    .option('--wait', 'with --data: re-encrypt in this process now instead of in the background')
    .option('--json', 'print what was done as JSON')
    .addHelpText('after', examples(
      'p8fs keys rotate',
      'P8FS_MASTER_KEY="$(openssl rand -base64 32)" P8FS_MASTER_KEY_PREVIOUS="$OLD_KEY" p8fs keys rotate --storage-provider postgres',
      'p8fs keys rotate --data --tenant local --wait',
      'p8fs keys rotate --data --json',
    ))
    .action(async (opts: { data?: boolean; tenant?: string; wait?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd, io);
      const vault = await openEmbedded(ctx.config, 'cli', oneShotLogLevel(ctx));
      try {
        const { keys, blobEncryption } = vault.app.services;
        if (!opts.data) {
          const { beginMasterKeyRotation } = await import('../../../adapters/keys/rotation.js');
          const rotation = beginMasterKeyRotation(ctx.config);
          const r = await keys.rotateMaster(rotation.next);
          rotation.finish();
          if (opts.json) return io.out(json({ kek_id: r.kekId, rewrapped: r.rewrapped, total: r.total, source: rotation.source }));
          io.out(`master key rotated: ${r.rewrapped} of ${r.total} data keys re-wrapped under ${r.kekId}\n`);
          io.out(rotation.source === 'file'
            ? `${ctx.config.dataDir}/master.key now holds the new key: back it up (the old one no longer opens this vault)\n`
            : 'every data key is under P8FS_MASTER_KEY now: P8FS_MASTER_KEY_PREVIOUS can be removed from every process\n');
          return;
        }
        const rotated = await keys.rotateData(opts.tenant);
        const results = [];
        for (const r of rotated) {
          const pass = opts.wait && r.scope !== '_system' ? await blobEncryption.encryptAll(r.scope) : null;
          results.push({ scope: r.scope, key_id: r.id, epoch: r.epoch, ...(pass && { reencrypted: pass.reencrypted, deferred: pass.deferred, failed: pass.failed }) });
        }
        if (opts.json) return io.out(json({ rotated: results }));
        for (const r of results) {
          const done = 'reencrypted' in r ? `: ${r.reencrypted} blobs re-encrypted, ${r.deferred} deferred, ${r.failed} failed` : '';
          io.out(`${r.scope}: data key epoch ${r.epoch} (${r.key_id})${done}\n`);
        }
        if (results.some((r) => (r.deferred ?? 0) > 0))
          io.out('deferred: blobs of files still waiting to be parsed (or uploads in flight); the queued blobs.encrypt job moves them once a server or `p8fs worker` has processed those files\n');
        if (!opts.wait) io.out('re-encryption queued: `p8fs serve` or `p8fs worker` runs it; `p8fs keys status` shows progress\n');
      } finally {
        await vault.close();
      }
    });

/** `p8fs keys`: encryption at rest keys. */
export const keysCommand: CommandFactory = (io) =>
  new Command('keys')
    .summary('encryption at rest: key status and rotation')
    .description('Encryption at rest (docs/security/at-rest.md): every blob and stored secret is encrypted with a per-tenant data key, wrapped by the master key')
    .addHelpText('after', examples('p8fs keys status', 'p8fs keys rotate', 'p8fs keys rotate --data --tenant local'))
    .addCommand(keysStatusCommand(io))
    .addCommand(keysRotateCommand(io));

function statusJson(s: KeysStatus) {
  return {
    kek_ids: s.kekIds,
    keys: s.keys.map((k) => ({ scope: k.scope, id: k.id, epoch: k.epoch, state: k.state, kek_id: k.kekId, created_at: k.createdAt, blobs: k.blobs })),
    plaintext: s.plaintext.map((p) => ({ tenant_id: p.tenantId, blobs: p.blobs })),
  };
}

function renderStatus(s: KeysStatus): string {
  const lines = [`master key: ${s.kekIds[0]}${s.kekIds.length > 1 ? ` (also unwraps with ${s.kekIds.slice(1).join(', ')})` : ''}\n`];
  if (s.keys.length === 0) lines.push('no data keys yet (the first is made with the first blob or secret)\n');
  else lines.push(table([
    ['SCOPE', 'EPOCH', 'STATE', 'KEY ID', 'MASTER KEY', 'BLOBS', 'CREATED'],
    ...s.keys.map((k) => [k.scope, String(k.epoch), k.state, k.id, k.kekId, k.scope === '_system' ? '-' : String(k.blobs), k.createdAt]),
  ]));
  const plain = s.plaintext.filter((p) => p.blobs > 0);
  lines.push(plain.length === 0
    ? 'plaintext blobs: none\n'
    : `plaintext blobs (the blobs.encrypt job has not reached them yet): ${plain.map((p) => `${p.tenantId} ${p.blobs}`).join(', ')}\n`);
  return lines.join('');
}
