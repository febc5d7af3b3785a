import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSummary } from '../../src/transports/cli/ingest/summary.js';
import type { ExportSummary } from '../../src/transports/cli/export/run.js';
import { assertBuilt, cleanup, ownerFetch, p8fs, p8fsJson, poll, Running, tempDir, vaultEnv } from './cli.js';

// `p8fs export` as a user runs it: in process on the data dir, then against a running `p8fs serve`
// that holds it (the CLI goes through the lock's URL). A file whose uri tries to climb out of the
// export folder (uploaded over HTTP, which takes any uri) must land inside it.

const JOURNAL = '---\ntitle: Harbour journal\ntags: [sailing, tides]\n---\n# Harbour journal\n\nThe quillwort buoy drifted past the pier at dawn.\n';
const PLAN = 'Plan for the nested folder: mend the spinnaker before the regatta.';
const EVIL_URI = '../../escape/\u0007evil.md';

/** Every file under dir, as paths relative to dir. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))]));
}

/** The YAML frontmatter of a note and its body. */
function readNote(path: string): { front: Record<string, unknown>; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n\n([\s\S]*)$/.exec(readFileSync(path, 'utf8'));
  if (!m) throw new Error(`${path} has no frontmatter`);
  return { front: parseYaml(m[1] ?? '') as Record<string, unknown>, body: m[2] ?? '' };
}

