import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ownerToken } from '../../../../test/support.js';
import type { App } from '../../../app.js';
import { startHttpServer } from '../../http/index.js';
import type { IngestProgress } from '../ingest/progress.js';
import { runIngest } from '../ingest/run.js';
import { scanPaths } from '../ingest/scan.js';
import type { VaultClient } from './client.js';
import { LocalVault } from './local.js';
import { RemoteVault } from './remote.js';

const silent: IngestProgress = { start() {}, advance() {}, update() {}, stop() {} };
const PARAGRAPHS = Array.from({ length: 6 }, (_, i) => `Paragraph ${i} tells of the heron number ${i} wading in the marsh ${'reeds '.repeat(30)}.`);

// One suite, both modes: the CLI must behave the same in process and against a server.
describe.each(['local', 'remote'] as const)('VaultClient (%s)', (mode) => {
  let app: App & { dataDir: string };
  let vault: VaultClient;
  let closeServer = async () => {};
  let dir: string;

  beforeAll(async () => {
    app = await createTestApp({ chunkTokens: 48, chunkOverlapTokens: 0 });
    if (mode === 'local') {
      vault = new LocalVault({ app, recordUrl: () => {}, close: async () => {} });
    } else {
      // As `p8fs serve` does: the server runs the jobs, the client only polls.
      app.pool.start();
      const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
      closeServer = server.close;
      const token = await ownerToken(app, server.url);
      vault = new RemoteVault(`${server.url}/`, async () => token);
    }
    dir = mkdtempSync(join(tmpdir(), `p8fs-vault-${mode}-`));
  });

  afterAll(async () => {
    await closeServer();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  const ingest = async (wait = true) => runIngest(vault, await scanPaths([dir], { recursive: true }), { wait }, silent);

  it('uploads new files, waits for indexing, and reports failures with their reason', async () => {
    write('heron.md', `# Herons\n\n${PARAGRAPHS.join('\n\n')}\n`);
    write('note.txt', 'A short note about kingfishers.');
    write('blob.bin', 'bin\u0000ary\u0000data');
    write('empty.md', '');
    const s = await ingest();
    expect(s).toMatchObject({ total: 4, uploaded: 3, unchanged: 0, skipped: 1, failed: 1, indexed: 2 });
    const bin = s.files.find((f) => f.uri.endsWith('blob.bin'));
    expect(bin).toMatchObject({ status: 'failed', error: { code: 'parser.unsupported_type' } });
    expect(s.files.find((f) => f.uri.endsWith('heron.md'))?.resource_count).toBeGreaterThan(2);
  });

  it('skips unchanged files without uploading, and retries failed ones', async () => {
    const s = await ingest();
    expect(s).toMatchObject({ uploaded: 1, unchanged: 2, failed: 1 });
    expect(s.files.find((f) => f.outcome === 'uploaded')?.uri).toMatch(/blob\.bin$/);
  });

  it('re-indexes a shortened file without stale chunks', async () => {
    const uri = join(dir, 'heron.md');
    const before = await vault.findByUri(uri);
    write('heron.md', `# Herons\n\n${PARAGRAPHS[0]}\n`);
    const s = await ingest();
    expect(s.files.find((f) => f.uri === uri)).toMatchObject({ outcome: 'uploaded', status: 'indexed' });
    const after = await vault.getFile(before?.id ?? '');
    expect(after.resource_count).toBeLessThan(before?.resource_count ?? 0);
    const chunks = await vault.fileResources(after.id);
    expect(chunks.map((c) => c.ordinal)).toEqual([...Array(after.resource_count).keys()]);
    const hits = await vault.search({ query: 'heron number 5', mode: 'keyword' });
    expect(hits.results.some((h) => h.content.includes('heron number 5'))).toBe(false);
  });

  it('lists, finds, searches, counts and deletes', async () => {
    const note = await vault.findByUri(join(dir, 'note.txt'));
    expect(note?.status).toBe('indexed');
    expect(await vault.findByUri(join(dir, 'missing.txt'))).toBeNull();
    const list = await vault.listFiles({ limit: 2, offset: 0, status: 'indexed' });
    expect(list).toMatchObject({ total: 2, limit: 2, offset: 0 });
    const hits = await vault.search({ query: 'kingfishers', limit: 3 });
    expect(hits.results[0]?.file_id).toBe(note?.id);
    const status = await vault.status();
    expect(status.files).toMatchObject({ indexed: 2, failed: 1 });
    await vault.deleteFile(note?.id ?? '');
    await expect(vault.getFile(note?.id ?? '')).rejects.toMatchObject({ code: 'file.not_found' });
  });

  it('raises the service error codes', async () => {
    await expect(vault.getFile('not-an-id')).rejects.toMatchObject({ code: 'file.not_found' });
    await expect(vault.deleteFile('0b6e5c1e-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'file.not_found' });
    await expect(vault.search({ query: '' })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe('RemoteVault without a server', () => {
  it('says which server it could not reach', async () => {
    await expect(new RemoteVault('http://127.0.0.1:9').status()).rejects.toMatchObject({
      code: 'internal', message: expect.stringContaining('cannot reach the p8fs server at http://127.0.0.1:9'),
    });
  });
});
