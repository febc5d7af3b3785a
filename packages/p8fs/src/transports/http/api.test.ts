import { FileDto, FileList, SearchResponse, UploadResult } from '@p8fs/contracts';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../../test/support.js';
import type { App } from '../../app.js';
import { createHttpApp } from './app.js';
import type { HttpEnv } from './route-spec.js';

const NOTE = `# Lighthouse keeping

## Lamps
The keeper trimmed the paraffin wick of the Fresnel lamp every evening at dusk.

## Logbook
Storm warnings and passing steamers went into the brass-bound logbook.
`;

/** A JSON answer: some resource, or an ErrorBody. */
type Answer = { error?: { code: string; message: string; details?: { issues: { path: string }[] } } } & Record<string, unknown>;

/** A multipart form with the text fields first, as the API asks, then the file part. */
function form(content: string | Uint8Array, filename: string, fields: Record<string, string> = {}, type = 'text/markdown'): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append('file', new Blob([content], { type }), filename);
  return fd;
}

describe('HTTP API on a real in-memory vault', () => {
  let app: App & { dataDir: string };
  let http: Hono<HttpEnv>;
  const req = (path: string, init?: RequestInit) => http.request(path, init);
  const post = (fd: FormData) => req('/api/v1/files', { method: 'POST', body: fd });
  const getJson = async (path: string) => {
    const res = await req(path);
    return { status: res.status, body: (await res.json()) as Answer };
  };
  const searchFor = (body: unknown) =>
    req('/api/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  let fileId = '';
  let resourceIds: string[] = [];

  beforeAll(async () => {
    app = await createTestApp({ chunkTokens: 32, chunkOverlapTokens: 0 });
    http = createHttpApp(app, { actorFor: () => app.owner });
  });
  afterAll(async () => {
    await app.pool.stop();
    await app.close();
  });

  it('accepts a multipart upload with 202 and the file id at once', async () => {
    const res = await post(form(NOTE, 'lighthouse.md', { path: 'notes/lighthouse.md', metadata: '{"source":"test"}' }));
    expect(res.status).toBe(202);
    const body = UploadResult.parse(await res.json());
    expect(body).toMatchObject({ status: 'pending', unchanged: false });
    expect(body.file).toMatchObject({ id: body.id, name: 'lighthouse.md', uri: 'notes/lighthouse.md', size: Buffer.byteLength(NOTE), error: null });
    expect(body.file.metadata).toMatchObject({ source: 'test' });
    fileId = body.id;
  });

  it('answers 200 unchanged when identical content is uploaded again under the same path', async () => {
    const res = await post(form(NOTE, 'lighthouse.md', { path: 'notes/lighthouse.md' }));
    expect(res.status).toBe(200);
    expect(UploadResult.parse(await res.json())).toMatchObject({ id: fileId, unchanged: true });
  });

  it('indexes the file in the worker pool; search then finds the text with provenance', async () => {
    app.pool.start();
    const file = await waitFor(async () => {
      const { body } = await getJson(`/api/v1/files/${fileId}`);
      return body.status === 'indexed' || body.status === 'failed' ? FileDto.parse(body) : null;
    });
    expect(file).toMatchObject({ status: 'indexed', error: null, parser: 'markdown' });
    expect(file.resource_count).toBeGreaterThan(0);
    expect(file.indexed_at).not.toBeNull();

    const res = await searchFor({ query: 'paraffin wick Fresnel lamp', limit: 5 });
    expect(res.status).toBe(200);
    const found = SearchResponse.parse(await res.json());
    const top = found.results[0];
    expect(top).toBeDefined();
    expect(top).toMatchObject({ file_id: fileId });
    expect(top?.uri.startsWith('notes/lighthouse.md')).toBe(true);
    expect(top?.snippet.toLowerCase()).toContain('paraffin');
    expect(top?.score).toBeGreaterThan(0);
    expect(top?.resource_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('groups hits by file on request (group=file), keeping the passage list as the default', async () => {
    const query = { query: 'keeper lamp logbook storm steamers', mode: 'keyword', limit: 10 };
    const chunks = SearchResponse.parse(await (await searchFor(query)).json()).results;
    expect(chunks.filter((h) => h.file_id === fileId).length).toBeGreaterThan(1);
    expect(chunks.every((h) => h.passages === undefined && h.score > 0 && h.score <= 1)).toBe(true);
    const files = SearchResponse.parse(await (await searchFor({ ...query, group: 'file' })).json()).results;
    expect(files.filter((h) => h.file_id === fileId)).toHaveLength(1);
    expect(files[0]?.passages?.length).toBe(Math.min(3, chunks.filter((h) => h.file_id === fileId).length - 1));
    const bad = await searchFor({ ...query, group: 'folder' });
    expect(bad.status).toBe(400);
  });

  it('lists the chunks of a file in order, and serves each as a resource', async () => {
    const { status, body } = await getJson(`/api/v1/files/${fileId}/resources`);
    expect(status).toBe(200);
    const rows = body.resources as { id: string; ordinal: number; file_id: string; content: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.ordinal)).toEqual([...rows.map((r) => r.ordinal)].sort((a, b) => a - b));
    expect(rows.every((r) => r.file_id === fileId)).toBe(true);
    resourceIds = rows.map((r) => r.id);
    const one = await getJson(`/api/v1/resources/${rows[0]?.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: rows[0]?.id, content: rows[0]?.content, file_id: fileId });
    expect(typeof one.body.created_at).toBe('string');
  });

  it('streams the original bytes back with type, length and disposition', async () => {
    const res = await req(`/api/v1/files/${fileId}/content`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(NOTE);
    expect(res.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(NOTE)));
    expect(res.headers.get('content-disposition')).toContain('filename="lighthouse.md"');
  });

  it('lists files with an exact uri filter and validates the query', async () => {
    const hit = FileList.parse((await getJson('/api/v1/files?uri=notes/lighthouse.md')).body);
    expect(hit.files.map((f) => f.id)).toEqual([fileId]);
    expect(hit).toMatchObject({ total: 1, limit: 50, offset: 0 });
    const miss = FileList.parse((await getJson('/api/v1/files?uri=notes/lighthouse')).body);
    expect(miss.total).toBe(0);
    const bad = await getJson('/api/v1/files?limit=0&status=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('validation_failed');
    expect(bad.body.error?.details?.issues.map((i) => i.path).sort()).toEqual(['query.limit', 'query.status']);
  });

  it('uploads a raw body with PUT /files/content', async () => {
    const res = await req('/api/v1/files/content?path=raw/plain.txt', { method: 'PUT', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'just some words' });
    expect(res.status).toBe(202);
    const body = UploadResult.parse(await res.json());
    expect(body.file).toMatchObject({ name: 'plain.txt', uri: 'raw/plain.txt', mime_type: 'text/plain', size: 15 });
    expect(await (await req(`/api/v1/files/${body.id}/content`)).text()).toBe('just some words');
    const noName = await req('/api/v1/files/content', { method: 'PUT', body: 'x' });
    expect(noName.status).toBe(400);
  });

  it('deletes a file with 204; it, its resources and its hits are gone', async () => {
    const res = await req(`/api/v1/files/${fileId}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    const after = await getJson(`/api/v1/files/${fileId}`);
    expect(after.status).toBe(404);
    expect(after.body.error?.code).toBe('file.not_found');
    expect(resourceIds.length).toBeGreaterThan(0);
    for (const id of resourceIds) expect((await getJson(`/api/v1/resources/${id}`)).body.error?.code).toBe('resource.not_found');
    expect((await getJson(`/api/v1/files/${fileId}/resources`)).status).toBe(404);
    expect((await req(`/api/v1/files/${fileId}/content`)).status).toBe(404);
    const found = SearchResponse.parse(await (await searchFor({ query: 'paraffin wick Fresnel lamp' })).json());
    expect(found.results.filter((r) => r.file_id === fileId)).toEqual([]);
    expect((await req(`/api/v1/files/${fileId}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 404 file.not_found for an unknown id and for one that is not a UUID', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      for (const path of [`/api/v1/files/${id}`, `/api/v1/files/${id}/content`, `/api/v1/files/${id}/resources`]) {
        const res = await getJson(path);
        expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 404, code: 'file.not_found' });
      }
    }
    const r = await getJson('/api/v1/resources/not-a-uuid');
    expect([r.status, r.body.error?.code]).toEqual([404, 'resource.not_found']);
  });

  it('answers 400 listing every issue of a bad search body, and 400 for malformed JSON', async () => {
    const res = await searchFor({ query: '', limit: 1000, mode: 'psychic' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; details: { issues: { path: string }[] } } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.issues.map((i) => i.path).sort()).toEqual(['body.limit', 'body.mode', 'body.query']);
    const broken = await req('/api/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('bad_request');
  });

  it('rejects bad uploads with 400 and stores nothing for them', async () => {
    const cases: [FormData, string][] = [
      [form('x', 'a.md', { path: 'bad/meta.md', metadata: '{not json' }), 'validation_failed'],
      [form('x', 'a.md', { path: 'bad/array.md', metadata: '[1,2]' }), 'validation_failed'],
      [form('', 'empty.md', { path: 'bad/empty.md' }), 'file.empty'],
      [(() => { const fd = new FormData(); fd.append('path', 'bad/none.md'); return fd; })(), 'validation_failed'],
    ];
    for (const [fd, code] of cases) {
      const res = await post(fd);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    const notForm = await req('/api/v1/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(notForm.status).toBe(400);
    expect(FileList.parse((await getJson('/api/v1/files?q=bad/')).body).total).toBe(0);
  });

  it('refuses a path field sent after the file part, before anything is stored', async () => {
    const fd = new FormData();
    fd.append('file', new Blob(['late fields']), 'late.md');
    fd.append('path', 'late/elsewhere.md');
    const res = await post(fd);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toContain('before the file');
    const stored = FileList.parse((await getJson('/api/v1/files?q=late')).body);
    expect(stored.total).toBe(0);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const { status, body } = await getJson('/api/v2/nothing');
    expect(status).toBe(404);
    expect(body.error).toEqual({ code: 'not_found', message: 'no route for GET /api/v2/nothing' });
  });
});
