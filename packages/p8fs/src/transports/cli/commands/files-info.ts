import type { FileDto, ResourceDto } from '@p8fs/contracts';
import { Command } from 'commander';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { examples, formatBytes, json, oneLine, table } from '../format.js';
import { withVault } from '../vault/open.js';

interface InfoOptions {
  chunks?: boolean;
  json?: boolean;
}

/** `p8fs files info ID`: one file's status, error and chunk count. */
export const filesInfoCommand: CommandFactory = (io) =>
  new Command('info')
    .description("Show a file: status, error, chunk count (with --chunks, the chunks themselves)")
    .argument('<id>', 'file id (see `p8fs files ls`)')
    .option('--chunks', 'also list the resources (chunks) made from it')
    .option('--json', 'print the FileDto JSON (with "resources" when --chunks)')
    .addHelpText('after', examples('p8fs files info 0b6e5c1e-…', 'p8fs files info 0b6e5c1e-… --chunks --json'))
    .action(async (id: string, opts: InfoOptions, cmd: Command) => {
      const { file, resources } = await withVault(cliContext(cmd, io), async (vault) => {
        const f = await vault.getFile(id);
        return { file: f, resources: opts.chunks ? await vault.fileResources(id) : null };
      });
      if (opts.json) return io.out(json(resources ? { ...file, resources } : file));
      io.out(render(file));
      if (resources) io.out(renderChunks(resources));
    });

function render(f: FileDto): string {
  const rows = [
    ['id', f.id], ['name', f.name], ['uri', f.uri],
    ['status', f.error ? `${f.status} (${f.error.code}: ${f.error.message})` : f.status],
    ['chunks', String(f.resource_count)], ['size', `${formatBytes(f.size)} (${f.size} bytes)`],
    ['type', f.parser ? `${f.mime_type} (parser ${f.parser})` : f.mime_type], ['sha256', f.content_hash],
    ['created', f.created_at], ['updated', f.updated_at], ['indexed', f.indexed_at ?? '-'],
  ];
  if (f.metadata.transcriptAccuracy === 'low') {
    rows.push(['transcript', `low accuracy: machine transcript by ${String(f.metadata.transcriber ?? 'an offline engine')}; check the recording before relying on it`]);
  }
  if (f.parent_id) rows.push(['inside', `${f.parent_id} (depth ${f.depth}; \`p8fs files info ${f.parent_id}\`)`]);
  const members = f.metadata.member_count;
  if (typeof members === 'number') rows.push(['members', `${members} (\`p8fs files ls --parent ${f.id}\`)`]);
  const rejected = f.metadata.rejected_members;
  if (Array.isArray(rejected) && rejected.length > 0) {
    rows.push(['refused', (rejected as { path: string; code: string }[]).map((r) => `${r.path} (${r.code})`).join(', ')]);
  }
  return table(rows);
}

function renderChunks(resources: ResourceDto[]): string {
  if (resources.length === 0) return '\nno chunks\n';
  return `\n${table(resources.map((r) => [`#${r.ordinal}`, oneLine(r.content, 100)]))}`;
}
