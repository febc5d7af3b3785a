import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileDto, FileList, SearchResponse, UploadResult, VaultStatus } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, ownerFetch, p8fs, p8fsJson, poll, Running, type SearchJson, tempDir, vaultEnv } from './cli.js';

const NOTE = `# River notes

The otters returned to the lower river in March; three pups were seen near the old mill.

Volunteers counted forty-two herons along the estuary during the spring survey.
`;

// The real default embedder (use-lite, 512-d) runs in the server: the slow model load happens once.
describe('p8fs serve, driven over HTTP and by the CLI', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let server: Running;
  let url: string;
  let authed: (input: string, init?: RequestInit) => Promise<Response>;

  beforeAll(async () => {
    assertBuilt();
    dataDir = tempDir('serve');
    env = vaultEnv(dataDir, { P8FS_EMBEDDING_PROVIDER: 'use-lite' });
    server = new Running(['serve', '--port', '0', '--workers', '1'], env);
    url = await server.listening(180_000);
    authed = await ownerFetch(env);
  }, 200_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    cleanup(dataDir);
  });

  it('uploads, indexes, searches, lists and deletes; CLI commands without --server find the server', async () => {
    expect(server.stdout).toContain(`data dir ${dataDir}`);
    const form = new FormData();
    form.append('path', '/notes/river.md');
    form.append('file', new Blob([NOTE], { type: 'text/markdown' }), 'river.md');
    const up = await authed(`${url}/api/v1/files`, { method: 'POST', body: form });
    expect(up.status).toBe(202);
    const { id } = UploadResult.parse(await up.json());

    const file = await poll(async () => {
      const f = FileDto.parse(await (await authed(`${url}/api/v1/files/${id}`)).json());
      return f.status === 'indexed' || f.status === 'failed' ? f : null;
    }, 'the upload to be indexed', 90_000);
    expect(file).toMatchObject({ status: 'indexed', uri: '/notes/river.md', error: null });
    expect(file.resource_count).toBeGreaterThan(0);

    const http = await authed(`${url}/api/v1/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'otter pups near the mill' }) });
    expect(SearchResponse.parse(await http.json()).results[0]?.file_id).toBe(id);

    // --server needs a token (--token / P8FS_TOKEN); without one the server answers 401 and the CLI says so.
    const anonymous = await p8fs(['search', 'otter', '--server', url], env);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/sign in|Bearer/);
    const token = (await p8fs(['auth', 'token'], env)).stdout.trim();
    const cli = await p8fs(['search', 'otter pups near the mill', '--server', url, '--token', token, '--json'], env);
    expect(cli.code).toBe(0);
    const out = JSON.parse(cli.stdout) as SearchJson;
    expect(Object.keys(out)).toEqual(['results']);
    expect(out.results.length).toBeGreaterThan(0);
    for (const hit of out.results) expect(Object.keys(hit)).toEqual(['resource_id', 'file_id', 'uri', 'name', 'content', 'score']);
    expect(out.results[0]).toMatchObject({ file_id: id, uri: '/notes/river.md#chunk=0' });
    expect(out.results[0]?.content).toContain('otters');

    // No --server: the data dir's lock names the running server, and the CLI goes through it
    // (opening the database itself would fail: the server holds it).
    const status = await p8fs(['status', '--json'], env);
    expect(status.code).toBe(0);
    expect(status.stderr).toContain(`using the server at ${url}`);
    expect(VaultStatus.parse(JSON.parse(status.stdout))).toMatchObject({ files: { indexed: 1 }, embedder: { id: 'use-lite', dimension: 512 } });

    const listed = FileList.parse(await p8fsJson(['files', 'ls'], env));
    expect(listed.files.map((f) => f.id)).toEqual([id]);

    const rm = await p8fs(['files', 'rm', id], env);
    expect(rm).toMatchObject({ code: 0, stdout: `deleted ${id}\n` });
    expect((await authed(`${url}/api/v1/files/${id}`)).status).toBe(404);
    expect(FileList.parse(await p8fsJson(['files', 'ls'], env)).total).toBe(0);
    const after = SearchResponse.parse(await (await authed(`${url}/api/v1/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"otters"}' })).json());
    expect(after.results).toEqual([]);
  }, 240_000);

  it('refuses a second worker process on the data dir the server holds', async () => {
    const r = await p8fs(['worker'], env);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`the server at ${url} already runs workers in process; start it with --workers N`);
  }, 60_000);

  it('shuts down gracefully on SIGTERM and releases the data dir', async () => {
    expect(existsSync(join(dataDir, 'p8fs.lock'))).toBe(true);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.stderr).toContain('SIGTERM: shutting down');
    expect(existsSync(join(dataDir, 'p8fs.lock'))).toBe(false);
  }, 60_000);
});
