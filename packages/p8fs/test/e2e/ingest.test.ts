import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSummary } from '../../src/transports/cli/ingest/summary.js';
import { assertBuilt, cleanup, type FileInfoJson, p8fs, p8fsJson, type SearchJson, tempDir, vaultEnv } from './cli.js';

// Small chunks so a page of paragraphs makes several of them.
const CHUNKING = { P8FS_CHUNK_TOKENS: '64', P8FS_CHUNK_OVERLAP_TOKENS: '0' };
const paragraph = (i: number, extra = '') =>
  `Section ${i} of the field journal records the weather, the tides and the birds seen along the shore on day ${i}. ${extra}`;
const JOURNAL = ['# Field journal', ...Array.from({ length: 12 }, (_, i) => paragraph(i, i === 11 ? 'A zorblaxian lantern glowed on the pier.' : ''))].join('\n\n');
const SHORT_JOURNAL = ['# Field journal', paragraph(0), paragraph(1)].join('\n\n');

describe('p8fs ingest in process', () => {
  let dataDir: string;
  let notes: string;
  let env: NodeJS.ProcessEnv;
  const put = (rel: string, text: string) => {
    mkdirSync(join(notes, rel, '..'), { recursive: true });
    writeFileSync(join(notes, rel), text);
  };

  beforeAll(() => {
    assertBuilt();
    dataDir = tempDir('ingest-data');
    notes = tempDir('ingest-notes');
    env = vaultEnv(dataDir, CHUNKING);
    put('journal.md', JOURNAL);
    put('todo.txt', 'Buy rope for the sailing trip and mend the spinnaker.');
    put('web/page.html', '<html><head><title>Harbour</title></head><body><h1>Harbour</h1><p>The harbour master logs every mooring.</p></body></html>');
    put('web/deep/more.md', '# More\n\nNotes about lighthouse keepers.');
    put('.obsidian/workspace.md', 'editor state, not a note');
    put('.git/HEAD', 'ref: refs/heads/main');
    put('node_modules/pkg/readme.md', 'a dependency readme');
  });

  afterAll(() => cleanup(dataDir, notes));

  it('ingests a folder, skips what is unchanged, and leaves no stale chunk behind a shortened file', async () => {
    const first = await p8fsJson<IngestSummary>(['ingest', notes, '-r', '--wait'], env);
    expect(first).toMatchObject({ total: 4, uploaded: 4, unchanged: 0, failed: 0, indexed: 4 });
    expect(first.files.map((f) => f.uri).sort()).toEqual(['journal.md', 'todo.txt', 'web/deep/more.md', 'web/page.html'].map((r) => join(notes, r)));

    const again = await p8fsJson<IngestSummary>(['ingest', notes, '-r', '--wait'], env);
    expect(again).toMatchObject({ total: 4, uploaded: 0, unchanged: 4, failed: 0, indexed: 4 });

    const journal = first.files.find((f) => f.uri === join(notes, 'journal.md'));
    const before = await p8fsJson<FileInfoJson>(['files', 'info', journal?.id ?? ''], env);
    expect(before.resource_count).toBeGreaterThan(3);
    const found = await p8fsJson<SearchJson>(['search', 'zorblaxian lantern'], env);
    expect(found.results[0]).toMatchObject({ file_id: journal?.id });
    expect(found.results[0]?.content).toContain('zorblaxian');

    put('journal.md', SHORT_JOURNAL);
    const third = await p8fsJson<IngestSummary>(['ingest', notes, '-r', '--wait'], env);
    expect(third).toMatchObject({ uploaded: 1, unchanged: 3, failed: 0, indexed: 4 });

    const after = await p8fsJson<FileInfoJson>(['files', 'info', journal?.id ?? '', '--chunks'], env);
    expect(after.resource_count).toBeLessThan(before.resource_count);
    expect(after.resources?.map((r) => r.ordinal)).toEqual([...Array(after.resource_count).keys()]);
    const hybrid = await p8fsJson<SearchJson>(['search', 'zorblaxian lantern'], env);
    expect(hybrid.results.filter((h) => h.content.includes('zorblaxian'))).toEqual([]);
    expect((await p8fsJson<SearchJson>(['search', 'zorblaxian', '--mode', 'keyword'], env)).results).toEqual([]);
  }, 300_000);

  it('prints progress lines on stderr and a readable summary when not asked for JSON', async () => {
    const r = await p8fs(['ingest', notes, '-r'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('4 files: 0 uploaded, 4 unchanged, 0 skipped (empty), 0 failed\n');
    expect(r.stderr).toContain(`unchanged  ${join(notes, 'todo.txt')}`);
    const search = await p8fs(['search', 'mooring', '--limit', '1'], env);
    expect(search.code).toBe(0);
    expect(search.stdout).toMatch(/^ 1\. \d\.\d{4} {2}\S+page\.html#chunk=0\n {4}.*mooring/);
  }, 120_000);
});
