import type { FileStatus } from '@p8fs/contracts';

/** What the upload step did with a local file. */
export type UploadOutcome = 'uploaded' | 'unchanged' | 'skipped' | 'failed';

/** One local file's fate: its upload outcome, then (with --wait) the status processing left it in. */
export interface FileReport {
  uri: string;
  id: string | null;
  outcome: UploadOutcome;
  status: FileStatus | null;
  resource_count: number | null;
  error: { code: string; message: string } | null;
}

/** The result of `p8fs ingest`, printed as JSON with --json. */
export interface IngestSummary {
  total: number;
  uploaded: number;
  unchanged: number;
  /** empty files: nothing to store */
  skipped: number;
  /** files whose upload or processing failed */
  failed: number;
  /** files indexed when the wait ended; null without --wait */
  indexed: number | null;
  files: FileReport[];
}

/** Count the reports. */
export function summarize(files: FileReport[], waited: boolean): IngestSummary {
  const n = (pred: (r: FileReport) => boolean) => files.filter(pred).length;
  return {
    total: files.length,
    uploaded: n((r) => r.outcome === 'uploaded'),
    unchanged: n((r) => r.outcome === 'unchanged'),
    skipped: n((r) => r.outcome === 'skipped'),
    failed: n((r) => r.error !== null),
    indexed: waited ? n((r) => r.status === 'indexed') : null,
    files,
  };
}

/** The human summary: counts, then every failure with its reason. */
export function renderSummary(s: IngestSummary): string {
  const plural = s.total === 1 ? 'file' : 'files';
  const lines = [`${s.total} ${plural}: ${s.uploaded} uploaded, ${s.unchanged} unchanged, ${s.skipped} skipped (empty), ${s.failed} failed`];
  if (s.indexed !== null) lines.push(`${s.indexed} indexed`);
  else if (s.uploaded > 0) lines.push('uploaded files are queued for processing by a server or `p8fs worker` (--wait processes them now)');
  const failures = s.files.filter((r) => r.error);
  if (failures.length) lines.push('failed:', ...failures.map((r) => `  ${r.uri}: ${r.error?.code}: ${r.error?.message}`));
  return `${lines.join('\n')}\n`;
}
