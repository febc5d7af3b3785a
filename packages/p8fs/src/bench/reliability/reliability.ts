import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { S3BlobStore } from '../../adapters/blob/s3-blob-store.js';
import { progress, TMP_DIR } from '../common.js';
import { freePort, Proc } from '../scaleout/services.js';
import { type Call, type LoadStats, noteMaker, procMemMb, runLoad, uploadInit } from './load.js';
import { type FaultableBackends, startFaultableBackends } from './stack.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../bin/p8fs.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type ReliabilityStack = 'embedded' | 'scale-out';
export const FAULTS = ['worker-kill', 'nats-restart', 'pg-restart', 'rgw-down'] as const;
export type Fault = (typeof FAULTS)[number];

/** Jobs per worker process (and the embedded server's --workers), as in the scaleout suite. */
const CONCURRENCY = 2;
/** Redelivery of a killed worker's message after 5 s rather than the default, as queue-faults.test.ts does. */
const ACK_WAIT_S = '5';
const RGW_DOWN_MS = 10_000;

interface Running {
  url: string;
  call: Call;
  env: NodeJS.ProcessEnv;
  procs: Map<string, Proc>;
  backends: FaultableBackends | null;
  dir: string;
  startWorker(name: string): Proc;
  /** Processes that exited without being told to, since the last call; each is started again, as a supervisor would. */
  reap(): Crash[];
  close(): Promise<void>;
}

export interface Crash {
  name: string;
  code: number | null;
  signal: string | null;
  /** the end of its output, to say why */
  tail: string;
}

/** The embedded default (one `p8fs serve`) or the scale-out stack (API + router + 2 workers), hash embedder, a registered tenant token. */
async function startStack(stack: ReliabilityStack): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-bench-reliability-'));
  const procs = new Map<string, Proc>();
  const specs = new Map<string, { args: string[]; env: NodeJS.ProcessEnv }>();
  let backends: FaultableBackends | null = null;
  const close = async () => {
    for (const p of [...procs.values()].reverse()) await p.stop();
    await backends?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOME: process.env.HOME, P8FS_EMBEDDING_PROVIDER: 'hash', P8FS_EMBEDDING_DIMENSIONS: '512', P8FS_LOG_LEVEL: 'warn',
    };
    let env: NodeJS.ProcessEnv;
    if (stack === 'scale-out') {
      progress('reliability: starting PostgreSQL, Ceph RGW and NATS');
      backends = await startFaultableBackends();
      env = { ...base, ...backends.env, P8FS_DATA_DIR: join(dir, 'api'), P8FS_PUBLIC_URL: 'http://127.0.0.1',
        P8FS_TIER_SMALL_CONCURRENCY: String(CONCURRENCY), P8FS_TIER_SMALL_ACK_WAIT_SECONDS: ACK_WAIT_S };
    } else {
      env = { ...base, P8FS_DATA_DIR: join(dir, 'vault') };
    }
    const start = (name: string, args: string[], e: NodeJS.ProcessEnv) => {
      const p = new Proc(BIN, args, e);
      procs.set(name, p);
      specs.set(name, { args, env: e });
      return p;
    };
    // A fixed port, so that an API started again after a crash answers at the same URL.
    const api = start('api', ['serve', '--port', String(await freePort()), '--workers', stack === 'embedded' ? String(CONCURRENCY) : '0'], env);
    const url = await api.until((out) => /p8fs listening on (http:\/\/\S+)/.exec(out)?.[1], 'the API');
    let n = 0;
    const startWorker = (name: string) => start(name, ['worker', '--tier', 'small'], { ...env, P8FS_DATA_DIR: join(dir, `worker-${n++}`) });
    if (stack === 'scale-out') {
      start('router', ['router'], env);
      startWorker('worker-a');
      startWorker('worker-b');
    }
    // The tenant token the scaleout suite uses: `p8fs auth token` on the same data dir/database.
    const token = (await run(process.execPath, [BIN, 'auth', 'token'], { env })).stdout.trim();
    const call: Call = (path, init = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
    const reap = (): Crash[] => {
      const crashed: Crash[] = [];
      for (const [name, p] of procs) {
        if (p.child.exitCode === null && p.child.signalCode === null) continue;
        crashed.push({ name, code: p.child.exitCode, signal: p.child.signalCode, tail: p.out.slice(-4000) });
        const spec = specs.get(name) as { args: string[]; env: NodeJS.ProcessEnv };
        start(name, spec.args, spec.env);
      }
      return crashed;
    };
    return { url, call, env, procs, backends, dir, startWorker, reap, close };
  } catch (err) {
    await close();
    throw err;
  }
}

