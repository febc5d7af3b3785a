import { Command } from 'commander';
import { type Chunk, chunkDocument } from '../../../domain/chunking.js';
import { AppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json } from '../format.js';
import { basename } from 'node:path';
import { createParseRunner } from '../../../adapters/parse/index.js';
import { blocksToMarkdown, readLocal } from './parse-file.js';

/** `p8fs process FILE`: parse and chunk a local file exactly as ingest would, and show the result. */
export const processCommand: CommandFactory = (io) =>
  new Command('process')
    .summary('parse and chunk a file and show the Markdown, chunks and metadata')
    .description(
      'Parse and chunk a local file as ingest would and print the extracted Markdown, the chunks (ordinal, ' +
        'heading path, page, tokens, text) and the metadata. Nothing is stored; needs no vault. Chunk size comes ' +
        'from --chunk-tokens / --chunk-overlap-tokens (or P8FS_CHUNK_TOKENS / P8FS_CHUNK_OVERLAP_TOKENS)',
    )
    .argument('<file>', 'a local file')
    .option('--json', 'print {file,parser:{id,version},mimeType,reason,title,metadata,markdown,chunks} and nothing else')
    .addHelpText('after', examples(
      'p8fs process report.pdf',
      'p8fs process notes.md --chunk-tokens 128 --chunk-overlap-tokens 16',
      'p8fs process slides.pptx --json | jq ".chunks | length"',
    ))
    .action(async (file: string, opts: { json?: boolean }, cmd: Command) => {
      // --chunk-tokens and --chunk-overlap-tokens are the global config flags, so they are validated
      // (range, overlap < size) by the config schema like every other setting, before any parsing.
      const { config } = cliContext(cmd, io);
      const bytes = await readLocal(file);
      const name = basename(file);
      // The same runner as ingest (worker thread, time and memory limits), so what passes here passes there.
      const runner = createParseRunner(config);
      const { doc, resolution } = await runner.parse({ bytes, name, mimeType: '', depth: 0 }).finally(() => runner.close());
      const { mimeType, reason } = resolution;
      const parser = { id: resolution.parserId, version: resolution.parserVersion };
      const members = (doc.children ?? []).map((c) => ({ path: c.path, size: c.bytes.length, mime_type: c.mimeType ?? null }));
      const artifacts = (doc.artifacts ?? []).map((a) => ({ name: a.name, role: a.role, mime_type: a.mimeType, size: a.bytes.length, ...a.metadata }));
      const rejected = doc.rejected ?? [];
      const chunks = chunkDocument(doc, { chunkTokens: config.chunkTokens, overlapTokens: config.chunkOverlapTokens });
      // Ingest fails such a file the same way, so the preview does not pass what ingest would refuse.
      if (chunks.length === 0) throw new AppError('parser.failed', `${name}: no text content found`);
      const markdown = blocksToMarkdown(doc.blocks);
      if (opts.json) {
        io.out(json({ file, parser, mimeType, reason, title: doc.title, metadata: doc.metadata, markdown, chunks, members, rejected, artifacts }));
        return;
      }
      io.out(`file ${file}: parser ${parser.id} v${parser.version}, ${mimeType} (${reason})\n`);
      io.out(`\n=== markdown ===\n\n${markdown}\n`);
      io.out(`\n=== chunks (${chunks.length}; up to ${config.chunkTokens} tokens, ${config.chunkOverlapTokens} overlap) ===\n`);
      for (const c of chunks) io.out(renderChunk(c));
      if (members.length > 0 || rejected.length > 0) {
        io.out(`\n=== members (${members.length}; ingest stores each as a file of its own and processes it) ===\n\n`);
        for (const m of members) io.out(`${m.path} (${m.size} bytes)\n`);
        for (const r of rejected) io.out(`${r.path}: refused, ${r.code}: ${r.reason}\n`);
      }
      if (artifacts.length > 0) io.out(`\n=== artifacts ===\n\n${artifacts.map((a) => `${a.name} (${a.role}, ${a.mime_type}, ${a.size} bytes)`).join('\n')}\n`);
      io.out(`\n=== metadata ===\n\n${json({ title: doc.title, ...doc.metadata })}`);
    });

function renderChunk(c: Chunk): string {
  const path = c.headingPath.length ? c.headingPath.join(' > ') : '(no heading)';
  const page = c.page === null ? '' : `, page ${c.page}`;
  const time = c.time === null ? '' : `, ${c.time.start}s-${c.time.end}s`;
  return `\n--- chunk ${c.ordinal}: ${path}${page}${time}, ${c.tokens} tokens\n${c.text}\n`;
}
