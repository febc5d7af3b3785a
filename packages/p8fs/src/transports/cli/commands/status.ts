import type { VaultStatus } from '@p8fs/contracts';
import { Command } from 'commander';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json, table } from '../format.js';
import { withVault } from '../vault/open.js';

/** `p8fs status`: is the vault healthy and busy? */
export const statusCommand: CommandFactory = (io) =>
  new Command('status')
    .summary('counts of files, chunks, vectors and jobs')
    .description('Show the vault: files by status, chunks, vectors, jobs and the embedder backlog')
    .option('--json', 'print the VaultStatus JSON')
    .addHelpText('after', examples('p8fs status', 'p8fs status --server http://127.0.0.1:8808 --json'))
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { status, location } = await withVault(cliContext(cmd, io), async (vault) => ({ status: await vault.status(), location: vault.location }));
      io.out(opts.json ? json(status) : render(status, location));
    });

const counts = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k} ${v}`).join('  ');

function render(s: VaultStatus, location: string): string {
  return table([
    ['vault', `p8fs ${s.version}, tenant ${s.tenant_id}, ${location}`],
    // A server shows its path only to its local owner.
    ['data dir', s.data_dir ?? '(not shown)'],
    ['files', counts(s.files)],
    ['chunks', String(s.resources)],
    ['vectors', `${s.embeddings} (${s.embedder.id}, ${s.embedder.dimension} dimensions, ${s.embedder.pending} waiting)`],
    ['jobs', counts(s.jobs)],
  ]);
}
