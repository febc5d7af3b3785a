import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MachineInfo, REPO_ROOT } from '../common.js';
import { FAULTS, type ReliabilityFaultsResult, type ReliabilityLoadResult, type ReliabilityResult } from './reliability.js';

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const sep = (n: number) => row(Array.from({ length: n }, () => '---'));

export interface ReliabilityBody {
  quick: boolean;
  machine: MachineInfo;
  wall_s: number;
  /** the flags that shortened the run below the defaults (e.g. --cycles 10), or null */
  reduced: string | null;
  runs: ReliabilityResult[];
}

function loadTables(loads: ReliabilityLoadResult[]): string[] {
  const out = [row(['stack', 'op', 'clients', 'requests', 'ok', 'ok/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', '429', 'errors']), sep(12)];
  for (const r of loads) {
    for (const [op, s] of [['upload', r.upload], ['search', r.search]] as const) {
      const l = s.latency_ms;
      out.push(row([r.stack, op, s.clients, s.requests, s.ok, s.per_s, l.p50, l.p95, l.p99, l.max, s.rate_limited, s.errors]));
    }
  }
  out.push('', row(['stack', 'seconds', 'files accepted', 'indexed', 'failed', 'chunks', 'queue drained after load (s)', 'peak RSS MB (VmHWM) per process']), sep(8));
  for (const r of loads) {
    const mem = Object.entries(r.memory_mb).map(([n, m]) => `${n} ${m?.peak_mb ?? '–'}`).join(', ');
    out.push(row([r.stack, r.seconds, r.files_uploaded, r.files_indexed, r.files_failed, r.chunks, r.drain_after_load_s, mem]));
  }
  for (const r of loads) {
    for (const [op, st] of [['upload', r.upload], ['search', r.search]] as const) {
      if (st.rate_limited) out.push('', `${r.stack} ${op}: ${Math.round((st.rate_limited / st.requests) * 100)}% of requests were answered 429; a closed-loop client sends its next request at once, so the 429s are fast and many, and *ok/s* is the rate the gate let through, not the server's capacity.`);
    }
  }
  const samples = loads.flatMap((r) => [...r.upload.error_samples, ...r.search.error_samples].map((e) => `${r.stack}: ${e}`));
  if (samples.length) out.push('', 'First errors seen:', '', ...samples.map((e) => `- \`${e.replace(/`/g, "'").replace(/\s+/g, ' ')}\``));
  return out;
}

/** api and router as they are; the workers (one per kill) as their count and largest peak. */
function peaks(m: Record<string, number>): string {
  const workers = Object.entries(m).filter(([n]) => n.startsWith('worker'));
  const rest = Object.entries(m).filter(([n]) => !n.startsWith('worker')).map(([n, v]) => `${n} ${v}`);
  return [...rest, `workers ${Math.max(0, ...workers.map(([, v]) => v))} (largest of ${workers.length} worker processes)`].join(', ');
}

function faultTables(f: ReliabilityFaultsResult): string[] {
  const out = [row(['fault', 'cycles', 'files uploaded', 'upload retries', 'files lost', 'missing blobs', 'duplicated chunks (max after a cycle)', 'settle s (median / max)', 'P8FS process crashes', 'note']), sep(10)];
  for (const name of FAULTS) {
    const b = f.by_fault[name] as ReliabilityFaultsResult['by_fault'][string] & { killed_mid_job?: number };
    if (!b) continue;
    const note = name === 'worker-kill' ? `${b.killed_mid_job ?? 0}/${b.cycles} kills hit a worker holding a running job` : name === 'rgw-down' ? `radosgw down ${f.rgw_down_s} s` : '';
    out.push(row([name, b.cycles, b.uploaded, b.upload_retries, b.lost, b.missing_blobs, b.max_duplicated_chunks, `${b.settle_s_median} / ${b.settle_s_max}`, b.process_crashes, note]));
  }
  const t = f.totals;
  out.push('', `After all ${f.cycles_total} cycles the database held ${t?.files} files (${t?.indexed} indexed), ${t?.resources} chunks and ${t?.dead} dead jobs; ` +
    `peak RSS (VmHWM, MB): ${peaks(f.peak_rss_mb)}. Wall time ${f.wall_s} s.`);
  if (f.crashes.length) {
    out.push('', '*P8FS process crashes* are API, router or worker processes that exited by themselves during a cycle (not the worker the',
      'suite killed); the suite started each again, as a supervisor would, and went on. The first ones, with the end of their output:', '');
    for (const x of f.crashes.slice(0, 5)) {
      const ls = x.tail.split('\n').map((l) => l.trim());
      const why = (ls.find((l) => /^(\w*Error\b|error:)|terminat/i.test(l)) ?? ls.filter((l) => /error|fatal/i.test(l)).slice(-1)[0] ?? '').slice(0, 300);
      out.push(`- ${x.fault} #${x.cycle}: \`${x.name}\` ${x.signal ?? `exit ${x.code}`}: \`${(why || x.tail.slice(-200)).replace(/`/g, "'").replace(/\s+/g, ' ')}\``);
    }
  }
  return out;
}

