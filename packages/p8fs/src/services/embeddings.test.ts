import { Readable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support.js';
import { HashEmbedder } from '../adapters/embedders/hash.js';
import { createApp } from '../app.js';
import { loadConfig } from '../config/load.js';
import type { Embedder } from '../ports/embedder.js';

const dataDir = mkdtempSync(join(tmpdir(), 'p8fs-emb-'));
const config = loadConfig({}, { dataDir, logLevel: 'silent', workers: 1 });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** An embedder that claims a recorded provider id but returns another size. */
class Resized implements Embedder {
  readonly id = 'hash-64';
  readonly dimension = 32;
  readonly maxBatch = 8;
  async embed(texts: readonly string[]) {
    return texts.map(() => new Float32Array(32).fill(1 / Math.sqrt(32)));
  }
  async close() {}
}

describe('embedding providers on a file-backed vault', () => {
  it('re-embeds in the background after a provider change, with keyword search working meanwhile', async () => {
    const first = await createApp(config, { embedder: new HashEmbedder(64) });
    first.pool.start();
    const { file } = await first.services.files.create(first.owner, { name: 'owl.txt' }, Readable.from([Buffer.from('Barn owls swallow their prey whole.')]));
    await waitFor(async () => (await first.services.files.get(first.owner, file.id)).status === 'indexed');
    await first.close();

    const second = await createApp(config, { embedder: new HashEmbedder(96) });
    expect(await second.services.embeddings.pendingCount(second.owner.tenantId)).toBe(1);
    expect((await second.queue.counts()).queued).toBe(1); // the backfill job
    const kw = await second.services.search.search(second.owner, { query: 'barn owls', mode: 'hybrid' });
    expect(kw.results[0]?.content).toContain('owls');
    second.pool.start();
    await waitFor(async () => (await second.services.embeddings.pendingCount(second.owner.tenantId)) === 0);
    const vec = await second.services.search.search(second.owner, { query: 'barn owls swallow prey', mode: 'vector' });
    expect(vec.results[0]?.content).toContain('owls');
    const providers = await second.db.query<{ id: string; dimension: number }>(`SELECT id, dimension FROM embedding_providers ORDER BY id`);
    expect(providers).toEqual([{ id: 'hash-64', dimension: 64 }, { id: 'hash-96', dimension: 96 }]);
    await second.close();
  });

  it('refuses a provider whose dimension changed under the same id', async () => {
    await expect(createApp(config, { embedder: new Resized() })).rejects.toMatchObject({ code: 'embedder.dimension_mismatch' });
  });
});
