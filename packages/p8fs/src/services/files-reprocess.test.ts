import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../test/support.js';
import type { App } from '../app.js';
import { ownerActor } from '../domain/actor.js';

// Parser upgrades and newly installed tools: files are processed again on request, only the
// caller's, only the ones asked for.
describe('files.reprocess', () => {
  let app: App & { dataDir: string };
  const alice = ownerActor('local');
  const bob = ownerActor('bob');

  const settle = (actor: typeof alice, id: string, since = 0) =>
    waitFor(async () => {
      const f = await app.services.files.get(actor, id);
      return (f.status === 'indexed' || f.status === 'failed') && f.updated_at.getTime() > since ? f : null;
    });
  const upload = async (actor: typeof alice, name: string, content: string | Buffer) => {
    const r = await app.services.files.create(actor, { name }, Readable.from([Buffer.from(content)]));
    return settle(actor, r.file.id);
  };

  beforeAll(async () => {
    app = await createTestApp();
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('bob', 'bob')`);
    app.pool.start();
  });
  afterAll(() => app.close());

  it('re-parses files an older parser version read (--stale), in the caller tenant only', async () => {
    const mine = await upload(alice, 'notes.md', '# Notes\n\nThe kiln reached cone six on Tuesday.\n');
    const theirs = await upload(bob, 'notes.md', '# Notes\n\nBob fired the raku kiln.\n');
    expect([mine.parser, mine.parser_version]).toEqual(['markdown', 2]);
    // As if an older markdown parser had read both files.
    await app.db.query(`UPDATE files SET parser_version = 0 WHERE id IN ($1, $2)`, [mine.id, theirs.id]);
    const before = Date.now();
    expect(await app.services.files.reprocess(alice, { stale: true })).toEqual({ queued: 1 });
    const again = await settle(alice, mine.id, before);
    expect(again).toMatchObject({ status: 'indexed', parser_version: 2 });
    expect((await app.services.files.get(bob, theirs.id)).parser_version).toBe(0);
    expect(await app.services.files.reprocess(alice, { stale: true })).toEqual({ queued: 0 });
  });

  it('retries failed files (--failed) and given ids; ids of another tenant are not touched', async () => {
    const broken = await upload(alice, 'blob.txt', Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x7f]));
    expect(broken.status).toBe('failed');
    const before = Date.now();
    expect(await app.services.files.reprocess(alice, { failed: true })).toEqual({ queued: 1 });
    expect(await settle(alice, broken.id, before)).toMatchObject({ status: 'failed', error_code: 'parser.unsupported_type' });
    expect(await app.services.files.reprocess(bob, { ids: [broken.id] })).toEqual({ queued: 0 });
    expect(await app.services.files.reprocess(alice, { ids: [broken.id] })).toEqual({ queued: 1 });
    await expect(app.services.files.reprocess(alice, {})).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
