import type { ChatEvent } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, offeredTools, startFakeLlm, toolResults } from '../../../test/fake-llm/server.js';
import { createTestApp } from '../../../test/support.js';
import type { App } from '../../app.js';
import type { ConfigInput } from '../../config/schema.js';
import { type Actor, ownerActor } from '../../domain/actor.js';
import type { ChatInput } from './chat.js';
import { RETRIEVED_LABEL } from './retrieved.js';

// The agent loop through the real services on PGlite, with the model side a scripted fake of an
// OpenAI-compatible server (no model runs here): tools run as the caller, results reach the model,
// sessions are stored, and the limits hold.

const owner = ownerActor('local');
const reader: Actor = { ...owner, scopes: ['vault:read'], firstParty: false, deviceId: '00000000-0000-4000-8000-000000000001' };
const NOTES = [
  { name: 'Ledger note', content: 'The zanzibar ledger lives in the attic, behind the blue trunk.' },
  { name: 'Garden', content: 'Tomatoes went into the raised bed on the first of May.' },
];

const ask = (text: string, over: Partial<ChatInput> = {}): ChatInput => ({ model: 'p8-system', messages: [{ role: 'user', content: text }], channel: 'cli', ...over });

async function run(app: App, actor: Actor, input: ChatInput, signal = new AbortController().signal): Promise<{ events: ChatEvent[]; sessionId: string }> {
  const r = await app.services.chat.start(actor, input, signal);
  const events: ChatEvent[] = [];
  for await (const ev of r.events) events.push(ev);
  return { events, sessionId: r.sessionId };
}

const text = (evs: ChatEvent[]) => evs.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
const done = (evs: ChatEvent[]) => evs.find((e): e is Extract<ChatEvent, { type: 'done' }> => e.type === 'done');

async function chatApp(fake: FakeLlm, over: Partial<ConfigInput> = {}): Promise<App & { dataDir: string }> {
  const app = await createTestApp({ chatModel: 'openai-compatible:fake', openaiBaseUrl: `${fake.url}/v1`, chatRetries: 0, ...over });
  await app.services.resources.writeSequence(owner, NOTES);
  return app;
}

