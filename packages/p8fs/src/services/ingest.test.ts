import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../test/support.js';
import type { App } from '../app.js';
import { ownerActor } from '../domain/actor.js';

const body = (s: string | Buffer) => Readable.from([Buffer.from(s)]);

const NOTE_V1 = `---
title: Garden log
tags: [garden, spring]
---
# Garden log

## Tomatoes
The San Marzano tomatoes went into the raised bed on the first of May.

## Herbs
Basil and thyme share the terracotta pot by the kitchen window.

## Compost
The compost heap needs turning every fortnight with the pitchfork.
`;
const NOTE_V2 = `# Garden log

## Tomatoes
The San Marzano tomatoes went into the raised bed on the first of May.
`;

describe('ingest pipeline on real PGlite', () => {
  let app: App & { dataDir: string };
  const alice = ownerActor('local');
  const bob = ownerActor('bob');

  async function ingest(name: string, content: string | Buffer, actor = alice) {
    const r = await app.services.files.create(actor, { name, uri: `/notes/${name}` }, body(content));
    const file = await waitFor(async () => {
      const f = await app.services.files.get(actor, r.file.id);
      return f.status === 'indexed' || f.status === 'failed' ? f : null;
    });
    return { ...r, file };
  }
  const search = (query: string, actor = alice) =>
    app.services.search.search(actor, { query, limit: 10, mode: 'keyword' }).then((r) => r.results);

  beforeAll(async () => {
    app = await createTestApp({ chunkTokens: 40, chunkOverlapTokens: 0 });
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('bob', 'bob')`);
    app.pool.start();
  });
  afterAll(() => app.close());

  it('parses, chunks, embeds and indexes a markdown note with its frontmatter', async () => {
    const { file } = await ingest('garden.md', NOTE_V1);
    expect(file.status).toBe('indexed');
    expect(file.parser).toBe('markdown');
    expect(file.metadata.frontmatter).toMatchObject({ title: 'Garden log' });
    const chunks = await app.services.resources.listForFile(alice, file.id);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(file.resource_count).toBe(chunks.length);
    const [{ n }] = (await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM embeddings WHERE tenant_id = 'local'`)) as [{ n: number }];
    expect(n).toBe(chunks.length);
    const hits = await search('pitchfork compost');
    expect(hits[0]?.content).toContain('pitchfork');
    expect(hits[0]?.uri).toMatch(/^\/notes\/garden\.md#chunk=\d+$/);
  });

  it('treats identical content as a no-op', async () => {
    // The file is marked indexed inside its embed job, a moment before that job is done: compare job
    // counts from a queue with nothing queued or running, or a job finishing meanwhile looks like a change.
    const before = await waitFor(async () => {
      const c = await app.queue.counts('local');
      return c.queued === 0 && c.running === 0 ? c : null;
    });
    const again = await app.services.files.create(alice, { name: 'garden.md', uri: '/notes/garden.md' }, body(NOTE_V1));
    expect(again.unchanged).toBe(true);
    expect(again.file.status).toBe('indexed');
    expect(await app.queue.counts('local')).toEqual(before);
  });

  it('replaces the chunks of a changed file: no stale chunk or vector survives', async () => {
    const { file: v1 } = await ingest('garden.md', NOTE_V1);
    const idsV1 = (await app.services.resources.listForFile(alice, v1.id)).map((r) => r.id);
    const { file } = await ingest('garden.md', NOTE_V2);
    expect(file.id).toBe(v1.id);
    const chunks = await app.services.resources.listForFile(alice, file.id);
    expect(chunks.length).toBeLessThan(idsV1.length);
    expect(chunks.map((c) => c.id)).toEqual(idsV1.slice(0, chunks.length)); // deterministic ids
    expect(await search('pitchfork compost')).toEqual([]);
    expect((await search('San Marzano'))[0]?.file_id).toBe(file.id);
    const [{ n }] = (await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM embeddings WHERE tenant_id = 'local' AND resource_id = ANY($1::uuid[])`, [idsV1])) as [{ n: number }];
    expect(n).toBe(chunks.length);
  });

  it('fails a broken file with a readable error and keeps processing others', async () => {
    const broken = await ingest('report.pdf', Buffer.from('%PDF-1.7\n1 0 obj <<'));
    expect(broken.file.status).toBe('failed');
    expect(broken.file.error_code).toMatch(/^parser\./);
    expect(broken.file.error_message).toBeTruthy();
    const fine = await ingest('fine.txt', 'Otters hold hands while they sleep.');
    expect(fine.file.status).toBe('indexed');
  });

  it('deletes a file with its resources, vectors and blob, but keeps a blob another file shares', async () => {
    const a = await ingest('a.txt', 'Shared paragraph about lighthouses.');
    const b = await ingest('b.txt', 'Shared paragraph about lighthouses.');
    expect(a.file.blob_key).toBe(b.file.blob_key);
    await app.services.files.delete(alice, a.file.id);
    await expect(app.services.files.get(alice, a.file.id)).rejects.toMatchObject({ code: 'file.not_found' });
    const rows = await app.db.query(`SELECT 1 FROM resources WHERE file_id = $1`, [a.file.id]);
    expect(rows).toEqual([]);
    const { stream } = await app.services.files.content(alice, b.file.id);
    stream.destroy();
    await app.services.files.delete(alice, b.file.id);
    await expect(app.services.files.content(alice, b.file.id)).rejects.toMatchObject({ code: 'file.not_found' });
    const left = await app.db.query(`SELECT 1 FROM embeddings e JOIN resources r ON r.id = e.resource_id WHERE r.file_id = ANY($1::uuid[])`, [[a.file.id, b.file.id]]);
    expect(left).toEqual([]);
  });

  it('keeps tenants apart in every service', async () => {
    const { file } = await ingest('secret.txt', 'The vault combination is hidden under the walrus.', bob);
    expect(file.status).toBe('indexed');
    await expect(app.services.files.get(alice, file.id)).rejects.toMatchObject({ code: 'file.not_found' });
    await expect(app.services.files.delete(alice, file.id)).rejects.toMatchObject({ code: 'file.not_found' });
    await expect(app.services.files.content(alice, file.id)).rejects.toMatchObject({ code: 'file.not_found' });
    const [chunk] = await app.services.resources.listForFile(bob, file.id);
    await expect(app.services.resources.get(alice, chunk!.id)).rejects.toMatchObject({ code: 'resource.not_found' });
    expect((await app.services.files.list(alice, { limit: 100, offset: 0 })).rows.map((f) => f.id)).not.toContain(file.id);
    expect(await search('walrus combination')).toEqual([]);
    const hybrid = await app.services.search.search(alice, { query: 'walrus combination', mode: 'vector' });
    expect(hybrid.results.map((r) => r.file_id)).not.toContain(file.id);
    expect((await search('walrus combination', bob))[0]?.file_id).toBe(file.id);
  });

  it('rejects empty uploads', async () => {
    await expect(app.services.files.create(alice, { name: 'empty.txt' }, body(''))).rejects.toMatchObject({ code: 'file.empty' });
  });
});
