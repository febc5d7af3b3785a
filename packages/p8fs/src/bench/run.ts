// `npm run bench`: retrieval quality on LoCoMo, ingest throughput, search latency and parser quality/speed.
// Each measurement runs in its own child process, so peak RSS belongs to that measurement alone.
// Results go to bench/results/<date>-<suite>.json; docs/benchmarks.md explains them.
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { machineInfo, progress, writeResult } from './common.js';
import { printAtRest, runAtRestOnce, type AtRestBenchResult } from './at-rest/at-rest.js';
import { type DbAdapterName, runDbOnce } from './db/db.js';
import { type E2eSyncBenchResult, printE2eSync, runE2eSyncOnce } from './e2e-sync/e2e-sync.js';
import { runIngestOnce } from './ingest/ingest.js';
import { runLatencyOnce } from './latency/latency.js';
import { runLocomo } from './locomo/locomo.js';
import { type NotesBenchResult, printNotes, runNotesOnce } from './notes/notes.js';
import { runRemOnce } from './rem/rem.js';
import { runScaleoutOnce, type Stack } from './scaleout/scaleout.js';
import { corpusFormats, runParsersFormat } from './parsers.js';
import { runParsersAudio } from './parsers-audio.js';
import { printParsers } from './parsers-report.js';
import { printDb, printIngest, printLatency, printLocomo, printReliability, printRem, printScaleout } from './report.js';
import { runReliabilityFaults, runReliabilityLoad, type ReliabilityStack } from './reliability/reliability.js';
import type { ReliabilityBody } from './reliability/report.js';

const SUITES = ['locomo', 'ingest', 'latency', 'rem', 'scaleout', 'parsers', 'db', 'at-rest', 'e2e-sync', 'reliability', 'notes'] as const;
type Suite = (typeof SUITES)[number];

const USAGE = `usage: npm run bench -- [--only locomo,ingest,latency,rem,scaleout,parsers,db,at-rest,e2e-sync,reliability,notes] [--quick] [--variants] [--sizes 10000,100000] [--cycles N]
  --only      suites to run (default: all)
  --quick     smoke mode: small inputs, a few minutes in all (parsers: 1 timed parse per file, not 3)
  --variants  locomo: also measure the fusion / context / scoring variants of decision 0003
  --sizes     latency: corpus sizes in chunks (default 10000,100000; with --quick 2000)
  rem         LOOKUP, FUZZY, TRAVERSE depth 1-3 and SQL over a generated graph of 100k edges (--quick: 5k)
  scaleout    the P1 workload (upload, index, search) on the embedded default and on PostgreSQL + Ceph RGW
              + NATS with one and two worker processes, as real processes (needs scripts/setup-system.sh)
  db          the embedded database in this thread (baseline) and in its own thread: statements/s, reopen,
              and how soon a stopped runaway read gives the database back (decision 0016)
  at-rest     encryption at rest: plain vs encrypted blob store in one run (put/get MB/s, ranged reads,
              files through FilesService), with the encrypted/plain ratio (decision 0017)
  e2e-sync    end-to-end vaults: push and pull records/s and MB/s over a log of 500 files x 3 versions, and a new
              device bootstrapping the 10k-chunk vault from a snapshot vs replaying the log (decision 0018)
  reliability N uploaders + M searchers for D s (20/100/60 s; --quick 5/20/15 s) on the embedded default and on
              scale-out, then kill -9 worker / nats-server restart / PostgreSQL restart / RGW down 10 s, --cycles of each
              (default 25, --quick 2), counting files lost and duplicated chunks; writes docs/reliability.md
  notes       personal-notes yardstick: a generated vault + the shared docs corpus as distractors, 68 questions,
              hit@1/@3 over files per mode, grouped by file vs the raw chunk list (issue 15, decision 0022)`;

interface Flags {
  quick: boolean;
  variants: boolean;
  sizes?: string;
  /** reliability: fault cycles of each kind (default 25, --quick 2) */
  cycles?: number;
}

/** Run one job in this process: the child side of the fork. */
async function runJob(job: string, f: Flags): Promise<unknown> {
  const [suite, arg] = job.split(':');
  if (suite === 'locomo') return runLocomo({ quick: f.quick, variants: f.variants });
  if (suite === 'ingest') return runIngestOnce({ quick: f.quick, embedder: arg === 'hash' ? 'hash' : 'use-lite' });
  if (suite === 'latency') return runLatencyOnce({ quick: f.quick, size: Number(arg) });
  if (suite === 'rem') return runRemOnce({ quick: f.quick, edges: Number(arg) });
  if (suite === 'scaleout') return runScaleoutOnce({ quick: f.quick, stack: arg as Stack, workers: Number(job.split(':')[2] ?? 1) });
  if (suite === 'db') return runDbOnce({ quick: f.quick, adapter: arg as DbAdapterName });
  if (suite === 'at-rest') return runAtRestOnce({ quick: f.quick });
  if (suite === 'e2e-sync') return runE2eSyncOnce({ quick: f.quick });
  if (suite === 'notes') return runNotesOnce({ quick: f.quick });
  if (suite === 'reliability') return arg === 'faults' ? runReliabilityFaults({ quick: f.quick, cycles: f.cycles }) : runReliabilityLoad({ quick: f.quick, stack: arg as ReliabilityStack });
  if (suite === 'parsers') return arg === 'audio' ? runParsersAudio({ quick: f.quick }) : runParsersFormat({ quick: f.quick, format: arg as string });
  throw new Error(`unknown job ${job}`);
}