const memOf = (procs: Map<string, Proc>) =>
  Object.fromEntries([...procs].map(([name, p]) => [name, procMemMb(p.child.pid ?? undefined)]));

export interface LoadRunOptions {
  quick: boolean;
  stack: ReliabilityStack;
  uploaders?: number;
  searchers?: number;
  seconds?: number;
}

/** The load: N uploaders + M searchers for D seconds, then how long the queue took to index what came in. */
export async function runReliabilityLoad(o: LoadRunOptions) {
  const uploaders = o.uploaders ?? (o.quick ? 5 : 20);
  const searchers = o.searchers ?? (o.quick ? 20 : 100);
  const seconds = o.seconds ?? (o.quick ? 15 : 60);
  const s = await startStack(o.stack);
  try {
    // A little content first, so search has something to find from the first second.
    const seed = noteMaker(1);
    for (let i = 0; i < 20; i++) {
      const { name, body } = seed();
      await (await s.call('/api/v1/files', uploadInit(name, body, 'seed'))).arrayBuffer();
    }
    progress(`reliability: load on ${o.stack}: ${uploaders} uploaders + ${searchers} searchers for ${seconds} s`);
    const load: LoadStats = await runLoad(s.call, { uploaders, searchers, seconds });
    const t = performance.now();
    let status: { files: Record<string, number>; resources: number } = { files: {}, resources: 0 };
    const expected = load.uploaded_ids.length + 20;
    for (let i = 0; i < 1200; i++) {
      status = (await (await s.call('/api/v1/status')).json()) as typeof status;
      if ((status.files.indexed ?? 0) + (status.files.failed ?? 0) >= expected) break;
      await sleep(250);
    }
    const drainS = Math.round((performance.now() - t) / 100) / 10;
    const memory_mb = memOf(s.procs);
    const { uploaded_ids: _ids, ...rest } = load;
    return {
      kind: 'load' as const, stack: o.stack, workers: o.stack === 'embedded' ? 'in process' : '2 processes', concurrency_per_worker: CONCURRENCY,
      ...rest, files_uploaded: load.uploaded_ids.length, files_indexed: status.files.indexed ?? 0, files_failed: status.files.failed ?? 0,
      chunks: status.resources, drain_after_load_s: drainS, memory_mb,
    };
  } finally {
    await s.close();
  }
}

export type ReliabilityLoadResult = Awaited<ReturnType<typeof runReliabilityLoad>>;

export interface FaultRunOptions {
  quick: boolean;
  /** cycles of each fault kind */
  cycles?: number;
}

interface CycleResult {
  fault: Fault;
  cycle: number;
  uploaded: number;
  upload_errors: number;
  /** worker-kill: whether the killed worker held a running job when it was killed */
  mid_job?: boolean;
  settle_s: number;
  lost: number;
  missing_blobs: number;
  duplicated_chunks: number;
  fault_s: number;
  /** P8FS processes that exited by themselves during the cycle (started again by the suite) */
  crashed: string[];
}

/**
 * The fault loop on the scale-out stack: each cycle uploads a batch of notes (and one big note that keeps a
 * worker busy), injects one fault while those jobs run, waits until the batch settles, then counts on
 * PostgreSQL the files lost (uploaded but not indexed, or whose blob is missing from RGW) and the chunks
 * duplicated (two resources with the same file and ordinal) over the whole vault.
 */
