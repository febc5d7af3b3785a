import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import type { ChatModel, ModelEvent, ModelRequest } from '../../ports/chat-model.js';
import { type FakeLlm, startFakeLlm } from '../../../test/fake-llm/server.js';
import { createChatModels } from './index.js';

// Each provider dialect against the scripted fake of its API (no real model runs here): streaming
// text, tool calls, usage, structured output, retries, errors and cancellation.

const SEARCH = { name: 'search', description: 'search the vault', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } };

function request(over: Partial<ModelRequest> = {}): ModelRequest {
  return {
    system: 'You are a test.', messages: [{ role: 'user', text: 'where is the ledger?' }], tools: [SEARCH], maxOutputTokens: 100,
    signal: new AbortController().signal, ...over,
  };
}

async function collect(model: ChatModel, req: ModelRequest): Promise<ModelEvent[]> {
  const out: ModelEvent[] = [];
  for await (const ev of model.stream(req)) out.push(ev);
  return out;
}

const textOf = (evs: ModelEvent[]) => evs.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');

describe('chat models over the AI SDK, against fakes of each provider API', () => {
  let fake: FakeLlm;
  let models: ReturnType<typeof createChatModels>;

  beforeAll(async () => {
    fake = await startFakeLlm();
    models = createChatModels({
      chatModel: 'openai-compatible:fake', chatRetries: 2,
      openaiApiKey: 'sk-test', openaiBaseUrl: `${fake.url}/v1`,
      anthropicApiKey: 'ak-test', anthropicBaseUrl: `${fake.url}/v1`,
      googleApiKey: 'gk-test', googleBaseUrl: `${fake.url}/v1beta`,
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  for (const spec of ['openai-compatible:fake-model', 'openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'google:gemini-2.5-flash']) {
    it(`${spec}: streams text, then a tool call with parsed arguments, with usage`, async () => {
      const model = models.get(spec);
      fake.queue({ text: 'The ledger is in the attic.', usage: { input: 40, output: 9 } });
      const first = await collect(model, request());
      expect(textOf(first)).toBe('The ledger is in the attic.');
      expect(first.at(-1)).toEqual({ type: 'finish', reason: 'stop', usage: { inputTokens: 40, outputTokens: 9 } });

      fake.queue({ toolCalls: [{ name: 'search', arguments: { query: 'ledger' } }] });
      const second = await collect(model, request());
      const call = second.find((e) => e.type === 'tool_call');
      expect(call).toMatchObject({ type: 'tool_call', call: { name: 'search', input: { query: 'ledger' } } });
      expect(second.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' });
      // The request carried the system prompt, the question and the tool, each provider its own way.
      const sent = fake.requests.at(-1);
      expect(sent?.raw).toContain('You are a test.');
      expect(sent?.raw).toContain('where is the ledger?');
      expect(sent?.raw).toContain('search the vault');
    });
  }

  it('sends each provider its own credentials', async () => {
    for (const spec of ['openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'google:gemini-2.5-flash']) await collect(models.get(spec), request({ tools: [] }));
    const [openai, anthropic, google] = fake.requests;
    expect(openai?.headers.authorization).toBe('Bearer sk-test');
    expect(anthropic?.headers['x-api-key']).toBe('ak-test');
    expect(google?.headers['x-goog-api-key']).toBe('gk-test');
  });

  it('feeds tool results back with the matching call id (OpenAI dialect)', async () => {
    await collect(models.get('openai-compatible:fake'), request({
      messages: [
        { role: 'user', text: 'where is the ledger?' },
        { role: 'assistant', text: '', toolCalls: [{ id: 'call_7', name: 'search', input: { query: 'ledger' } }] },
        { role: 'tool', results: [{ id: 'call_7', name: 'search', output: '[1] attic note' }] },
      ],
    }));
    const messages = fake.requests[0]?.body.messages as { role: string; tool_call_id?: string; content?: string }[];
    expect(messages.find((m) => m.role === 'tool')).toMatchObject({ tool_call_id: 'call_7', content: '[1] attic note' });
  });

  it('asks for structured output with a JSON schema', async () => {
    fake.queue({ text: '{"statements":["LOOKUP x"],"note":""}' });
    const evs = await collect(models.get('openai-compatible:fake'), request({ tools: [], output: { name: 'plan', schema: { type: 'object', properties: { statements: { type: 'array' } } } } }));
    expect(JSON.parse(textOf(evs))).toEqual({ statements: ['LOOKUP x'], note: '' });
    expect(fake.requests[0]?.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'plan' } });
  });

  it('retries a refused call (503) and succeeds; gives up with chat.model_error after the retries', async () => {
    fake.queue({ status: 503, retryAfterMs: 10 }, { text: 'back again' });
    expect(textOf(await collect(models.get('openai-compatible:fake'), request()))).toBe('back again');
    expect(fake.requests).toHaveLength(2);

    fake.queue({ status: 500, retryAfterMs: 10 }, { status: 500, retryAfterMs: 10 }, { status: 500, retryAfterMs: 10 });
    const err = await collect(models.get('openai-compatible:fake'), request()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'chat.model_error', details: { status: 500 } });
    expect((err as Error).message).toMatch(/after 3 tries/);
    // A 400 is not retried.
    fake.requests.length = 0;
    fake.queue({ status: 400, error: 'bad request from the fake' });
    await expect(collect(models.get('anthropic:claude-sonnet-4-5'), request())).rejects.toMatchObject({ code: 'chat.model_error', details: { status: 400 } });
    expect(fake.requests).toHaveLength(1);
  });

  it('stops when the signal fires, with its reason, and the fake sees the connection close', async () => {
    fake.queue({ text: Array.from({ length: 50 }, (_, i) => `w${i} `), delayMs: 50 });
    const abort = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const ev of models.get('openai-compatible:fake').stream(request({ signal: abort.signal }))) {
        if (ev.type === 'text') seen.push(ev.delta);
        if (seen.length === 3) abort.abort(new AppError('chat.timeout', 'too slow'));
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'chat.timeout' });
    expect(seen.length).toBeLessThan(10);
    const deadline = Date.now() + 5000;
    while (fake.closedEarly === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fake.closedEarly).toBeGreaterThan(0);
  });

  it('refuses unknown providers and unconfigured ones with chat.unknown_model', () => {
    expect(() => models.get('mistral:large')).toThrow(expect.objectContaining({ code: 'chat.unknown_model' }));
    const bare = createChatModels({ chatRetries: 0 });
    expect(bare.defaultModel).toBeNull();
    expect(() => bare.get('anthropic:claude-sonnet-4-5')).toThrow(/P8FS_ANTHROPIC_API_KEY/);
  });
});
