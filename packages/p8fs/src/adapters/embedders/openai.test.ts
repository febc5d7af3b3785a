import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../../domain/errors.js';
import { HashEmbedder } from './hash.js';
import { OpenAiEmbedder, type OpenAiEmbedderOptions, openAiEmbedderId } from './openai.js';

// The remote embeddings API cannot run here, so this is a local node:http stand-in that speaks
// OpenAI's POST /v1/embeddings wire format (a mock of a remote API, which the house rules allow).

interface Seen {
  headers: IncomingHttpHeaders;
  body: { model: string; input: string[]; dimensions?: number };
}
interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

/** Vectors the stand-in returns: hash embeddings scaled by 3, so normalisation is visible. */
function vectorsFor(input: string[], dim: number): Reply {
  const hash = new HashEmbedder(dim);
  const data = input.map((t, index) => ({ object: 'embedding', index, embedding: Array.from(hash.embedOne(t), (x) => x * 3) }));
  // Reversed on purpose: clients must order by `index`, not by position.
  return { body: { object: 'list', model: 'm', data: data.reverse() } };
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handle: (seen: Seen, n: number) => Reply): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const s: Seen = { headers: req.headers, body: JSON.parse(raw) as Seen['body'] };
      seen.push(s);
      const reply = handle(s, seen.length);
      setTimeout(() => {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, seen };
}

const fast = { retries: 2, baseDelayMs: 5, maxDelayMs: 2_000, timeoutMs: 2_000 };
const make = (url: string, over: Partial<OpenAiEmbedderOptions> = {}) =>
  OpenAiEmbedder.create({ baseUrl: url, model: 'nomic-embed-text', dimensions: 8, batchSize: 2, retry: fast, ...over });
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);