export async function runReliabilityFaults(o: FaultRunOptions) {
  const cyclesPer = o.cycles ?? (o.quick ? 2 : 25);
  const batch = o.quick ? 8 : 12;
  const s = await startStack('scale-out');
  const sql = new pg.Pool({ connectionString: s.env.P8FS_PG_URL, max: 2 });
  sql.on('error', () => undefined);
  const env = s.env as Record<string, string>;
  const blobs = new S3BlobStore({ endpoint: env.P8FS_S3_ENDPOINT, region: env.P8FS_S3_REGION as string, bucket: env.P8FS_S3_BUCKET as string,
    accessKeyId: env.P8FS_S3_ACCESS_KEY as string, secretAccessKey: env.P8FS_S3_SECRET_KEY as string });
  const query = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => {
    for (let i = 0; ; i++) {
      try {
        return (await sql.query<T>(text, values)).rows;
      } catch (err) {
        if (i >= 60) throw err;
        await sleep(500);
      }
    }
  };
  const cycles: CycleResult[] = [];
  const allCrashes: (Crash & { fault: Fault; cycle: number })[] = [];
  const peakMem: Record<string, number> = {};
  const notePeaks = () => {
    for (const [name, m] of Object.entries(memOf(s.procs))) if (m) peakMem[name] = Math.max(peakMem[name] ?? 0, m.peak_mb);
  };
  let workerSeq = 0;
  const started = performance.now();
  try {
    const next = noteMaker(77);
    const big = () => {
      const { name, body } = next();
      return { name: `big-${name}`, body: body.repeat(60) };
    };
    for (let c = 0; c < cyclesPer; c++) {
      for (const fault of FAULTS) {
        notePeaks();
        // Upload the batch while the fault happens: an upload the API refuses (a backend down) is retried
        // by the client until accepted, and only accepted uploads count as "uploaded".
        const ids: string[] = [];
        let uploadErrors = 0;
        const upload = async (f: { name: string; body: string }) => {
          for (let attempt = 0; attempt < 120; attempt++) {
            try {
              const res = await s.call('/api/v1/files', uploadInit(f.name, f.body, `faults/${fault}-${c}`));
              const j = (await res.json().catch(() => null)) as { id?: string } | null;
              if (res.ok && j?.id) return void ids.push(j.id);
            } catch {
              // connection-level failure: retried below
            }
            uploadErrors++;
            await sleep(500);
          }
        };
        const crashes: Crash[] = [];
        const reaper = setInterval(() => crashes.push(...s.reap()), 500);
        const files = [big(), ...Array.from({ length: batch - 1 }, () => next())];
        const uploads = Promise.all(files.map(upload));
        const t = performance.now();
        let midJob: boolean | undefined;
        if (fault === 'worker-kill') {
          // Kill -9 the worker whose lease is on a running job; without one in 5 s, the first worker.
          let victim: string | undefined;
          for (let i = 0; i < 250 && !victim; i++) {
            const running = await query<{ locked_by: string }>(`SELECT locked_by FROM jobs WHERE status = 'running' AND locked_by IS NOT NULL`);
            victim = [...s.procs].find(([name, p]) => name.startsWith('worker') && running.some((r) => r.locked_by.includes(`:${p.child.pid}:`)))?.[0];
            if (!victim) await sleep(20);
          }
          midJob = victim !== undefined;
          const name = victim ?? ([...s.procs.keys()].find((k) => k.startsWith('worker')) as string);
          const p = s.procs.get(name) as Proc;
          notePeaks();
          const exited = new Promise((r) => p.child.once('exit', r));
          s.procs.delete(name);
          p.child.kill('SIGKILL');
          await exited;
          s.startWorker(`worker-${++workerSeq}`);
        } else {
          await sleep(200);
          if (fault === 'nats-restart') await s.backends?.restartNats();
          if (fault === 'pg-restart') await s.backends?.restartPg();
          if (fault === 'rgw-down') await s.backends?.rgwDown(RGW_DOWN_MS);
        }
        const faultS = (performance.now() - t) / 1000;
        await uploads;
        // Settled: every accepted file indexed or failed, and no job of them queued or running (up to 3 min).
        const t2 = performance.now();
        for (let i = 0; i < 720; i++) {
          const [r] = await query<{ done: number; open: number }>(
            `SELECT (SELECT count(*)::int FROM files WHERE id = ANY($1::uuid[]) AND status IN ('indexed', 'failed')) AS done,
                    (SELECT count(*)::int FROM jobs WHERE status IN ('queued', 'running')) AS open`, [ids]);
          if (r && r.done === ids.length && r.open === 0) break;
          await sleep(250);
        }
        const settleS = (performance.now() - t2) / 1000;
        clearInterval(reaper);
        crashes.push(...s.reap());
        allCrashes.push(...crashes.map((x) => ({ fault, cycle: c + 1, ...x })));
        const rows = await query<{ id: string; tenant_id: string; blob_key: string; status: string }>(
          `SELECT id, tenant_id, blob_key, status FROM files WHERE id = ANY($1::uuid[])`, [ids]);
        const indexed = rows.filter((r) => r.status === 'indexed').length;
        let missing = 0;
        for (const r of rows) if (!(await blobs.exists(r.tenant_id, r.blob_key).catch(() => false))) missing++;
        const [dup] = await query<{ n: number }>(
          `SELECT coalesce(sum(n - 1), 0)::int AS n FROM (SELECT count(*) AS n FROM resources GROUP BY file_id, ordinal HAVING count(*) > 1) d`);
        const result: CycleResult = {
          fault, cycle: c + 1, uploaded: ids.length, upload_errors: uploadErrors, ...(midJob === undefined ? {} : { mid_job: midJob }),
          settle_s: Math.round(settleS * 10) / 10, lost: ids.length - indexed, missing_blobs: missing, duplicated_chunks: dup?.n ?? 0,
          fault_s: Math.round(faultS * 10) / 10, crashed: crashes.map((x) => `${x.name} (${x.signal ?? `exit ${x.code}`})`),
        };
        cycles.push(result);
        progress(`reliability: ${fault} #${c + 1}: ${JSON.stringify(result)}`);
        // Every cycle so far, should the run be stopped before the end (never reported as a full run).
        mkdirSync(TMP_DIR, { recursive: true });
        writeFileSync(join(TMP_DIR, 'reliability-faults-partial.json'), `${JSON.stringify(cycles, null, 1)}\n`);
      }
    }
    notePeaks();
    const [totals] = await query<{ files: number; indexed: number; resources: number; dead: number }>(
      `SELECT (SELECT count(*)::int FROM files) AS files, (SELECT count(*)::int FROM files WHERE status = 'indexed') AS indexed,
              (SELECT count(*)::int FROM resources) AS resources, (SELECT count(*)::int FROM jobs WHERE status = 'dead') AS dead`);
    const byFault = Object.fromEntries(FAULTS.map((f) => {
      const cs = cycles.filter((x) => x.fault === f);
      const crashed = cs.reduce((a, x) => a + x.crashed.length, 0);
      const sum = (k: 'uploaded' | 'upload_errors' | 'lost' | 'missing_blobs' | 'duplicated_chunks') => cs.reduce((a, x) => a + x[k], 0);
      const settle = cs.map((x) => x.settle_s).sort((a, b) => a - b);
      return [f, {
        cycles: cs.length, uploaded: sum('uploaded'), upload_retries: sum('upload_errors'), lost: sum('lost'), missing_blobs: sum('missing_blobs'),
        max_duplicated_chunks: Math.max(0, ...cs.map((x) => x.duplicated_chunks)),
        process_crashes: crashed, settle_s_median: settle[Math.floor(settle.length / 2)] ?? 0, settle_s_max: settle[settle.length - 1] ?? 0,
        ...(f === 'worker-kill' ? { killed_mid_job: cs.filter((x) => x.mid_job).length } : {}),
      }];
    }));
    return {
      kind: 'faults' as const, stack: 'scale-out' as const, cycles_per_fault: cyclesPer, cycles_total: cycles.length, batch_files: batch,
      ack_wait_s: Number(ACK_WAIT_S), rgw_down_s: RGW_DOWN_MS / 1000, wall_s: Math.round((performance.now() - started) / 1000),
      by_fault: byFault, totals, peak_rss_mb: peakMem, crashes: allCrashes.slice(0, 20), cycles,
    };
  } finally {
    blobs.close();
    await sql.end().catch(() => undefined);
    await s.close();
  }
}

export type ReliabilityFaultsResult = Awaited<ReturnType<typeof runReliabilityFaults>>;
export type ReliabilityResult = ReliabilityLoadResult | ReliabilityFaultsResult;
