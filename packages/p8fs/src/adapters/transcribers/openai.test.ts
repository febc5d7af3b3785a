import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../../domain/errors.js';
import { OpenAiTranscriber, transcriptionsEndpoint } from './openai.js';

// The remote speech-to-text API cannot run here, so this is a local node:http stand-in that speaks
// the OpenAI POST /v1/audio/transcriptions multipart wire format (a mock of a REMOTE API, which the
// house rules allow). It parses the multipart body for real, so field names and the file part are checked.

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
  fields: Record<string, string>;
  file?: { name: string; filename: string; mimeType: string; bytes: Buffer };
}
interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handle: (seen: Seen, n: number) => Reply): Promise<{ root: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const s: Seen = { url: req.url ?? '', headers: req.headers, fields: {} };
    const bb = busboy({ headers: req.headers });
    bb.on('field', (name, value) => (s.fields[name] = value));
    bb.on('file', (name, stream, info) => {
      const parts: Buffer[] = [];
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () => (s.file = { name, filename: info.filename ?? '', mimeType: info.mimeType, bytes: Buffer.concat(parts) }));
    });
    bb.on('close', () => {
      seen.push(s);
      const reply = handle(s, seen.length);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
    });
    req.pipe(bb);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { root: `http://127.0.0.1:${port}`, seen };
}

const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40), Buffer.from([1, 2, 3, 4])]);
const fast = { retries: 2, baseDelayMs: 5, maxDelayMs: 2_000 };
const make = (root: string, apiKey?: string) => new OpenAiTranscriber({ baseUrl: root, apiKey, model: 'whisper-1', timeoutMs: 2_000, retry: fast });
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);

const VERBOSE = {
  task: 'transcribe',
  language: 'english',
  duration: 11,
  text: ' And so my fellow Americans, ask not what your country can do for you.',
  segments: [
    { id: 0, start: 0.0, end: 7.6, text: ' And so my fellow Americans,', tokens: [1, 2] },
    { id: 1, start: 7.6, end: 11.0, text: ' ask not what your country can do for you.' },
  ],
};

describe('OpenAiTranscriber', () => {
  it('posts the wav as multipart with model, response_format and language, and reads segments', async () => {
    const { root, seen } = await serve(() => ({ body: VERBOSE }));
    const t = make(root, 'sk-test');
    const out = await t.transcribe(WAV, { language: 'en' });
    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect(s.url).toBe('/v1/audio/transcriptions');
    expect(s.headers.authorization).toBe('Bearer sk-test');
    expect(s.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(s.fields).toEqual({ model: 'whisper-1', response_format: 'verbose_json', language: 'en' });
    expect(s.file).toMatchObject({ name: 'file', filename: 'audio.wav', mimeType: 'audio/wav' });
    expect(s.file?.bytes.equals(WAV)).toBe(true);
    expect(out).toEqual({
      text: 'And so my fellow Americans, ask not what your country can do for you.',
      segments: [
        { start: 0, end: 7.6, text: 'And so my fellow Americans,' },
        { start: 7.6, end: 11, text: 'ask not what your country can do for you.' },
      ],
    });
    expect(t.id).toBe(`openai:${new URL(root).host}/whisper-1`);
  });

  it('sends no authorization or language when not given, and accepts a text-only answer', async () => {
    const { root, seen } = await serve(() => ({ body: { text: 'hello there' } }));
    expect(await make(`${root}/v1/`).transcribe(WAV)).toEqual({ text: 'hello there' });
    expect(seen[0]!.url).toBe('/v1/audio/transcriptions');
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[0]!.fields.language).toBeUndefined();
  });

  it('retries 429 and 5xx with backoff, re-sending the whole form', async () => {
    const { root, seen } = await serve((_, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down' } } } : n === 2 ? { status: 503, body: 'busy' } : { body: { text: 'ok' } },
    );
    expect(await make(root).transcribe(WAV)).toEqual({ text: 'ok' });
    expect(seen).toHaveLength(3);
    for (const s of seen) expect(s.file?.bytes.equals(WAV)).toBe(true);
  });

  it('gives up after the retries with the status and the error message', async () => {
    const { root, seen } = await serve(() => ({ status: 500, body: { error: { message: 'model crashed' } } }));
    const err = await fail(make(root).transcribe(WAV));
    expect(isAppError(err, 'transcriber.unavailable')).toBe(true);
    expect(err?.message).toMatch(/answered 500 after 3 attempts: model crashed/);
    expect(seen).toHaveLength(3);
  });

  it('does not retry a 401 and says which setting to check', async () => {
    const { root, seen } = await serve(() => ({ status: 401, body: { error: { message: 'Incorrect API key provided' } } }));
    const err = await fail(make(root, 'bad').transcribe(WAV));
    expect(isAppError(err, 'transcriber.unavailable')).toBe(true);
    expect(err?.message).toMatch(/answered 401: Incorrect API key provided \(check transcriberApiKey\)/);
    expect(seen).toHaveLength(1);
  });

  it('fails clearly on a body that is not a transcription', async () => {
    const { root } = await serve(() => ({ body: '<html>proxy login</html>' }));
    const err = await fail(make(root).transcribe(WAV));
    expect(isAppError(err, 'transcriber.unavailable')).toBe(true);
    expect(err?.message).toMatch(/not a transcription: <html>proxy login/);
  });

  it('drops malformed segments but keeps the text', async () => {
    const { root } = await serve(() => ({ body: { text: 'a b', segments: [{ start: 0, end: 1, text: 'a' }, { start: 'x' }, { start: 2, end: 1, text: 'bad' }] } }));
    expect(await make(root).transcribe(WAV)).toEqual({ text: 'a b', segments: [{ start: 0, end: 1, text: 'a' }] });
  });

  it('reports an unreachable server as transcriber.unavailable', async () => {
    const { root } = await serve(() => ({}));
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const err = await fail(make(root).transcribe(WAV));
    expect(isAppError(err, 'transcriber.unavailable')).toBe(true);
    expect(err?.message).toMatch(/unreachable/);
  });

  it('refuses to start when the parse is already cancelled', async () => {
    const { root, seen } = await serve(() => ({ body: { text: 'x' } }));
    await expect(make(root).transcribe(WAV, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(seen).toHaveLength(0);
  });
});

describe('transcriptionsEndpoint', () => {
  it('accepts a server root or a /v1 base', () => {
    expect(transcriptionsEndpoint('https://api.openai.com')).toBe('https://api.openai.com/v1/audio/transcriptions');
    expect(transcriptionsEndpoint('http://h:8000/v1/')).toBe('http://h:8000/v1/audio/transcriptions');
    expect(transcriptionsEndpoint('http://h/proxy/')).toBe('http://h/proxy/v1/audio/transcriptions');
  });
});
