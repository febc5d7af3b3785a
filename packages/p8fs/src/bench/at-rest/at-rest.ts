import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EncryptedBlobStore } from '../../adapters/blob/encrypted-blob-store.js';
import { FsBlobStore } from '../../adapters/blob/fs-blob-store.js';
import { migrate } from '../../adapters/db/migrate.js';
import { openPglite } from '../../adapters/db/pglite.js';
import { LocalKeyWrapper } from '../../adapters/keys/local-key-wrapper.js';
import { DbJobQueue } from '../../adapters/queue/db-queue.js';
import { ownerActor } from '../../domain/actor.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { dbBlobLedger } from '../../services/blob-ledger.js';
import { FilesService } from '../../services/files.js';
import { KeyRing } from '../../services/keyring.js';
import { ms, peakRssMb, percentile, progress, silentLogger, TMP_DIR } from '../common.js';

// What encryption at rest costs (decision 0017): the same work on the plain local-folder store and on
// EncryptedBlobStore over it, in one process and one run, rounds alternated, medians reported with
// the encrypted/plain ratio. Three views: one large blob streamed in and out (MB/s), random 4 KiB
// ranged reads of it (reads/s), and small files through FilesService.create + content (files/s,
// which adds the ledger row and the dedup lookup to the crypto).

export interface AtRestSide {
  put_mb_s: number;
  get_mb_s: number;
  ranged_reads_per_s: number;
  ranged_read_p95_ms: number;
  upload_files_per_s: number;
  download_files_per_s: number;
}

export interface AtRestBenchResult {
  blob_mb: number;
  small_files: number;
  small_file_kb: number;
  rounds: number;
  plain: AtRestSide;
  encrypted: AtRestSide;
  /** encrypted / plain for each measure (1 = no cost; 0.5 = half the speed) */
  ratio: Record<keyof AtRestSide, number>;
  peak_rss_mb: number;
}

const MB = 1024 * 1024;
const median = (xs: number[]) => percentile(xs, 50);

async function drain(s: Readable): Promise<number> {
  let n = 0;
  for await (const c of s) n += (c as Buffer).length;
  return n;
}

function source(bytes: number, chunk: Buffer): Readable {
  return Readable.from((function* () {
    for (let sent = 0; sent < bytes; sent += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, bytes - sent));
  })());
}

/** One round of every measure on one store. */
async function round(store: BlobStore, files: FilesService, tenant: string, opts: { blobBytes: number; small: number; smallBytes: number; tag: string }): Promise<AtRestSide> {
  const chunk = randomBytes(MB);
  let t = performance.now();
  const blob = await store.put(tenant, source(opts.blobBytes, chunk));
  const putS = (performance.now() - t) / 1000;
  t = performance.now();
  await drain(await store.get(tenant, blob.key));
  const getS = (performance.now() - t) / 1000;
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const start = Math.floor(Math.random() * (opts.blobBytes - 4096));
    const r = performance.now();
    await drain(await store.get(tenant, blob.key, { start, end: start + 4095 }));
    samples.push(performance.now() - r);
  }
  await store.delete(tenant, blob.key);
  const actor = ownerActor(tenant);
  const ids: string[] = [];
  t = performance.now();
  for (let i = 0; i < opts.small; i++) {
    // Distinct content, so dedup does not turn uploads into lookups.
    const body = Buffer.concat([Buffer.from(`${opts.tag}-${i}-`), chunk.subarray(0, opts.smallBytes)]);
    ids.push((await files.create(actor, { name: `${opts.tag}-${i}.bin` }, Readable.from([body]))).file.id);
  }
  const upS = (performance.now() - t) / 1000;
  t = performance.now();
  for (const id of ids) await drain((await files.content(actor, id)).stream);
  const downS = (performance.now() - t) / 1000;
  for (const id of ids) await files.delete(actor, id);
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    put_mb_s: Math.round(opts.blobBytes / MB / putS), get_mb_s: Math.round(opts.blobBytes / MB / getS),
    ranged_reads_per_s: Math.round(samples.length / (sum / 1000)), ranged_read_p95_ms: ms(percentile(samples, 95)),
    upload_files_per_s: Math.round(opts.small / upS), download_files_per_s: Math.round(opts.small / downS),
  };
}

