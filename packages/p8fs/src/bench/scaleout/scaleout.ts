import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ms, percentile, progress } from '../common.js';
import { seededRandom, Vocabulary } from '../corpus.js';
import { writeCorpus } from '../ingest/ingest.js';
import { type Backends, Proc, startBackends } from './services.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../bin/p8fs.js', import.meta.url));

export type Stack = 'embedded' | 'scale-out';
export interface ScaleoutOptions {
  quick: boolean;
  stack: Stack;
  /** Worker processes (scale-out) — the embedded server runs its workers in process. */
  workers: number;
}

/** Jobs per worker process, on both stacks (the embedded server's --workers is the same knob). */
const CONCURRENCY = 2;

/**
 * The P1 workload — upload a generated corpus through the HTTP API, wait until every file is
 * indexed, then search — on the embedded default (one `p8fs serve`) or on the scale-out stack
 * (PostgreSQL, Ceph RGW, NATS; one API process, the router and N workers), all as real processes.
 * Embeddings come from the hash embedder at 512 dimensions on both, so the comparison is the
 * infrastructure's share: the model would cost the same per chunk on either.
 */
export async function runScaleoutOnce(o: ScaleoutOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-bench-scaleout-'));
  const procs: Proc[] = [];
  let backends: Backends | null = null;
  try {
    const files = writeCorpus(join(dir, 'corpus'), o.quick ? 30 : 200);
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOME: process.env.HOME, P8FS_EMBEDDING_PROVIDER: 'hash', P8FS_EMBEDDING_DIMENSIONS: '512', P8FS_LOG_LEVEL: 'warn',
    };
    let env: NodeJS.ProcessEnv;
    const start = (args: string[], e: NodeJS.ProcessEnv) => {
      const p = new Proc(BIN, args, e);
      procs.push(p);
      return p;
    };
    if (o.stack === 'scale-out') {
      progress('scaleout: starting PostgreSQL, Ceph RGW and NATS');
      backends = await startBackends();
      env = { ...base, ...backends.env, P8FS_DATA_DIR: join(dir, 'api'), P8FS_PUBLIC_URL: 'http://127.0.0.1', P8FS_TIER_SMALL_CONCURRENCY: String(CONCURRENCY) };
    } else {
      env = { ...base, P8FS_DATA_DIR: join(dir, 'vault') };
    }
    const api = start(['serve', '--port', '0', '--workers', o.stack === 'embedded' ? String(CONCURRENCY) : '0'], env);
    const url = await api.until((out) => /p8fs listening on (http:\/\/\S+)/.exec(out)?.[1], 'the API');
    if (o.stack === 'scale-out') {
      start(['router'], env);
      for (let i = 0; i < o.workers; i++) start(['worker', '--tier', 'small'], { ...env, P8FS_DATA_DIR: join(dir, `worker-${i}`) });
    }
    const token = (await run(process.execPath, [BIN, 'auth', 'token'], { env })).stdout.trim();
    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });

    progress(`scaleout: ${o.stack}${o.stack === 'scale-out' ? ` with ${o.workers} worker(s)` : ''}: uploading ${files.length} files`);
    const started = performance.now();
    await run(process.execPath, [BIN, 'ingest', join(dir, 'corpus'), '-r', '--server', url, '--token', token], { env, maxBuffer: 16 << 20 });
    const uploadS = (performance.now() - started) / 1000;
    let status: { files: Record<string, number>; resources: number };
    for (;;) {
      status = (await (await call('/api/v1/status')).json()) as typeof status;
      if ((status.files.indexed ?? 0) + (status.files.failed ?? 0) >= files.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const wallS = (performance.now() - started) / 1000;
    const search = await searchLatency(call, o.quick ? 20 : 60);
    const r1 = (x: number) => Math.round(x * 10) / 10;
    return {
      stack: o.stack, workers: o.stack === 'embedded' ? 'in process' : o.workers, concurrency_per_worker: CONCURRENCY,
      files: files.length, chunks: status.resources, failed: status.files.failed ?? 0,
      upload_s: r1(uploadS), wall_s: r1(wallS), files_per_s: r1(files.length / wallS), chunks_per_s: r1(status.resources / wallS),
      search_ms: search,
    };
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await backends?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export type ScaleoutResult = Awaited<ReturnType<typeof runScaleoutOnce>>;

async function searchLatency(call: (path: string, init?: RequestInit) => Promise<Response>, n: number) {
  const vocab = new Vocabulary();
  const rnd = seededRandom(4242);
  const took: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    const query = Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => vocab.word(rnd)).join(' ');
    const t = performance.now();
    const res = await call('/api/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, limit: 10 }) });
    await res.arrayBuffer();
    if (i >= 5) took.push(performance.now() - t);
  }
  return { p50: ms(percentile(took, 50)), p95: ms(percentile(took, 95)) };
}
