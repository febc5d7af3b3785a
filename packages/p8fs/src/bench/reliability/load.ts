import { readFileSync } from 'node:fs';
import { ms, percentile } from '../common.js';
import { markdownDoc, seededRandom, Vocabulary } from '../corpus.js';

/**
 * A closed-loop load generator on fetch: a fixed number of concurrent clients, each sending its next
 * request as soon as the previous one answered, for a fixed time. No new dependency, and each latency is
 * measured around one whole request (headers to the last body byte), as a client sees it.
 */
export type Call = (path: string, init?: RequestInit) => Promise<Response>;

export interface OpStats {
  clients: number;
  requests: number;
  ok: number;
  /** 429 answers (rate limit, tenant gate): expected under load, counted apart and not as errors */
  rate_limited: number;
  /** any other non-2xx answer or a failed request (connection refused, reset, timeout) */
  errors: number;
  error_samples: string[];
  per_s: number;
  /** latency of the 2xx answers only */
  latency_ms: { p50: number; p95: number; p99: number; max: number };
}

class Op {
  took: number[] = [];
  requests = 0;
  rateLimited = 0;
  errors = 0;
  samples: string[] = [];
  constructor(readonly clients: number) {}
  fail(what: string): void {
    this.errors++;
    if (this.samples.length < 5) this.samples.push(what.slice(0, 200));
  }
  stats(seconds: number): OpStats {
    return {
      clients: this.clients, requests: this.requests, ok: this.took.length, rate_limited: this.rateLimited, errors: this.errors,
      error_samples: this.samples, per_s: Math.round((this.took.length / seconds) * 10) / 10,
      latency_ms: {
        p50: ms(percentile(this.took, 50)), p95: ms(percentile(this.took, 95)), p99: ms(percentile(this.took, 99)),
        max: ms(this.took.length ? Math.max(...this.took) : Number.NaN),
      },
    };
  }
}

/** One timed request: its outcome goes to op; the parsed JSON body of a 2xx answer is returned. */
async function timed(op: Op, send: () => Promise<Response>): Promise<unknown> {
  op.requests++;
  const t = performance.now();
  try {
    const res = await send();
    const text = await res.text();
    const dt = performance.now() - t;
    if (res.status === 429) op.rateLimited++;
    else if (!res.ok) op.fail(`${res.status} ${text}`);
    else {
      op.took.push(dt);
      try {
        return JSON.parse(text);
      } catch {
        return null;
      }
    }
  } catch (err) {
    op.fail(String((err as Error).cause ?? err));
  }
  return undefined;
}

/** A unique small markdown note (1-4 KB), so no upload is answered "unchanged". */
export function noteMaker(seed: number) {
  const vocab = new Vocabulary();
  const rnd = seededRandom(seed);
  let n = 0;
  return () => {
    n++;
    return { name: `note-${seed}-${n}.md`, body: `# Note ${seed}-${n}\n\n${markdownDoc(vocab, rnd, 1000 + Math.floor(rnd() * 3000))}\n` };
  };
}

/** POST /api/v1/files with one note, as `p8fs ingest --server` does (multipart: path, then file). */
export function uploadInit(name: string, body: string, dir = 'load'): RequestInit {
  const form = new FormData();
  form.append('path', `${dir}/${name}`);
  form.append('file', new Blob([body], { type: 'text/markdown' }), name);
  return { method: 'POST', body: form };
}

export interface LoadOptions {
  uploaders: number;
  searchers: number;
  seconds: number;
}

export interface LoadStats {
  uploaders: number;
  searchers: number;
  seconds: number;
  upload: OpStats;
  search: OpStats;
  uploaded_ids: string[];
}

/** N uploaders and M searchers against one API for D seconds. */
export async function runLoad(call: Call, o: LoadOptions): Promise<LoadStats> {
  const up = new Op(o.uploaders);
  const se = new Op(o.searchers);
  const ids: string[] = [];
  const vocab = new Vocabulary();
  const started = performance.now();
  const end = started + o.seconds * 1000;
  const uploader = async (i: number) => {
    const next = noteMaker(1000 + i);
    while (performance.now() < end) {
      const { name, body } = next();
      const r = (await timed(up, () => call('/api/v1/files', uploadInit(name, body)))) as { id?: string } | undefined;
      if (r?.id) ids.push(r.id);
    }
  };
  const searcher = async (i: number) => {
    const rnd = seededRandom(5000 + i);
    while (performance.now() < end) {
      const query = Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => vocab.word(rnd)).join(' ');
      await timed(se, () => call('/api/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, limit: 10 }) }));
    }
  };
  await Promise.all([...Array.from({ length: o.uploaders }, (_, i) => uploader(i)), ...Array.from({ length: o.searchers }, (_, i) => searcher(i))]);
  const seconds = (performance.now() - started) / 1000;
  return { uploaders: o.uploaders, searchers: o.searchers, seconds: Math.round(seconds * 10) / 10, upload: up.stats(seconds), search: se.stats(seconds), uploaded_ids: ids };
}

/** Peak (VmHWM) and current (VmRSS) resident set of a process, in MB; null once it has exited. */
export function procMemMb(pid: number | undefined): { peak_mb: number; rss_mb: number } | null {
  if (!pid) return null;
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? Number.NaN);
    return { peak_mb: Math.round(kb('VmHWM') / 1024), rss_mb: Math.round(kb('VmRSS') / 1024) };
  } catch {
    return null;
  }
}
