import type { App } from '../../app.js';
import type { HashEmbedder } from '../../adapters/embedders/hash.js';
import { sha256, uuid5 } from '../../domain/ids.js';
import { neighbourContexts } from '../../domain/search-text.js';
import { hnswIndexName, registerProvider, storeEmbeddings, toVectorLiteral } from '../../services/sql/embeddings.js';
import { type ResourceInput, upsertResources } from '../../services/sql/resources.js';
import { progress } from '../common.js';
import { seededRandom, Vocabulary } from '../corpus.js';

/** Chunks per generated "file": neighbour context is computed within one. */
const FILE_CHUNKS = 20;
const BATCH = 1000;

export interface BulkLoadTimings {
  rows: number;
  insert_s: number;
  rows_per_s: number;
  hnsw_build_s: number;
}

/**
 * Bench-only bulk load: n generated chunks through the production row writers (upsertResources,
 * storeEmbeddings) with the provider's HNSW index dropped first and rebuilt after, as STACK-NOTES
 * advises for PGlite (one HNSW insert costs ~9 ms in WASM; a build after the load is far cheaper).
 */
export async function bulkLoad(app: App, tenantId: string, n: number, embedder: HashEmbedder): Promise<BulkLoadTimings> {
  const vocab = new Vocabulary();
  const rnd = seededRandom(1234);
  const providerId = embedder.id;
  await app.db.exec(`DROP INDEX IF EXISTS ${hnswIndexName(providerId, sha256(providerId))}`);
  const started = performance.now();
  for (let done = 0; done < n; done += BATCH) {
    const texts = Array.from({ length: Math.min(BATCH, n - done) }, () => vocab.text(rnd, 300 + rnd() * 600));
    const rows = toRows(tenantId, done, texts);
    await upsertResources(app.db, tenantId, rows);
    const vectors = await embedder.embed(texts);
    await storeEmbeddings(app.db, tenantId, providerId, embedder.dimension,
      rows.map((r, i) => ({ resourceId: r.id, contentHash: r.contentHash, vector: toVectorLiteral(vectors[i] as Float32Array) })));
    if ((done / BATCH) % 10 === 0) progress(`latency: loaded ${done + texts.length}/${n}`);
  }
  const insertS = (performance.now() - started) / 1000;
  const hnswStarted = performance.now();
  // A bigger maintenance_work_mem keeps the graph in memory while it is built.
  await app.db.exec(`SET maintenance_work_mem = '256MB'`);
  await registerProvider(app.db, providerId, embedder.dimension, sha256(providerId));
  const hnswS = (performance.now() - hnswStarted) / 1000;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return { rows: n, insert_s: r1(insertS), rows_per_s: Math.round(n / insertS), hnsw_build_s: r1(hnswS) };
}

function toRows(tenantId: string, offset: number, texts: string[]): ResourceInput[] {
  const rows: ResourceInput[] = [];
  for (let f = 0; f < texts.length; f += FILE_CHUNKS) {
    const group = texts.slice(f, f + FILE_CHUNKS);
    const contexts = neighbourContexts(group);
    group.forEach((text, i) => {
      const ordinal = offset + f + i;
      const uri = `bench/file-${Math.floor(ordinal / FILE_CHUNKS)}.md#chunk=${ordinal % FILE_CHUNKS}`;
      rows.push({
        id: uuid5(tenantId, 'bench', String(ordinal)), fileId: null, name: uri, category: 'document', content: text,
        ordinal: ordinal % FILE_CHUNKS, uri, contentHash: sha256(text), metadata: {}, timestamp: null,
        title: `file ${Math.floor(ordinal / FILE_CHUNKS)}`, context: contexts[i] as string,
      });
    });
  }
  return rows;
}