/** docs/reliability.md, written from one result file of the reliability suite. */
export function reliabilityMarkdown(body: ReliabilityBody, resultFile: string): string {
  const m = body.machine;
  const loads = body.runs.filter((r): r is ReliabilityLoadResult => r.kind === 'load');
  const faults = body.runs.find((r): r is ReliabilityFaultsResult => r.kind === 'faults');
  const label = body.quick ? '**quick smoke run** (`--quick`: 5 uploaders + 20 searchers for 15 s, 2 cycles of each fault)' :
    body.reduced ? `**reduced run** (\`${body.reduced}\`), not the full defaults` : 'full run (defaults)';
  const out = [
    '# Reliability: load and fault figures',
    '',
    '<!-- Generated by `npm run bench -- --only reliability` (packages/p8fs/src/bench/reliability/report.ts); edit the generator, not this file. -->',
    '',
    `This is a ${label}. Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} × ${m.cpu_model}, ${m.total_mem_gb} GB RAM, ` +
      `Node ${m.node} (${m.platform}), commit ${m.git_sha?.slice(0, 12) ?? 'unknown'}${m.git_dirty ? ' with uncommitted changes' : ''}; ` +
      `the suite took ${body.wall_s} s. Raw numbers: \`${resultFile}\`.`,
    '',
    'Everything runs on one machine over loopback: the load generator, the P8FS processes and, for scale-out, PostgreSQL 15,',
    'a one-OSD Ceph cluster with radosgw (S3) and nats-server (JetStream), started by `scripts/postgres.sh`, `scripts/ceph-rgw.sh`',
    'and `scripts/nats.sh`. Embeddings come from the hash embedder (512-d), so the figures are the infrastructure\'s share, as in the',
    'scaleout suite of [benchmarks.md](benchmarks.md); a real embedding model adds its own cost per chunk on either stack.',
    '',
    '## How to reproduce',
    '',
    '```sh',
    'npm run bench -- --only reliability                             # full: 20+100 clients for 60 s per stack, 25 cycles of each fault',
    'npm run bench -- --only reliability --quick                     # smoke: 5+20 clients for 15 s, 2 cycles of each fault',
    'npm run bench -- --only reliability --cycles 10                 # full load, 10 cycles of each fault (labelled reduced)',
    '```',
    '',
    'Needs the system packages of `scripts/setup-system.sh` (PostgreSQL 15 + pgvector, ceph-mon/ceph-osd/radosgw, nats-server).',
    '',
    '## Load',
    '',
  ];
  if (loads.length) {
    const l = loads[0] as ReliabilityLoadResult;
    out.push(
      `${l.uploaders} concurrent uploaders and ${l.searchers} concurrent searchers for ${l.seconds} s against one API, on the embedded default`,
      '(`p8fs serve` on a fresh data dir: PGlite, blob folder, in-database queue, 2 in-process job slots) and on scale-out (`p8fs serve',
      '--workers 0` + `p8fs router` + two `p8fs worker --tier small` processes with 2 slots each, on PostgreSQL + RGW + NATS).',
      'Each uploader POSTs a fresh 1-4 KB markdown note to `/api/v1/files` (multipart, as `p8fs ingest --server` does); each searcher',
      'POSTs a 2-4 word hybrid query (limit 10) to `/api/v1/search`. Both use the registered tenant token of `p8fs auth token`.',
      '',
      '**Load generator:** a small closed-loop generator on Node\'s `fetch` (src/bench/reliability/load.ts), not autocannon: every client',
      'sends its next request as soon as the previous one answered, so concurrency is fixed and each latency is one whole request',
      '(send to last body byte) as a client sees it; multipart uploads with a unique body per request are simple there, and no',
      'dependency is added. Being closed-loop, it measures latency at the throughput the server sustains (no coordinated-omission',
      'correction); the generator shares the 2 cores with the server, which lowers both throughput figures.',
      '',
      '**Counting:** latency percentiles are over the 2xx answers. A 429 (rate limit or tenant gate) is counted in its own column and',
      'not as an error: it is the server protecting itself, expected under load. *errors* are every other non-2xx answer and every',
      'request that failed at the connection level (target 0). Peak RSS is each server process\'s VmHWM from `/proc/<pid>/status`,',
      'read at the end of the run (the load generator\'s own memory is not included). After the load, the suite waits until every',
      'accepted upload is indexed and reports how long the queue took to drain.',
      '',
      ...loadTables(loads),
      '',
    );
  } else out.push('Not run in this invocation.', '');
  out.push('## Faults', '');
  if (faults) {
    out.push(
      `${faults.cycles_total} fault cycles in all (${faults.cycles_per_fault} of each kind, interleaved) on one scale-out stack (API + router + two workers;`,
      `workers that are killed are replaced by fresh ones). Each cycle uploads ${faults.batch_files} notes, one of them ~60× larger so a job is`,
      'in flight, then injects the fault while those uploads and jobs run:',
      '',
      `- **worker-kill:** \`kill -9\` of the worker whose lease (\`jobs.locked_by\`) is on a running job (up to 5 s of looking; the table says`,
      `  how many kills hit a job in flight), then a new worker starts. The message comes back after ack_wait (${faults.ack_wait_s} s here, as in`,
      '  test/e2e/queue-faults.test.ts).',
      '- **nats-restart:** `scripts/nats.sh stop` (SIGTERM) and start again on the same port and JetStream store.',
      '- **pg-restart:** `pg_ctl restart -m fast` (every connection cut, the server back with the same options).',
      `- **rgw-down:** \`kill -9\` of radosgw, ${faults.rgw_down_s} s with nothing listening on the S3 port, then radosgw started again with`,
      '  its own command line (monitor and OSD stay up, so the objects survive, as they would behind a real RGW restart).',
      '',
      'An upload that the API refuses while a backend is down is retried by the client every 0.5 s (*upload retries*); only accepted',
      'uploads count. After each cycle the suite waits (up to 3 min) until every accepted file is indexed or failed and no job is',
      'queued or running, then counts on PostgreSQL: **files lost** = accepted files not `indexed` (target 0), **missing blobs** =',
      'accepted files whose blob key is not in the RGW bucket (HEAD, target 0), and **duplicated chunks** = extra `resources` rows',
      'sharing a `(file_id, ordinal)` over the whole vault (target 0). A P8FS process that exits by itself is started again by the',
      'suite (as systemd or Kubernetes would) and counted under *P8FS process crashes* (target 0).',
      '',
      ...faultTables(faults),
      '',
    );
  } else out.push('Not run in this invocation.', '');
  out.push('## Not run, and why', '');
  const notRun: string[] = [];
  if (body.quick) notRun.push('- This is the `--quick` smoke run: the full load (20 + 100 clients for 60 s) and the full fault loop (25 × 4 = 100 cycles) were not run.');
  else if (body.reduced) notRun.push(`- Run with \`${body.reduced}\`: fewer fault cycles than the 100 the issue asks for, for lack of time on this machine; the figures above are for that count only.`);
  notRun.push(
    '- Faults run on scale-out only: the embedded default has no separate worker, queue server, database server or object store to',
    '  take down (its crash recovery is covered by test/e2e/worker-restart.test.ts and the in-database queue\'s lease tests).',
    '- No real embedding model under load (see above), no TLS, no network between machines, and one tenant only: the 429 column',
    '  shows whether per-tenant gates engaged, not how fairly they share.',
  );
  out.push(...notRun, '');
  return out.join('\n');
}

/** Print the markdown and write it to docs/reliability.md. */
export function printReliability(body: ReliabilityBody, resultFile: string): void {
  const md = reliabilityMarkdown(body, resultFile.startsWith(REPO_ROOT) ? resultFile.slice(REPO_ROOT.length + 1) : resultFile);
  writeFileSync(join(REPO_ROOT, 'docs', 'reliability.md'), md);
  console.log(md);
}