describe('OpenAiEmbedder', () => {
  it('splits input into maxBatch requests and returns unit vectors in input order', async () => {
    const { url, seen } = await serve((s) => vectorsFor(s.body.input, 8));
    const e = await make(url);
    expect(seen).toHaveLength(0); // size configured: no probe
    const texts = ['alpha', 'beta', 'gamma', 'delta', ''];
    const vectors = await e.embed(texts);
    expect(seen.map((s) => s.body.input)).toEqual([['alpha', 'beta'], ['gamma', 'delta'], [' ']]);
    expect(seen[0]?.body).not.toHaveProperty('dimensions');
    const hash = new HashEmbedder(8);
    for (const [i, v] of vectors.entries()) expect(Array.from(v)).toEqual(Array.from(hash.embedOne(texts[i] || ' ')));
    expect(e.id).toBe(`openai:${new URL(url).host}/nomic-embed-text`);
  });

  it('sends the API key as a Bearer token, and no Authorization header without one', async () => {
    const { url, seen } = await serve((s) => vectorsFor(s.body.input, 8));
    await (await make(url, { apiKey: 'sk-test' })).embed(['x']);
    await (await make(url)).embed(['y']);
    expect(seen[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(seen[1]?.headers.authorization).toBeUndefined();
  });

  it('retries a 429 after the Retry-After pause, then succeeds', async () => {
    const { url, seen } = await serve((s, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'slow down' } } } : vectorsFor(s.body.input, 8),
    );
    const start = Date.now();
    const [v] = await (await make(url)).embed(['x']);
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
    expect(v?.length).toBe(8);
    expect(seen).toHaveLength(2);
  });

  it('retries 5xx with backoff and gives up with a readable error', async () => {
    const { url, seen } = await serve(() => ({ status: 503, body: { error: { message: 'model is loading' } } }));
    const err = await fail((await make(url)).embed(['x']));
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect(err?.message).toMatch(/answered 503 after 3 attempts: model is loading/);
    expect(seen).toHaveLength(3);
  });

  it('does not retry client errors and hints at the likely setting', async () => {
    const { url, seen } = await serve(() => ({ status: 401, body: { error: { message: 'Incorrect API key' } } }));
    const err = await fail((await make(url)).embed(['x']));
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect(err?.message).toContain('answered 401: Incorrect API key (check embeddingApiKey)');
    expect(seen).toHaveLength(1);
  });

  it('stops at once when Retry-After asks for more than the longest wait', async () => {
    const { url, seen } = await serve(() => ({ status: 429, headers: { 'retry-after': '3600' }, body: 'rate limited' }));
    const err = await fail((await make(url)).embed(['x']));
    expect(err?.details).toMatchObject({ status: 429, retryAfterMs: 3_600_000 });
    expect(seen).toHaveLength(1);
  });

  it('times out a silent server, retries, then reports it', async () => {
    const { url, seen } = await serve((s) => ({ ...vectorsFor(s.body.input, 8), delayMs: 1_000 }));
    const err = await fail((await make(url, { retry: { ...fast, retries: 1, timeoutMs: 100 } })).embed(['x']));
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect(err?.message).toContain('no answer within 100 ms (after 2 attempts)');
    expect(seen).toHaveLength(2);
  });

  it('reports a server that cannot be reached', async () => {
    const { url } = await serve(() => ({}));
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const err = await fail((await make(url, { retry: { ...fast, retries: 1 } })).embed(['x']));
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect(err?.message).toMatch(/unreachable: fetch failed: connect ECONNREFUSED/);
  });

  it('detects vectors whose size differs from the recorded dimension', async () => {
    const { url } = await serve((s) => vectorsFor(s.body.input, 4));
    const err = await fail((await make(url, { dimensions: 8 })).embed(['x']));
    expect(isAppError(err, 'embedder.dimension_mismatch')).toBe(true);
    expect(err?.details).toEqual({ expected: 8, actual: 4 });
  });

  it('discovers the size of an unknown model with one probe request', async () => {
    const { url, seen } = await serve((s) => vectorsFor(s.body.input, 12));
    const e = await make(url, { dimensions: undefined });
    expect(e.dimension).toBe(12);
    expect(seen).toHaveLength(1);
    expect((await e.embed(['a', 'b', 'c']))[2]?.length).toBe(12);
  });

  it('knows OpenAI model sizes and asks for a shortened size only when configured', async () => {
    const { url, seen } = await serve((s) => vectorsFor(s.body.input, s.body.dimensions ?? 1536));
    const native = await make(url, { model: 'text-embedding-3-small', dimensions: undefined });
    const short = await make(url, { model: 'text-embedding-3-small', dimensions: 256 });
    expect(seen).toHaveLength(0);
    expect([native.dimension, short.dimension]).toEqual([1536, 256]);
    expect((await short.embed(['x']))[0]?.length).toBe(256);
    expect(seen[0]?.body.dimensions).toBe(256);
    expect(short.id).toBe(`openai:${new URL(url).host}/text-embedding-3-small@256`);
    const err = await fail(make(url, { model: 'text-embedding-ada-002', dimensions: 256 }));
    expect(isAppError(err, 'config.invalid')).toBe(true);
  });

  it('rejects a body that is not an embeddings response, or has too few vectors', async () => {
    const { url } = await serve((_s, n) => (n === 1 ? { body: '<html>proxy error</html>' } : { body: { data: [] } }));
    const e = await make(url);
    expect((await fail(e.embed(['x'])))?.message).toContain('not an embeddings response');
    expect((await fail(e.embed(['x'])))?.message).toContain('returned 0 vectors for 1 inputs');
  });
});

describe('openAiEmbedderId', () => {
  it('omits the host for api.openai.com only', () => {
    expect(openAiEmbedderId('https://api.openai.com/v1', 'text-embedding-3-small')).toBe('openai:text-embedding-3-small');
    expect(openAiEmbedderId('http://localhost:11434/v1', 'bge-m3')).toBe('openai:localhost:11434/bge-m3');
  });
});
