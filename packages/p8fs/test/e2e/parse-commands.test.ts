import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { assertBuilt, BIN, cleanup, p8fs, tempDir, vaultEnv } from './cli.js';

// `p8fs providers`, `test-file` and `process` look at local files only: these run the built binary
// on real corpus files and check that no vault is ever created.

const SOURCES = fileURLToPath(new URL('../../../../../shared/yardsticks/docs-corpus/docling/sources/', import.meta.url));
const DOCX = join(SOURCES, 'word_sample.docx');
const PDF = join(SOURCES, 'multi_page.pdf');

interface ProcessJson {
  file: string;
  parser: { id: string; version: number };
  mimeType: string;
  reason: string;
  title: string | null;
  metadata: Record<string, unknown>;
  markdown: string;
  chunks: { ordinal: number; text: string; headingPath: string[]; page: number | null; tokens: number }[];
}

describe('p8fs providers, test-file and process', () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let md: string;
  let binary: string;

  beforeAll(() => {
    assertBuilt();
    for (const f of [DOCX, PDF]) if (!existsSync(f)) throw new Error(`corpus file missing: ${f}`);
    dir = tempDir('parse');
    // Never created: the commands must not open a vault.
    dataDir = join(dir, 'vault-never-created');
    env = vaultEnv(dataDir);
    md = join(dir, 'guide.md');
    writeFileSync(md, '# Guide\n\nIntro paragraph.\n\n## Install\n\nRun the installer.\n\n### Linux\n\nUse the tarball.\n');
    binary = join(dir, 'blob.txt');
    writeFileSync(binary, Buffer.from([0x00, 0x01, 0x02, 0x03, 0xff, 0x00, 0x10, 0x00, 0x7f, 0x00]));
  });

  afterAll(() => {
    expect(existsSync(dataDir)).toBe(false);
    cleanup(dir);
  });

  it('providers --json lists every parser with its formats, pdf and docx included', async () => {
    const r = await p8fs(['providers', '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      parsers: { id: string; version: number; mediaTypes: string[]; extensions: string[] }[];
      tools: { name: string; path: string | null; package: string }[];
      ocr: string;
      transcriber: string;
    };
    const list = out.parsers;
    // setup-system.sh installs every tool the parsers use, so each one is found.
    expect(out.tools.filter((t) => t.path === null && t.name !== 'soffice')).toEqual([]);
    expect(out.tools.find((t) => t.name === 'ffmpeg')?.package).toBe('ffmpeg');
    expect(out).toMatchObject({ ocr: 'tesseract.js', transcriber: 'auto' });
    const byId = new Map(list.map((p) => [p.id, p]));
    expect(byId.get('pdf')).toMatchObject({ mediaTypes: ['application/pdf'], extensions: ['.pdf'] });
    expect(byId.get('docx')?.extensions).toEqual(['.docx']);
    expect(byId.get('markdown')?.extensions).toContain('.md');
    for (const p of list) expect(p.version).toBeGreaterThanOrEqual(1);
  });

  it('exits 0 quietly when the reader of its output closes the pipe early (| head)', () => {
    // ~70 kB of output: more than a pipe holds, so the write after `head` exits fails with EPIPE.
    const pdf = join(SOURCES, 'redp5110_sampled.pdf');
    const cmd = `set -o pipefail; "${process.execPath}" "${BIN}" process "${pdf}" --parse-isolation inline | head -1; echo "status=$?"`;
    const out = execFileSync('bash', ['-c', cmd], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/^file .*redp5110_sampled\.pdf: parser pdf[^\n]*\nstatus=0\n$/);
  });

  it('providers prints a table with a row per parser', async () => {
    const r = await p8fs(['providers'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PARSER\s+VERSION\s+EXTENSIONS\s+MEDIA TYPES\n/);
    expect(r.stdout).toMatch(/^pdf\s+\d+\s+\.pdf\s+application\/pdf$/m);
    expect(r.stdout).toMatch(/^ffmpeg\s+\/usr\/bin\/ffmpeg$/m);
    expect(r.stdout).toMatch(/^soffice\s+(missing: apt-get install libreoffice|\/)/m);
  });

  it('test-file names the parser for a docx and why', async () => {
    const r = await p8fs(['test-file', DOCX, '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { parser: { id: string }; mimeType: string; reason: string; size: number };
    expect(out.parser.id).toBe('docx');
    expect(out.mimeType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(out.reason).toMatch(/sniffed|zip container/);
    expect(out.size).toBeGreaterThan(0);
    const plain = await p8fs(['test-file', md], env);
    expect(plain.stdout).toMatch(/^parser\s+markdown v2$/m);
    expect(plain.stdout).toMatch(/^reason\s+text, extension \.md$/m);
  });

  it('test-file and process refuse a binary file with exit 5 and the reason', async () => {
    for (const cmd of ['test-file', 'process']) {
      const r = await p8fs([cmd, binary], env);
      expect(r.code).toBe(5);
      expect(r.stderr).toContain('p8fs: no parser for blob.txt: content looks binary (NUL bytes)');
      expect(r.stdout).toBe('');
    }
  });

  it('a missing file exits 3', async () => {
    const r = await p8fs(['test-file', join(dir, 'nope.pdf')], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no such file');
  });

  it('process --json gives the markdown with # headings and chunks with heading paths', async () => {
    const r = await p8fs(['process', md, '--json', '--chunk-tokens', '64', '--chunk-overlap-tokens', '8'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ProcessJson;
    expect(out).toMatchObject({ file: md, parser: { id: 'markdown', version: 2 }, mimeType: 'text/markdown', title: 'Guide' });
    expect(out.markdown).toContain('# Guide\n\nIntro paragraph.\n\n## Install\n\nRun the installer.\n\n### Linux');
    expect(out.chunks.map((c) => c.headingPath)).toEqual([['Guide'], ['Guide', 'Install'], ['Guide', 'Install', 'Linux']]);
    expect(out.chunks.map((c) => c.ordinal)).toEqual([0, 1, 2]);
    for (const c of out.chunks) expect(c.tokens).toBeGreaterThan(0);
  });

  it('process --json on a docx and a pdf: parser, title, pages and chunks', async () => {
    const docx = JSON.parse((await p8fs(['process', DOCX, '--json'], env)).stdout) as ProcessJson;
    expect(docx.parser.id).toBe('docx');
    expect(docx.title).toBe('Swimming in the lake');
    expect(docx.markdown).toMatch(/^# Swimming in the lake$/m);
    expect(docx.chunks.some((c) => c.headingPath.includes('Swimming in the lake'))).toBe(true);
    const pdf = JSON.parse((await p8fs(['process', PDF, '--json'], env)).stdout) as ProcessJson;
    expect(pdf.parser.id).toBe('pdf');
    expect(pdf.metadata.pageCount).toBe(5);
    expect(pdf.markdown).toContain('The Evolution of the Word Processor');
    expect(new Set(pdf.chunks.map((c) => c.page)).size).toBeGreaterThan(1);
  });

  it('chunk size follows --chunk-tokens', async () => {
    const count = async (n: string) =>
      (JSON.parse((await p8fs(['process', PDF, '--json', '--chunk-tokens', n, '--chunk-overlap-tokens', '0'], env)).stdout) as ProcessJson).chunks;
    const small = await count('64');
    const large = await count('1024');
    expect(small.length).toBeGreaterThan(large.length);
    for (const c of small) expect(c.tokens).toBeLessThanOrEqual(64);
  });

  it('process prints markdown, chunks and metadata as text; a bad chunk size exits 2', async () => {
    const r = await p8fs(['process', md], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('=== markdown ===\n\n# Guide\n');
    expect(r.stdout).toContain('--- chunk 1: Guide > Install, ');
    expect(r.stdout).toMatch(/=== metadata ===\n\n\{\n {2}"title": "Guide"/);
    const bad = await p8fs(['process', md, '--chunk-tokens', '8'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--chunk-tokens');
  });
});
