import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { Transcriber, Transcript, TranscriptSegment } from '../../ports/transcriber.js';
import { DEFAULT_RETRY_POLICY, fetchWithRetry, RequestFailedError, type RetryPolicy } from '../embedders/http-retry.js';

export const OPENAI_TRANSCRIBER_DEFAULT_URL = 'https://api.openai.com';
export const OPENAI_TRANSCRIBER_DEFAULT_MODEL = 'whisper-1';

export interface OpenAiTranscriberOptions {
  /** Server root (https://api.openai.com, http://localhost:8080); a trailing /v1 is accepted too. */
  baseUrl: string;
  /** Sent as a Bearer token when set; local whisper servers usually need none. */
  apiKey?: string;
  model: string;
  /** Limit on each attempt, upload and answer together. Speech APIs take about a tenth of real time. */
  timeoutMs: number;
  retry?: Partial<Omit<RetryPolicy, 'timeoutMs'>>;
}

// verbose_json: OpenAI, faster-whisper-server and whisper.cpp's server all return `text` and, for
// this format, `segments` with start/end in seconds. Servers that ignore the format send `text` only.
const Segment = z.object({ start: z.number(), end: z.number(), text: z.string() });
const TranscriptionResponse = z.object({ text: z.string(), segments: z.array(z.unknown()).optional() });

/**
 * Speech to text over the OpenAI-compatible POST /v1/audio/transcriptions (multipart). Works with
 * OpenAI's Whisper API and self-hosted servers (whisper.cpp `--inference-path`, faster-whisper-server).
 * 429, 408 and 5xx are retried with backoff; anything else fails with transcriber.unavailable.
 */
export class OpenAiTranscriber implements Transcriber {
  readonly id: string;
  readonly quality = 'Whisper-class model behind an OpenAI-compatible API: near-human English transcripts with timed segments (quality depends on the model the server runs)';
  private readonly endpoint: string;
  private readonly policy: RetryPolicy;

  constructor(private readonly opts: OpenAiTranscriberOptions) {
    this.endpoint = transcriptionsEndpoint(opts.baseUrl);
    const host = new URL(this.endpoint).host;
    this.id = `openai:${host === 'api.openai.com' ? '' : `${host}/`}${opts.model}`;
    this.policy = { ...DEFAULT_RETRY_POLICY, retries: 3, ...opts.retry, timeoutMs: opts.timeoutMs };
  }

  async transcribe(wav: Buffer, opts: { language?: string; signal?: AbortSignal } = {}): Promise<Transcript> {
    opts.signal?.throwIfAborted();
    const form = new FormData();
    // FormData, not a stream: fetch re-encodes it on every retry.
    form.set('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'audio.wav');
    form.set('model', this.opts.model);
    form.set('response_format', 'verbose_json');
    if (opts.language) form.set('language', opts.language);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    let res: Awaited<ReturnType<typeof fetchWithRetry>>;
    try {
      res = await fetchWithRetry(this.endpoint, { method: 'POST', headers, body: form }, this.policy);
    } catch (err) {
      const why = err instanceof RequestFailedError ? err.message : String(err);
      throw new AppError('transcriber.unavailable', `speech-to-text API at ${this.endpoint} unreachable: ${why}`);
    }
    if (!res.ok) {
      const after = res.attempts > 1 ? ` after ${res.attempts} attempts` : '';
      throw new AppError(
        'transcriber.unavailable',
        `speech-to-text API at ${this.endpoint} answered ${res.status}${after}: ${snippet(res.body)}${statusHint(res.status)}`,
        { status: res.status, retryAfterMs: res.retryAfterMs },
      );
    }
    return this.parse(res.body);
  }

  private parse(body: string): Transcript {
    let parsed: z.infer<typeof TranscriptionResponse>;
    try {
      parsed = TranscriptionResponse.parse(JSON.parse(body));
    } catch {
      throw new AppError('transcriber.unavailable', `speech-to-text API at ${this.endpoint} returned a body that is not a transcription: ${snippet(body)}`);
    }
    const text = parsed.text.trim();
    if (parsed.segments === undefined) return { text };
    // Keep well-formed segments only: a server's odd extra entries should not sink the transcript.
    const segments: TranscriptSegment[] = parsed.segments.flatMap((s) => {
      const r = Segment.safeParse(s);
      return r.success && r.data.end >= r.data.start ? [{ start: r.data.start, end: r.data.end, text: r.data.text.trim() }] : [];
    });
    return { text, segments };
  }
}

/** `${root}/v1/audio/transcriptions`, accepting a root that already ends in /v1 (as embeddingUrl does). */
export function transcriptionsEndpoint(baseUrl: string): string {
  const root = baseUrl.replace(/\/+$/, '');
  return `${root.endsWith('/v1') ? root : `${root}/v1`}/audio/transcriptions`;
}

/** A readable message out of an error body: OpenAI's {error:{message}}, {error}, {message}, {detail}, or raw text. */
function snippet(body: string): string {
  try {
    const j: unknown = JSON.parse(body);
    if (j && typeof j === 'object') {
      const { error, message, detail } = j as Record<string, unknown>;
      const nested = error && typeof error === 'object' ? (error as Record<string, unknown>).message : error;
      for (const m of [nested, message, detail]) if (typeof m === 'string' && m) return m.slice(0, 300);
    }
  } catch {
    // not JSON: the raw text says more than nothing
  }
  return body.trim().slice(0, 300) || '(empty body)';
}

function statusHint(status: number): string {
  if (status === 401 || status === 403) return ' (check transcriberApiKey)';
  if (status === 404) return ' (check transcriberUrl: the server must serve /v1/audio/transcriptions)';
  if (status === 400) return ' (check transcriberModel)';
  return '';
}