function jobsOf(suite: Suite, f: Flags): string[] {
  if (suite === 'locomo') return ['locomo'];
  if (suite === 'ingest') return ['ingest:use-lite', 'ingest:hash'];
  if (suite === 'rem') return [`rem:${f.quick ? 5000 : 100_000}`];
  if (suite === 'scaleout') return ['scaleout:embedded:1', 'scaleout:scale-out:1', 'scaleout:scale-out:2'];
  if (suite === 'db') return ['db:in-thread', 'db:worker'];
  if (suite === 'at-rest') return ['at-rest'];
  if (suite === 'e2e-sync') return ['e2e-sync'];
  if (suite === 'notes') return ['notes'];
  if (suite === 'reliability') return ['reliability:embedded', 'reliability:scale-out', 'reliability:faults'];
  // One process per corpus format, so each format's peak RSS is its own.
  if (suite === 'parsers') return [...corpusFormats(), 'audio'].map((f) => `parsers:${f}`);
  const sizes = f.sizes ? f.sizes.split(',').map((s) => Number(s.trim())) : f.quick ? [2000] : [10_000, 100_000];
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes: positive integers expected, got ${f.sizes}`);
  return sizes.map((n) => `latency:${n}`);
}

/** Fork this script for one job and wait for its result message. */
function forkJob(job: string, argv: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = fork(process.argv[1] as string, [...argv, '--job', job], { execArgv: process.execArgv, stdio: 'inherit' });
    let result: unknown;
    child.on('message', (m) => (result = m));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && result !== undefined ? resolve(result) : reject(new Error(`${job} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' }, quick: { type: 'boolean', default: false }, variants: { type: 'boolean', default: false },
      sizes: { type: 'string' }, cycles: { type: 'string' }, job: { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  const flags: Flags = { quick: values.quick ?? false, variants: values.variants ?? false, sizes: values.sizes,
    cycles: values.cycles === undefined ? undefined : Number(values.cycles) };
  if (flags.cycles !== undefined && !(Number.isInteger(flags.cycles) && flags.cycles > 0)) throw new Error(`--cycles: a positive integer expected, got ${values.cycles}`);
  if (values.help) return void console.log(USAGE);
  if (values.job) {
    const result = await runJob(values.job, flags);
    await new Promise<void>((r) => (process.send ? process.send(result as object, undefined, {}, () => r()) : r()));
    return;
  }
  const suites = values.only ? values.only.split(',').map((s) => s.trim()) : [...SUITES];
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown suite(s): ${unknown.join(', ')}\n${USAGE}`);
  const argv = process.argv.slice(2).filter((a, i, all) => a !== '--only' && all[i - 1] !== '--only' && !a.startsWith('--only='));
  for (const suite of suites as Suite[]) {
    const started = performance.now();
    const runs: unknown[] = [];
    for (const job of jobsOf(suite, flags)) {
      progress(`${job}: start`);
      runs.push(await forkJob(job, argv));
    }
    const reduced = suite === 'reliability' && flags.cycles !== undefined && !flags.quick && flags.cycles < 25 ? `--cycles ${flags.cycles}` : null;
    const body = { suite, quick: flags.quick, machine: machineInfo(), wall_s: Math.round((performance.now() - started) / 1000), ...(suite === 'reliability' ? { reduced } : {}), runs };
    const file = writeResult(`${suite}${flags.quick ? '-quick' : ''}`, body);
    if (suite === 'locomo') printLocomo(runs[0] as Parameters<typeof printLocomo>[0]);
    if (suite === 'ingest') printIngest(runs as Parameters<typeof printIngest>[0]);
    if (suite === 'latency') printLatency(runs as Parameters<typeof printLatency>[0]);
    if (suite === 'rem') printRem(runs as Parameters<typeof printRem>[0]);
    if (suite === 'db') printDb(runs as Parameters<typeof printDb>[0]);
    if (suite === 'scaleout') printScaleout(runs as Parameters<typeof printScaleout>[0]);
    if (suite === 'parsers') printParsers(runs as Parameters<typeof printParsers>[0]);
    if (suite === 'at-rest') printAtRest(runs[0] as AtRestBenchResult);
    if (suite === 'e2e-sync') printE2eSync(runs[0] as E2eSyncBenchResult);
    if (suite === 'notes') printNotes(runs[0] as NotesBenchResult);
    if (suite === 'reliability') printReliability(body as unknown as ReliabilityBody, file);
    progress(`${suite}: wrote ${file}`);
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