/** Plain vs encrypted local-folder store, in this process. */
export async function runAtRestOnce(opts: { quick: boolean }): Promise<AtRestBenchResult> {
  mkdirSync(TMP_DIR, { recursive: true });
  const dir = mkdtempSync(join(TMP_DIR, 'at-rest-'));
  const db = await openPglite();
  try {
    await migrate(db);
    for (const t of ['plain', 'enc']) await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, $1)`, [t]);
    const inner = new FsBlobStore(dir);
    const encrypted = new EncryptedBlobStore(inner, new KeyRing(db, new LocalKeyWrapper(randomBytes(32)), silentLogger), dbBlobLedger(db));
    const queue = new DbJobQueue(db, { maxAttempts: 1 });
    const files = { plain: new FilesService(db, inner, queue, silentLogger, 1024 * MB), encrypted: new FilesService(db, encrypted, queue, silentLogger, 1024 * MB) };
    const sizes = { blobBytes: (opts.quick ? 32 : 256) * MB, small: opts.quick ? 100 : 400, smallBytes: 32 * 1024 };
    const rounds = opts.quick ? 2 : 3;
    const runs: { plain: AtRestSide[]; encrypted: AtRestSide[] } = { plain: [], encrypted: [] };
    // Warm-up, not counted: JIT, the first data key, the page cache.
    for (const side of ['plain', 'encrypted'] as const) {
      await round(side === 'plain' ? inner : encrypted, files[side], side === 'plain' ? 'plain' : 'enc', { blobBytes: 8 * MB, small: 20, smallBytes: sizes.smallBytes, tag: 'warm' });
    }
    for (let r = 0; r < rounds; r++) {
      // Alternate which side goes first, so warm-up and page cache favour neither.
      const order = r % 2 === 0 ? (['plain', 'encrypted'] as const) : (['encrypted', 'plain'] as const);
      for (const side of order) {
        progress(`at-rest: round ${r + 1}/${rounds} ${side}`);
        runs[side].push(await round(side === 'plain' ? inner : encrypted, files[side], side === 'plain' ? 'plain' : 'enc', { ...sizes, tag: `r${r}` }));
      }
    }
    const agg = (xs: AtRestSide[]): AtRestSide => Object.fromEntries(
      (Object.keys(xs[0] as AtRestSide) as (keyof AtRestSide)[]).map((k) => [k, median(xs.map((x) => x[k]))]),
    ) as unknown as AtRestSide;
    const plain = agg(runs.plain);
    const enc = agg(runs.encrypted);
    const ratio = Object.fromEntries((Object.keys(plain) as (keyof AtRestSide)[]).map((k) => {
      // For a latency, lower is better: report plain/encrypted so every ratio reads "fraction of plain speed".
      const v = k === 'ranged_read_p95_ms' ? plain[k] / enc[k] : enc[k] / plain[k];
      return [k, Math.round(v * 100) / 100];
    })) as Record<keyof AtRestSide, number>;
    return { blob_mb: sizes.blobBytes / MB, small_files: sizes.small, small_file_kb: sizes.smallBytes / 1024, rounds, plain, encrypted: enc, ratio, peak_rss_mb: peakRssMb() };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The summary table. */
export function printAtRest(r: AtRestBenchResult): void {
  const rows: [string, keyof AtRestSide][] = [
    [`put ${r.blob_mb} MB blob, MB/s`, 'put_mb_s'], [`get ${r.blob_mb} MB blob, MB/s`, 'get_mb_s'],
    ['random 4 KiB ranged reads/s', 'ranged_reads_per_s'], ['ranged read p95 ms', 'ranged_read_p95_ms'],
    [`upload ${r.small_files} × ${r.small_file_kb} KB files/s (FilesService)`, 'upload_files_per_s'],
    [`download ${r.small_files} × ${r.small_file_kb} KB files/s`, 'download_files_per_s'],
  ];
  console.log([
    '## Encryption at rest: plain vs encrypted local-folder store (same process, same run)', '',
    `| measure | plain | encrypted | encrypted / plain speed |`, '|---|---|---|---|',
    ...rows.map(([label, k]) => `| ${label} | ${r.plain[k]} | ${r.encrypted[k]} | ${r.ratio[k]} |`),
    '', `medians of ${r.rounds} alternated rounds; peak RSS ${r.peak_rss_mb} MB`,
  ].join('\n'));
}
