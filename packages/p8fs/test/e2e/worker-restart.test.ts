import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileList, VaultStatus } from '@p8fs/contracts';
import type { IngestSummary } from '../../src/transports/cli/ingest/summary.js';
import { BlobGate, largestBlob } from './blob-gate.js';
import { assertBuilt, cleanup, type FileInfoJson, p8fs, p8fsJson, Running, tempDir, vaultEnv, bigNote, jobsDone } from './cli.js';

const SMALL = 5;



/**
 * A worker killed with SIGKILL in the middle of a job: the job's lease runs out and the restarted
 * worker takes it again. Made deterministic by construction, not timing: the big file is queued
 * after the small ones, and its stored blob is a pipe the test holds (BlobGate), so the worker stays
 * inside the big file's job until it is killed. The test sees it there before the kill, and proves
 * it again with the vault's own counts before restarting.
 */
describe('p8fs worker after kill -9', () => {
  let dataDir: string;
  let cleanDir: string;
  let files: string;
  let env: NodeJS.ProcessEnv;
  const workers: Running[] = [];

  beforeAll(() => {
    assertBuilt();
    dataDir = tempDir('worker-data');
    cleanDir = tempDir('worker-clean');
    files = tempDir('worker-files');
    env = vaultEnv(dataDir, { P8FS_JOB_LEASE_SECONDS: '5', P8FS_WORKERS: '1' });
    mkdirSync(join(files, 'small'));
    for (let i = 0; i < SMALL; i++) writeFileSync(join(files, 'small', `note-${i}.md`), `# Note ${i}\n\nSmall note number ${i} about the garden.\n`);
    writeFileSync(join(files, 'big.md'), bigNote());
  });

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    cleanup(dataDir, cleanDir, files);
  });

  it('completes the killed job after a restart, with the same chunks as an undisturbed run and no duplicates', async () => {
    // The reference: the same files ingested without interruption in another vault.
    // It runs alongside the test and is awaited at the end: its deadline is the test's own, not the
    // CLI helper's 2 minutes (a loaded machine takes longer to index the big note twice at once).
    const reference = p8fs(['ingest', files, '-r', '--wait', '--json'], vaultEnv(cleanDir, { P8FS_WORKERS: '1' }), 540_000).then((r) => {
      if (r.code !== 0) throw new Error(`reference ingest exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return JSON.parse(r.stdout) as IngestSummary;
    });
    reference.catch(() => {}); // awaited below; do not report it as unhandled meanwhile

    const smallUp = await p8fsJson<IngestSummary>(['ingest', join(files, 'small'), '-r'], env);
    const bigUp = await p8fsJson<IngestSummary>(['ingest', join(files, 'big.md')], env);
    expect([smallUp.uploaded, bigUp.uploaded]).toEqual([SMALL, 1]);
    const bigId = bigUp.files[0]?.id ?? '';

    // The big note's blob: by far the largest in this vault.
    const gate = new BlobGate(largestBlob(join(dataDir, 'blobs')));

    const first = new Running(['worker', '--log-level', 'debug'], env);
    workers.push(first);
    await first.until((w) => jobsDone(w, 'file.process').length >= SMALL && gate.hasReader(),
      'the small files to be parsed and the worker to be inside the big file\'s job', 180_000);
    first.child.kill('SIGKILL');
    await first.exited;
    gate.restore();

    // The lock of a dead process does not count, so the CLI may open the vault: one job (the big
    // file's parse) is still marked running under the dead worker's lease, and nothing is indexed
    // yet (files stay processing from parse until their vectors are stored).
    const killed = await p8fsJson<VaultStatus>(['status'], env);
    expect(killed.jobs.running).toBe(1);
    expect(killed.files).toMatchObject({ processing: SMALL + 1, indexed: 0 });
    expect((await p8fsJson<FileInfoJson>(['files', 'info', bigId], env)).resource_count).toBe(0);

    const second = new Running(['worker', '--log-level', 'debug'], env);
    workers.push(second);
    const all = [...smallUp.files, ...bigUp.files].map((f) => f.id);
    await second.until((w) => {
      const embedded = new Set(w.logs().filter((l) => l.msg === 'embedded').map((l) => l.file));
      return all.every((id) => embedded.has(id));
    }, 'every file to be embedded', 240_000);
    // The big file's parse job ran again as a second attempt of the same job, not as a new one.
    expect(jobsDone(second, 'file.process').map((l) => l.attempt)).toEqual([2]);
    expect(await second.stop('SIGTERM')).toBe(0);

    const listed = await p8fsJson<FileList>(['files', 'ls', '--limit', '100'], env);
    const expected = await reference;
    expect(expected.failed).toBe(0);
    const counts = (fs: { uri: string; resource_count: number | null }[]) => Object.fromEntries(fs.map((f) => [f.uri, f.resource_count]));
    expect(listed.files.every((f) => f.status === 'indexed')).toBe(true);
    expect(counts(listed.files)).toEqual(counts(expected.files));

    const status = await p8fsJson<VaultStatus>(['status'], env);
    expect(status.resources).toBe(listed.files.reduce((n, f) => n + f.resource_count, 0));
    expect(status.embeddings).toBe(status.resources);
    expect(status.jobs).toMatchObject({ running: 0, queued: 0, dead: 0 });
    const big = await p8fsJson<FileInfoJson>(['files', 'info', bigId, '--chunks'], env);
    expect(big.resources?.map((r) => r.ordinal)).toEqual([...Array(big.resource_count).keys()]);
  }, 600_000);
});