describe('chat: the agent loop over the vault', () => {
  let fake: FakeLlm;
  let app: App & { dataDir: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    app = await chatApp(fake);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('runs a tool as the caller, feeds its result back, streams the answer with citations and stores the turn', async () => {
    fake.requests.length = 0;
    fake.queue(
      { text: 'Let me look. ', toolCalls: [{ name: 'search', arguments: { query: 'zanzibar ledger' }, id: 'call_a' }] },
      (req) => ({ text: toolResults(req).call_a?.includes('behind the blue trunk') ? 'It is in the attic [1].' : 'I found nothing.' }),
    );
    const { events, sessionId } = await run(app, owner, ask('Where is the zanzibar ledger?'));
    const kinds = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(kinds).toEqual(['start', 'text', 'tool_call', 'tool_result', 'text', 'done']);
    expect(text(events)).toBe('Let me look. It is in the attic [1].');
    const result = events.find((e) => e.type === 'tool_result');
    expect(result).toMatchObject({ tool: { name: 'search', ok: true, summary: expect.stringMatching(/^search "zanzibar ledger": \d passage\(s\)$/) } });
    expect(done(events)?.citations[0]).toMatchObject({ n: 1, label: 'Ledger note' });
    expect(done(events)?.usage).toEqual({ prompt_tokens: 22, completion_tokens: 14, total_tokens: 36 });
    // The first request offered every read tool and save_memory (the owner may write), and told the date.
    expect(offeredTools(fake.requests[0]!).sort()).toEqual(['get_resource', 'list_moments', 'lookup', 'rem_query', 'save_memory', 'search', 'traverse']);
    expect(fake.requests[0]?.raw).toContain(`Today is`);

    const { session, messages } = await app.services.sessions.get(owner, sessionId);
    expect(session).toMatchObject({ turns: 1, agent: 'p8-system', model: 'openai-compatible:fake', prompt_tokens: 22, completion_tokens: 14 });
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(messages[1]?.tool_calls).toEqual([{ id: 'call_a', name: 'search', arguments: '{"query":"zanzibar ledger"}' }]);
    expect(messages[3]).toMatchObject({ model: 'openai-compatible:fake', prompt_tokens: 22, error: null });
    // The turn is part of the memory: found by search and by its REM label.
    const hits = await app.services.search.search(owner, { query: 'attic zanzibar', mode: 'keyword' });
    expect(hits.results.map((h) => h.uri)).toContain(`p8fs://sessions/${sessionId}#turn=1`);
    const node = await app.services.rem.query(owner, `LOOKUP "session ${sessionId} turn 1"`);
    expect(node.nodes?.[0]).toMatchObject({ table: 'resources' });
  });

  it('continues a session: the stored history goes to the model, and only the new message is stored', async () => {
    fake.queue({ text: 'First answer.' });
    const first = await run(app, owner, ask('Remember the garden?'));
    fake.requests.length = 0;
    fake.queue({ text: 'Second answer.' });
    await run(app, owner, ask('And the tomatoes?', { sessionId: first.sessionId }));
    const sent = fake.requests[0]?.body.messages as { role: string; content: string }[];
    expect(sent.filter((m) => m.role !== 'system').map((m) => m.content)).toEqual(['Remember the garden?', 'First answer.', 'And the tomatoes?']);
    const { session, messages } = await app.services.sessions.get(owner, first.sessionId);
    expect(session.turns).toBe(2);
    expect(messages.map((m) => `${m.turn}:${m.role}`)).toEqual(['1:user', '1:assistant', '2:user', '2:assistant']);
  });

  it('finds the session of a stateless client that resends the whole conversation', async () => {
    fake.queue({ text: 'Biscuit is the puppy.' });
    const first = await run(app, owner, ask('Who is Biscuit?', { channel: 'http' }));
    fake.queue({ text: 'He chewed the shoes.' });
    const again = await run(app, owner, {
      model: 'p8-system', channel: 'http',
      messages: [{ role: 'user', content: 'Who is Biscuit?' }, { role: 'assistant', content: 'Biscuit is the puppy.', toolCalls: [] }, { role: 'user', content: 'What did he do?' }],
    });
    expect(again.sessionId).toBe(first.sessionId);
    const { messages } = await app.services.sessions.get(owner, first.sessionId);
    expect(messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['Who is Biscuit?', 'What did he do?']);
  });

  it('offers save_memory only to a token that may write; a read-only caller\'s model cannot run it', async () => {
    fake.requests.length = 0;
    fake.queue({ toolCalls: [{ name: 'save_memory', arguments: { text: 'sneaky note from a read-only run' } }] }, { text: 'done' });
    const { events } = await run(app, reader, ask('save this'));
    expect(offeredTools(fake.requests[0]!)).not.toContain('save_memory');
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({ tool: { name: 'save_memory', ok: false } });
    const files = await app.services.files.list(owner, { limit: 50, offset: 0 });
    expect(files.rows.map((f) => f.uri).filter((u) => u.startsWith('memories/'))).toEqual([]);
    // The owner's model may: the memory is stored as a file through the same pipeline as MCP's.
    fake.queue({ toolCalls: [{ name: 'save_memory', arguments: { text: 'Ana prefers tea.', title: 'Ana tea' } }] }, { text: 'Saved.' });
    const saved = await run(app, owner, ask('Remember that Ana prefers tea'));
    expect(saved.events.find((e) => e.type === 'tool_result')).toMatchObject({ tool: { name: 'save_memory', ok: true } });
    const after = await app.services.files.list(owner, { limit: 50, offset: 0 });
    expect(after.rows.map((f) => f.uri).some((u) => /^memories\/\d{4}-\d\d-\d\d-ana-tea-[0-9a-f]{8}\.md$/.test(u))).toBe(true);
  });

  it('lists the agents and runs a vault agent with its own prompt, tools and temperature', async () => {
    await app.db.query(
      `INSERT INTO agents (tenant_id, id, name, description, system_prompt, tools, metadata) VALUES ($1, gen_random_uuid(), 'gardener', 'garden help', 'You only talk about gardens.', '["search"]', '{"temperature": 0.2}')`,
      [owner.tenantId],
    );
    expect((await app.services.chat.agents(owner)).map((a) => a.name)).toEqual(['p8-system', 'gardener']);
    fake.requests.length = 0;
    fake.queue({ text: 'Tomatoes.' });
    await run(app, owner, ask('what grows?', { model: 'gardener' }));
    expect(offeredTools(fake.requests[0]!)).toEqual(['search']);
    expect(fake.requests[0]?.body.temperature).toBe(0.2);
    expect(fake.requests[0]?.raw).toContain('You only talk about gardens.');
    await expect(app.services.chat.start(owner, ask('x', { model: 'no-such-agent' }), new AbortController().signal)).rejects.toMatchObject({ code: 'chat.unknown_model' });
  });

  it('refuses an end-to-end vault before anything runs (the server cannot read it)', async () => {
    const e2e: Actor = { ...reader, vaultMode: 'e2e' };
    await expect(app.services.chat.start(e2e, ask('hi'), new AbortController().signal)).rejects.toMatchObject({ code: 'e2e.server_blind' });
  });

  it('plans natural language as REM with the chat model; the plan runs through the guard', async () => {
    fake.queue({ text: JSON.stringify({ statements: ['LOOKUP "Ledger note"', 'SELECT count(*)::int AS n FROM resources'], note: 'name, then a count' }) });
    const res = await app.services.rem.ask(owner, 'what is the ledger note?');
    expect(res.plan).toEqual({ statements: ['LOOKUP "Ledger note"', 'SELECT count(*)::int AS n FROM resources'], model: 'openai-compatible:fake', note: 'name, then a count' });
    expect(res.results[0]?.nodes?.[0]?.label).toBe('Ledger note');
    expect(res.results[1]?.kind).toBe('sql');
    // Not REM: sent back once with the parser's error; SQL that writes is refused by the guard.
    fake.queue({ text: '{"statements":["FIND everything"],"note":""}' }, { text: '{"statements":["DELETE FROM files"],"note":""}' });
    await expect(app.services.rem.ask(owner, 'delete all')).rejects.toMatchObject({ code: 'rem.syntax' });
    expect((fake.requests.at(-1)?.raw ?? '')).toContain('It failed');
  });
});

describe('chat limits', () => {
  let fake: FakeLlm;
  let app: App & { dataDir: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    app = await chatApp(fake, { chatMaxToolRounds: 2, chatTimeoutSeconds: 1, chatRequestsPerMinute: 6, chatMaxRequestTokens: 1000 });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('stops after the tool rounds: the last call offers no tools and its text is the answer', async () => {
    fake.requests.length = 0;
    fake.queue(
      { toolCalls: [{ name: 'search', arguments: { query: 'a' } }] },
      { toolCalls: [{ name: 'search', arguments: { query: 'b' } }] },
      { text: 'Answer from what I have.' },
    );
    const { events } = await run(app, owner, ask('loop forever'));
    expect(fake.requests).toHaveLength(3);
    expect(offeredTools(fake.requests[2]!)).toEqual([]);
    expect(fake.requests[2]?.raw).toContain('used all your tool rounds');
    expect(text(events)).toBe('Answer from what I have.');
  });

  it('stops when the request used its token budget', async () => {
    fake.queue({ toolCalls: [{ name: 'search', arguments: { query: 'a' } }], usage: { input: 900, output: 200 } });
    const { events } = await run(app, owner, ask('expensive'));
    expect(done(events)?.finish_reason).toBe('length');
    expect(text(events)).toContain('used its token budget');
  });

  it('ends a run past its time with chat.timeout and stores the turn with the error', async () => {
    fake.queue({ text: Array.from({ length: 40 }, (_, i) => `slow${i} `), delayMs: 100 });
    const r = await app.services.chat.start(owner, ask('take your time'), new AbortController().signal);
    const err = await (async () => {
      for await (const _ of r.events);
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'chat.timeout' });
    const { messages } = await app.services.sessions.get(owner, r.sessionId);
    expect(messages.at(-1)?.error).toMatch(/^chat\.timeout/);
  });

  it('limits requests per device per minute', async () => {
    const device: Actor = { ...owner, deviceId: '00000000-0000-4000-8000-0000000000d1' };
    for (let i = 0; i < 6; i++) await app.services.chat.start(device, ask('hi'), new AbortController().signal);
    await expect(app.services.chat.start(device, ask('hi'), new AbortController().signal)).rejects.toMatchObject({ code: 'rate_limited', details: { retry_after_seconds: expect.any(Number) } });
    // Another device is not affected.
    await app.services.chat.start({ ...device, deviceId: '00000000-0000-4000-8000-0000000000d2' }, ask('hi'), new AbortController().signal);
  });

  it('counts rem --ask plans with chat runs: both spend the model', async () => {
    const device: Actor = { ...owner, deviceId: '00000000-0000-4000-8000-0000000000d3' };
    fake.queue({ text: JSON.stringify({ statements: ['SELECT count(*)::int AS n FROM resources'], note: '' }) });
    expect((await app.services.rem.ask(device, 'how many passages?')).results[0]?.kind).toBe('sql');
    for (let i = 0; i < 5; i++) await app.services.chat.start(device, ask('hi'), new AbortController().signal);
    const asked = fake.requests.length;
    await expect(app.services.rem.ask(device, 'and now?')).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(app.services.rem.query(device, 'how many files?')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(fake.requests.length).toBe(asked); // refused before the model was called
  });
});

describe('chat without a model, and long sessions', () => {
  it('answers with retrieved passages, labelled as not generated', async () => {
    const app = await createTestApp();
    try {
      await app.services.resources.writeSequence(owner, NOTES);
      const { events } = await run(app, owner, ask('Where does the zanzibar ledger live?'));
      expect(events[0]).toMatchObject({ type: 'start', model: 'p8fs:retrieval', retrieved: true });
      expect(text(events).startsWith(RETRIEVED_LABEL)).toBe(true);
      expect(text(events)).toContain('[1] Ledger note');
      expect(done(events)?.citations[0]).toMatchObject({ label: 'Ledger note', snippet: expect.stringContaining('blue trunk') });
    } finally {
      await app.close();
    }
  });

  it('compacts the oldest turns to REM pointers the model can follow', async () => {
    const fake = await startFakeLlm({ text: `${'A long answer about the garden and its tomatoes. '.repeat(40)}` });
    const app = await chatApp(fake, { chatHistoryTokens: 500 });
    try {
      const first = await run(app, owner, ask('Tell me about the garden, turn one.'));
      for (let i = 2; i <= 4; i++) await run(app, owner, ask(`Question number ${i}?`, { sessionId: first.sessionId }));
      const { session } = await app.services.sessions.get(owner, first.sessionId);
      expect(session.compacted_through).toBeGreaterThan(0);
      const last = fake.requests.at(-1)?.raw ?? '';
      expect(last).toContain(`LOOKUP \\"session ${first.sessionId} turn 1\\": Tell me about the garden, turn one.`);
      // What was dropped is no longer sent, and its pointer resolves.
      const sent = (fake.requests.at(-1)!.body.messages as { role: string; content: string }[]).filter((m) => m.role === 'user').map((m) => m.content);
      expect(sent).not.toContain('Tell me about the garden, turn one.');
      const found = await app.services.rem.query(owner, `LOOKUP "session ${first.sessionId} turn 1"`);
      expect(found.nodes?.map((n) => n.label)).toEqual([`session ${first.sessionId} turn 1`]);
      const turn = await app.services.resources.get(owner, found.nodes?.[0]?.id ?? '');
      expect(turn.content).toContain('User: Tell me about the garden, turn one.');
    } finally {
      await app.close();
      await fake.close();
    }
  });
});

// The same loop on the Anthropic and Gemini dialects (fakes of their streaming APIs): the tool call is
// understood, the tool's result goes back in the provider's own shape, and the answer streams.
describe.each([
  { spec: 'anthropic:claude-sonnet-4-5', keys: (url: string) => ({ anthropicApiKey: 'ak', anthropicBaseUrl: `${url}/v1` }) },
  { spec: 'google:gemini-2.5-flash', keys: (url: string) => ({ googleApiKey: 'gk', googleBaseUrl: `${url}/v1beta` }) },
])('chat on $spec', ({ spec, keys }) => {
  it('runs the tool loop', async () => {
    const fake = await startFakeLlm();
    const app = await createTestApp({ chatModel: spec as ConfigInput['chatModel'], chatRetries: 0, ...keys(fake.url) });
    try {
      await app.services.resources.writeSequence(owner, NOTES);
      fake.queue(
        { toolCalls: [{ name: 'search', arguments: { query: 'zanzibar ledger' } }] },
        (req) => ({ text: req.raw.includes('behind the blue trunk') ? 'In the attic [1].' : 'The tool result did not arrive.' }),
      );
      const { events } = await run(app, owner, ask('Where is the ledger?'));
      expect(text(events)).toBe('In the attic [1].');
      expect(done(events)?.usage.total_tokens).toBeGreaterThan(0);
      expect(fake.requests.every((r) => r.dialect === spec.split(':')[0]?.replace('google', 'gemini'))).toBe(true);
    } finally {
      await app.close();
      await fake.close();
    }
  });
});
