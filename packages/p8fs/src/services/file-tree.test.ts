import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../test/support.js';
import type { App } from '../app.js';
import { ownerActor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { ParsedDocument, ParseOutcome, ParseRequest, ParseRunner } from '../ports/parser.js';

// The pipeline around parsing: members become child files, artifacts go to the blob store, timed
// chunks get #t= uris, refused members are recorded, deletes take everything with them. The parse
// runner here is a scripted one (each format's real parser has its own tests, and the e2e tests
// ingest real archives): a container's members are given by lines "member: path=content".

class ScriptedRunner implements ParseRunner {
  async parse(req: ParseRequest): Promise<ParseOutcome> {
    const text = req.bytes.toString('utf8');
    if (text.startsWith('CORRUPT')) throw new AppError('parser.corrupt', `${req.name} is truncated`);
    const children: NonNullable<ParsedDocument['children']> = [];
    const rejected: NonNullable<ParsedDocument['rejected']> = [];
    const doc: ParsedDocument = { title: req.name, blocks: [], metadata: { depth_seen: req.depth }, children, rejected };
    for (const line of text.split('\n')) {
      const member = /^member: ([^=]+)=(.*)$/.exec(line);
      if (member) children.push({ path: member[1]!, bytes: Buffer.from(member[2]!.replaceAll('\\n', '\n')) });
      else if (line.startsWith('refused: ')) rejected.push({ path: line.slice(9), code: 'archive.unsafe_path', reason: 'leaves the archive' });
      else if (line.startsWith('said ')) {
        const [, start, end, words] = /^said (\S+) (\S+) (.*)$/.exec(line)!;
        doc.blocks.push({ kind: 'paragraph', text: words!, time: { start: Number(start), end: Number(end) } });
      } else if (line === 'thumbnail') doc.artifacts = [{ name: 'thumbnail', role: 'thumbnail', mimeType: 'image/webp', bytes: Buffer.from(`thumb of ${req.name}`) }];
      else if (line.trim()) doc.blocks.push({ kind: 'paragraph', text: line });
    }
    return { resolution: { parserId: 'scripted', parserVersion: 1, mimeType: 'text/plain', reason: 'test' }, doc };
  }
  async close(): Promise<void> {}
}

describe('files inside files, artifacts and timed chunks', () => {
  let app: App & { dataDir: string };
  const alice = ownerActor('local');
  const bob = ownerActor('bob');

  const upload = async (name: string, content: string, actor = alice) => {
    const r = await app.services.files.create(actor, { name }, Readable.from([Buffer.from(content)]));
    return waitFor(async () => {
      const f = await app.services.files.get(actor, r.file.id);
      return f.status === 'indexed' || f.status === 'failed' ? f : null;
    });
  };
  const children = (parentId: string, actor = alice) =>
    app.services.files.list(actor, { limit: 100, offset: 0, parent_id: parentId }).then((r) => r.rows);
  const settled = async (parentId: string, n: number) =>
    waitFor(async () => {
      const rows = await children(parentId);
      return rows.length === n && rows.every((r) => r.status === 'indexed' || r.status === 'failed') ? rows : null;
    });
  const blobPath = (key: string) => join(app.dataDir, 'blobs', key);

  beforeAll(async () => {
    app = await createTestApp({}, { parseRunner: new ScriptedRunner() });
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('bob', 'bob')`);
    app.pool.start();
  });
  afterAll(() => app.close());

  it('stores members as child files with jar-style uris, processes them recursively, and records refused ones', async () => {
    const box = await upload('box.zip', 'archive listing\nmember: a.txt=apples and pears\nmember: inner/nest.zip=nest listing\\nmember: deep.txt=deep down here\nrefused: ../etc/passwd');
    expect(box.status).toBe('indexed');
    expect(box.metadata.rejected_members).toEqual([{ path: '../etc/passwd', code: 'archive.unsafe_path', reason: 'leaves the archive' }]);
    const kids = await settled(box.id, 2);
    expect(kids.map((k) => k.uri).sort()).toEqual(['box.zip!/a.txt', 'box.zip!/inner/nest.zip']);
    expect(kids.every((k) => k.depth === 1 && k.parent_id === box.id)).toBe(true);
    const nest = kids.find((k) => k.name === 'nest.zip')!;
    const [deep] = await settled(nest.id, 1);
    expect(deep).toMatchObject({ uri: 'box.zip!/inner/nest.zip!/deep.txt', depth: 2, status: 'indexed', metadata: { depth_seen: 2, container_path: 'deep.txt' } });
    const hits = await app.services.search.search(alice, { query: 'deep down', limit: 5, mode: 'keyword' });
    expect(hits.results[0]?.uri).toMatch(/^box\.zip!\/inner\/nest\.zip!\/deep\.txt#chunk=0$/);
    // Another tenant sees none of it.
    expect((await app.services.search.search(bob, { query: 'deep down', limit: 5, mode: 'keyword' })).results).toEqual([]);
    expect(await children(box.id, bob)).toEqual([]);
  });

  it('a new version of a container drops members it no longer has, with their blobs', async () => {
    const v1 = await upload('shelf.tar', 'shelf\nmember: keep.txt=kept words\nmember: gone.txt=vanishing words');
    const before = await settled(v1.id, 2);
    const gone = before.find((k) => k.name === 'gone.txt')!;
    expect(existsSync(blobPath(gone.blob_key))).toBe(true);
    const v2 = await upload('shelf.tar', 'shelf v2\nmember: keep.txt=kept words');
    const after = await settled(v2.id, 1);
    expect(after.map((k) => k.name)).toEqual(['keep.txt']);
    expect(after[0]!.id).toBe(before.find((k) => k.name === 'keep.txt')!.id);
    expect(existsSync(blobPath(gone.blob_key))).toBe(false);
  });

  it('a member that fails fails alone; the container stays indexed', async () => {
    const box = await upload('mixed.zip', 'mixed\nmember: fine.txt=all good\nmember: broken.bin=CORRUPT');
    const kids = await settled(box.id, 2);
    expect(box.status).toBe('indexed');
    expect(kids.find((k) => k.name === 'fine.txt')?.status).toBe('indexed');
    expect(kids.find((k) => k.name === 'broken.bin')).toMatchObject({ status: 'failed', error_code: 'parser.corrupt' });
  });

  it('keeps artifacts in the blob store and serves them; deleting the container frees every blob', async () => {
    const box = await upload('album.zip', 'album\nthumbnail\nmember: photo.txt=a photo\\nthumbnail');
    const [photo] = await settled(box.id, 1);
    const arts = await app.services.files.artifacts(alice, photo!.id);
    expect(arts.map((a) => [a.name, a.role, a.mime_type])).toEqual([['thumbnail', 'thumbnail', 'image/webp']]);
    const { stream } = await app.services.files.artifactContent(alice, photo!.id, 'thumbnail');
    const bytes = Buffer.concat(await stream.toArray());
    expect(bytes.toString()).toBe('thumb of photo.txt');
    await expect(app.services.files.artifactContent(bob, photo!.id, 'thumbnail')).rejects.toMatchObject({ code: 'file.not_found' });
    const keys = [box.blob_key, photo!.blob_key, arts[0]!.blob_key, (await app.services.files.artifacts(alice, box.id))[0]!.blob_key];
    for (const k of keys) expect(existsSync(blobPath(k))).toBe(true);
    await app.services.files.delete(alice, box.id);
    for (const k of keys) expect(existsSync(blobPath(k)), k).toBe(false);
    await expect(app.services.files.get(alice, photo!.id)).rejects.toMatchObject({ code: 'file.not_found' });
  });

  it('gives each speech segment its own resource with a #t=start,end uri', async () => {
    const memo = await upload('memo.m4a', 'said 0.5 2.25 buy oat milk\nsaid 4 6.125 call the plumber');
    const rows = await app.services.resources.listForFile(alice, memo.id);
    expect(rows.map((r) => [r.uri, r.content])).toEqual([
      ['memo.m4a#t=0.5,2.25&chunk=0', 'buy oat milk'],
      ['memo.m4a#t=4,6.125&chunk=1', 'call the plumber'],
    ]);
    expect(rows[1]!.metadata.time).toEqual({ start: 4, end: 6.125 });
  });
});
