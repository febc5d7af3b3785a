import { setTimeout as sleep } from 'node:timers/promises';
import type { FileDto } from '@p8fs/contracts';
import { mapLimited } from '../../../domain/collections.js';
import { errorMessage, isAppError } from '../../../domain/errors.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import type { VaultClient } from '../vault/client.js';
import { hashFile } from './hash.js';
import type { IngestProgress } from './progress.js';
import type { ScannedFile } from './scan.js';
import { type FileReport, type IngestSummary, summarize } from './summary.js';

// Uploads in flight: enough to overlap hashing, lookups and transfer without flooding a server.
const UPLOAD_CONCURRENCY = 4;
const POLL_CONCURRENCY = 8;
const POLL_MS = 500;

/**
 * Sync local files into the vault: only new or changed ones are uploaded. With wait, block until
 * each uploaded (or still queued) file is indexed or failed, running the jobs in process if needed.
 */
export async function runIngest(vault: VaultClient, files: ScannedFile[], opts: { wait: boolean }, progress: IngestProgress): Promise<IngestSummary> {
  const stopWorkers = opts.wait ? await vault.startWorkers() : null;
  try {
    const reports = await uploadAll(vault, files, progress);
    if (opts.wait) await waitAll(vault, reports, progress);
    return summarize(reports, opts.wait);
  } finally {
    progress.stop();
    await stopWorkers?.();
  }
}

async function uploadAll(vault: VaultClient, files: ScannedFile[], progress: IngestProgress): Promise<FileReport[]> {
  const counts = { uploaded: 0, unchanged: 0, skipped: 0, failed: 0 };
  progress.start('upload', files.length);
  return mapLimited(files, UPLOAD_CONCURRENCY, async (file) => {
    const r = await syncFile(vault, file);
    counts[r.outcome]++;
    const detail = r.error ? `${r.error.code}: ${r.error.message}` : r.outcome === 'skipped' ? '(empty)' : undefined;
    progress.advance(r.outcome, r.uri, Object.entries(counts).map(([k, v]) => `${k} ${v}`).join('  '), detail);
    return r;
  });
}

async function syncFile(vault: VaultClient, file: ScannedFile): Promise<FileReport> {
  const blank: FileReport = { uri: file.uri, id: null, outcome: 'skipped', status: null, resource_count: null, error: null };
  if (file.size === 0) return blank;
  try {
    const sha = await hashFile(file.path);
    const stored = await vault.findByUri(file.uri);
    // The same rule as the server's: a failed file is tried again even when its bytes did not change.
    if (stored && stored.content_hash === sha && stored.status !== 'failed') return report(file.uri, 'unchanged', stored);
    const r = await vault.upload(file);
    return report(file.uri, r.unchanged ? 'unchanged' : 'uploaded', r.file);
  } catch (err) {
    if (!isFileProblem(err)) throw err;
    return { ...blank, outcome: 'failed', error: { code: isAppError(err) ? err.code : 'io', message: errorMessage(err) } };
  }
}

/** Problems of this one file (unreadable, empty, too large, unparseable); anything else stops the ingest. */
function isFileProblem(err: unknown): boolean {
  if (isAppError(err)) return exitCodeFor(err) === EXIT.ingestFailed;
  return typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

function report(uri: string, outcome: FileReport['outcome'], f: FileDto): FileReport {
  return { uri, id: f.id, outcome, status: f.status, resource_count: f.resource_count, error: fileError(f) };
}

function fileError(f: FileDto): FileReport['error'] {
  if (f.status !== 'failed') return null;
  return f.error ?? { code: 'internal', message: 'processing failed without a recorded reason' };
}

async function waitAll(vault: VaultClient, reports: FileReport[], progress: IngestProgress): Promise<void> {
  let open = reports.filter((r) => r.status === 'pending' || r.status === 'processing');
  const done = { indexed: 0, failed: 0 };
  const counts = () => `processing ${open.filter((r) => r.status === 'processing').length}  indexed ${done.indexed}  failed ${done.failed}`;
  progress.start('index', open.length);
  while (open.length > 0) {
    await sleep(POLL_MS);
    await mapLimited(open, POLL_CONCURRENCY, async (r) => refresh(vault, r));
    for (const r of open.filter((x) => x.status === 'indexed' || x.status === 'failed')) {
      done[r.status === 'indexed' ? 'indexed' : 'failed']++;
      const detail = r.error ? `${r.error.code}: ${r.error.message}` : `${r.resource_count} chunk${r.resource_count === 1 ? '' : 's'}`;
      progress.advance(r.status ?? 'failed', r.uri, counts(), detail);
    }
    open = open.filter((r) => r.status === 'pending' || r.status === 'processing');
    progress.update(counts());
  }
}

/** Re-read a file's status into its report; a file deleted meanwhile counts as failed. */
async function refresh(vault: VaultClient, r: FileReport): Promise<void> {
  try {
    const f = await vault.getFile(r.id as string);
    Object.assign(r, { status: f.status, resource_count: f.resource_count, error: fileError(f) });
  } catch (err) {
    if (exitCodeFor(err) !== EXIT.notFound) throw err;
    Object.assign(r, { status: 'failed', error: { code: isAppError(err) ? err.code : 'not_found', message: 'deleted while waiting' } });
  }
}