const jsonl = (path: string) => readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('p8fs export', () => {
  let dataDir: string;
  let notes: string;
  let outRoot: string;
  let env: NodeJS.ProcessEnv;
  let server: Running | null = null;
  let ids: Record<string, string> = {};

  beforeAll(async () => {
    assertBuilt();
    dataDir = tempDir('export-data');
    notes = tempDir('export-notes');
    outRoot = tempDir('export-out');
    env = vaultEnv(dataDir, { P8FS_CHUNK_TOKENS: '64', P8FS_CHUNK_OVERLAP_TOKENS: '0' });
    writeFileSync(join(notes, 'journal.md'), JOURNAL);
    mkdirSync(join(notes, 'deep', 'nested'), { recursive: true });
    writeFileSync(join(notes, 'deep', 'nested', 'plan.txt'), PLAN);
    const ingest = await p8fsJson<IngestSummary>(['ingest', notes, '-r', '--wait'], env);
    expect(ingest).toMatchObject({ uploaded: 2, indexed: 2, failed: 0 });
    ids = Object.fromEntries(ingest.files.map((f) => [relative(notes, f.uri), f.id]));
    const moment = await p8fs(['moments', 'add', '--name', 'Regatta day', '--start', '2024-06-01', '--summary', 'We raced past the quillwort buoy.', '--topic', 'sailing'], env);
    expect(moment.code, moment.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    cleanup(dataDir, notes, outRoot);
  });

  it('writes Markdown notes with frontmatter, moments, and the originals byte for byte (in process)', async () => {
    const out = join(outRoot, 'md-local');
    const summary = await p8fsJson<ExportSummary>(['export', '--format', 'markdown', out], env);
    expect(summary).toMatchObject({ format: 'markdown', files: 2, moments: 1, originals: 2 });
    const files = walk(out);
    const journalNote = files.find((f) => f.startsWith('files/') && f.endsWith('journal.md'));
    expect(journalNote).toBeDefined();
    const { front, body } = readNote(join(out, journalNote ?? ''));
    expect(front).toMatchObject({ id: ids['journal.md'], uri: join(notes, 'journal.md'), name: 'journal.md', mime: 'text/markdown', tags: ['sailing', 'tides'], status: 'indexed' });
    expect(front.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(body).toContain('quillwort buoy drifted');
    // The nested folder is kept, and the original is the same bytes.
    const plan = files.find((f) => f.startsWith('originals/') && f.endsWith('deep/nested/plan.txt'));
    expect(plan).toBeDefined();
    expect(readFileSync(join(out, plan ?? ''))).toEqual(readFileSync(join(notes, 'deep', 'nested', 'plan.txt')));
    const moment = files.find((f) => f.startsWith('moments/'));
    expect(moment).toMatch(/^moments\/2024-06-01 Regatta day\.md$/);
    expect(readNote(join(out, moment ?? '')).front).toMatchObject({ name: 'Regatta day', topic_tags: ['sailing'] });
  }, 120_000);

  it('refuses a folder that is not empty unless --force', async () => {
    const out = join(outRoot, 'busy');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const refused = await p8fs(['export', out], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('not empty');
    const forced = await p8fsJson<ExportSummary>(['export', '--force', '--no-originals', out], env);
    expect(forced).toMatchObject({ files: 2, originals: 0 });
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('mine');
    expect(walk(out).some((f) => f.startsWith('originals/'))).toBe(false);
  }, 120_000);

  it('writes JSON Lines: files, resources (vectors only when asked), moments, edges (in process)', async () => {
    const out = join(outRoot, 'jsonl-local');
    const summary = await p8fsJson<ExportSummary>(['export', '--format', 'jsonl', out], env);
    expect(summary).toMatchObject({ format: 'jsonl', files: 2, moments: 1, originals: 2 });
    const files = jsonl(join(out, 'files.jsonl'));
    expect(files.map((f) => f.id).sort()).toEqual(Object.values(ids).sort());
    const resources = jsonl(join(out, 'resources.jsonl'));
    expect(resources.length).toBe(summary.resources);
    expect(resources.some((r) => String(r.content).includes('quillwort buoy drifted') && r.file_id === ids['journal.md'] && r.ordinal === 0)).toBe(true);
    expect(resources.every((r) => !('embedding' in r))).toBe(true);
    expect(jsonl(join(out, 'moments.jsonl'))[0]).toMatchObject({ name: 'Regatta day' });
    const edges = jsonl(join(out, 'edges.jsonl'));
    expect(edges.some((e) => e.rel_type === 'tagged' && e.source_file_id === ids['journal.md'])).toBe(true);
    const withVectors = join(outRoot, 'jsonl-vectors');
    await p8fsJson<ExportSummary>(['export', '--format', 'jsonl', '--vectors', '--no-originals', withVectors], env);
    const vectors = jsonl(join(withVectors, 'resources.jsonl')).filter((r) => r.file_id);
    expect(vectors.length).toBeGreaterThan(0);
    expect(vectors.every((r) => Array.isArray(r.embedding) && (r.embedding as number[]).length > 0 && typeof r.embedding_provider === 'string')).toBe(true);
  }, 120_000);

  it('exports the same through a running server, keeping a climbing uri inside the folder', async () => {
    server = new Running(['serve', '--port', '0', '--workers', '1'], env);
    const url = await server.listening();
    const authed = await ownerFetch(env);
    const form = new FormData();
    form.append('path', EVIL_URI);
    form.append('file', new Blob(['# Escape\n\nThe gannet note tried to climb out.\n'], { type: 'text/markdown' }), 'evil.md');
    const up = await authed(`${url}/api/v1/files`, { method: 'POST', body: form });
    expect(up.status).toBe(202);
    const evilId = ((await up.json()) as { id: string }).id;
    await poll(async () => {
      const f = (await (await authed(`${url}/api/v1/files/${evilId}`)).json()) as { status: string };
      return f.status === 'indexed';
    }, 'the climbing file to be indexed');

    const md = join(outRoot, 'remote', 'md');
    const r = await p8fs(['export', '--json', md], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`using the server at ${url}`);
    expect(JSON.parse(r.stdout)).toMatchObject({ files: 3, moments: 1, originals: 3 });
    const written = walk(md);
    expect(written).toContain('files/escape/evil.md');
    expect(written).toContain('originals/escape/evil.md');
    expect(readNote(join(md, 'files/escape/evil.md')).front).toMatchObject({ id: evilId, uri: EVIL_URI });
    const journalOriginal = written.find((f) => f.startsWith('originals/') && f.endsWith('journal.md'));
    expect(readFileSync(join(md, journalOriginal ?? ''), 'utf8')).toBe(JOURNAL);

    const jl = join(outRoot, 'remote', 'jsonl');
    const j = await p8fsJson<ExportSummary>(['export', '--format', 'jsonl', '--vectors', jl], env);
    expect(j).toMatchObject({ files: 3, moments: 1, originals: 3 });
    expect(jsonl(join(jl, 'files.jsonl')).find((f) => f.id === evilId)).toMatchObject({ uri: EVIL_URI, original: 'originals/escape/evil.md' });
    expect(jsonl(join(jl, 'resources.jsonl')).some((x) => String(x.content).includes('gannet note') && Array.isArray(x.embedding))).toBe(true);
    expect(jsonl(join(jl, 'edges.jsonl')).length).toBe(j.edges);

    // Nothing landed beside the export folders (the climbing uri would have made outRoot/../escape).
    expect(readdirSync(join(outRoot, 'remote')).sort()).toEqual(['jsonl', 'md']);
    expect(readdirSync(join(outRoot, '..')).filter((n) => n === 'escape')).toEqual([]);
    expect(readdirSync(outRoot).filter((n) => n === 'escape')).toEqual([]);
  }, 240_000);
});
