import { type ChildProcess, spawn } from 'node:child_process';
import { FileDto, RemAskResult, SessionDetail, SessionList, UploadResult } from '@p8fs/contracts';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, offeredTools, startFakeLlm, toolResults } from '../fake-llm/server.js';
import { assertBuilt, BIN, cleanup, p8fs, poll, Running, tempDir, vaultEnv } from './cli.js';

// Chat through a real `p8fs serve`, with the official openai client as the caller (stream and not,
// the server's tool loop, abort), `p8fs chat` in a pseudo-terminal, NL -> REM, and sessions read
// back after a restart. The model is the scripted fake the test owns: no model runs here.

const NOTE = '# Attic inventory\n\nThe zanzibar ledger lives in the attic, behind the blue trunk.\n';

describe('chat with the vault: OpenAI-compatible API, CLI and sessions', () => {
  let fake: FakeLlm;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let server: Running;
  let url: string;
  let token: string;
  let client: OpenAI;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });

  async function startServer(): Promise<void> {
    server = new Running(['serve', '--port', '0', '--workers', '1'], env);
    url = await server.listening();
    const t = await p8fs(['auth', 'token'], env);
    expect(t.code, t.stderr).toBe(0);
    token = t.stdout.trim();
    client = new OpenAI({ apiKey: token, baseURL: `${url}/api/v1`, maxRetries: 0 });
  }

  beforeAll(async () => {
    assertBuilt();
    fake = await startFakeLlm();
    dir = tempDir('chat');
    env = vaultEnv(dir, { P8FS_CHAT_MODEL: 'openai-compatible:fake-model', P8FS_OPENAI_BASE_URL: `${fake.url}/v1`, P8FS_CHAT_RETRIES: '0', P8FS_CHAT_REQUESTS_PER_MINUTE: '1000' });
    await startServer();
    const form = new FormData();
    form.append('path', 'notes/attic.md');
    form.append('file', new Blob([NOTE], { type: 'text/markdown' }), 'attic.md');
    const up = await fetch(`${url}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const id = UploadResult.parse(await up.json()).id;
    await poll(async () => FileDto.parse(await (await api(`/api/v1/files/${id}`)).json()).status === 'indexed', 'the note indexed');
  }, 180_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await fake?.close();
    cleanup(dir);
  });

  it('lists the agents as models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('p8-system');
  });

  it('answers without streaming: the server runs the tool loop, the client gets the answer and the session', async () => {
    fake.queue(
      { toolCalls: [{ name: 'search', arguments: { query: 'zanzibar ledger' }, id: 'call_s' }] },
      (req) => ({ text: toolResults(req).call_s?.includes('behind the blue trunk') ? 'Behind the blue trunk in the attic [1].' : 'Not found.' }),
    );
    const { data, response } = await client.chat.completions.create({ model: 'p8-system', messages: [{ role: 'user', content: 'Where is the zanzibar ledger?' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Behind the blue trunk in the attic [1].');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    const info = (data as unknown as { p8fs: { session_id: string; tool_calls: { name: string; ok: boolean }[]; citations: { n: number; uri: string }[] } }).p8fs;
    expect(response.headers.get('x-session-id')).toBe(info.session_id);
    expect(info.tool_calls).toMatchObject([{ name: 'search', ok: true }]);
    expect(info.citations[0]?.uri).toBe('notes/attic.md#chunk=0');
  });

  it('streams chat.completion.chunk lines with tool-call deltas, a usage chunk and [DONE] only at the end', async () => {
    fake.queue({ text: 'Looking. ', toolCalls: [{ name: 'search', arguments: { query: 'attic' } }] }, { text: 'It is in the attic.' });
    const stream = await client.chat.completions.create({ model: 'p8-system', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Attic?' }] });
    let text = '';
    const toolNames: string[] = [];
    let finishes = 0;
    let usage = 0;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        for (const t of choice.delta.tool_calls ?? []) toolNames.push(t.function?.name ?? '');
        if (choice.finish_reason) finishes++;
      }
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(text).toBe('Looking. It is in the attic.');
    expect(toolNames).toEqual(['search']);
    expect(finishes).toBe(1);
    expect(usage).toBeGreaterThan(0);
  });

  it('a client that aborts mid-stream cancels the model call upstream', async () => {
    fake.queue({ text: Array.from({ length: 60 }, (_, i) => `word${i} `), delayMs: 150 });
    const before = fake.closedEarly;
    const abort = new AbortController();
    const stream = await client.chat.completions.create({ model: 'p8-system', stream: true, messages: [{ role: 'user', content: 'Tell me a long story' }] }, { signal: abort.signal });
    let pieces = 0;
    const reading = (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) pieces++;
        if (pieces === 3) abort.abort();
      }
    })();
    // The openai client ends an aborted stream quietly (or with an abort error, by version).
    await reading.catch(() => {});
    expect(pieces).toBeLessThan(10);
    await poll(async () => fake.closedEarly > before, 'the fake model server to see its stream closed', 10_000);
  });

  it('continues a session by X-Session-Id, refuses an unknown model, and deletes a session', async () => {
    fake.queue({ text: 'First.' });
    const first = await client.chat.completions.create({ model: 'p8-system', messages: [{ role: 'user', content: 'Remember the attic.' }] });
    const sessionId = (first as unknown as { p8fs: { session_id: string } }).p8fs.session_id;
    fake.queue({ text: 'Second.' });
    const before = fake.requests.length;
    await client.chat.completions.create({ model: 'p8-system', messages: [{ role: 'user', content: 'And now?' }] }, { headers: { 'X-Session-Id': sessionId } });
    const sent = (fake.requests[before]!.body.messages as { role: string; content: string }[]).filter((m) => m.role !== 'system').map((m) => m.content);
    expect(sent).toEqual(['Remember the attic.', 'First.', 'And now?']);
    const detail = SessionDetail.parse(await (await api(`/api/v1/sessions/${sessionId}`)).json());
    expect(detail.turns).toBe(2);
    await expect(client.chat.completions.create({ model: 'no-such-agent', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404 });
    expect((await api(`/api/v1/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/v1/sessions/${sessionId}`)).status).toBe(404);
  });

  it('plans natural language as REM over HTTP and with p8fs rem --ask', async () => {
    const plan = JSON.stringify({ statements: ["SELECT name FROM files WHERE name = 'attic.md'"], note: 'the file by name' });
    fake.queue({ text: plan });
    const res = await api('/api/v1/rem/query', { method: 'POST', body: JSON.stringify({ ask: 'which file is the attic inventory?' }) });
    expect(res.status).toBe(200);
    const viaApi = RemAskResult.parse(await res.json());
    expect(viaApi.plan.statements).toEqual(["SELECT name FROM files WHERE name = 'attic.md'"]);
    expect(viaApi.results[0]?.rows).toEqual([{ name: 'attic.md' }]);
    fake.queue({ text: plan });
    const cli = await p8fs(['rem', '--ask', 'which file is the attic inventory?', '--json'], env);
    expect(cli.code, cli.stderr).toBe(0);
    expect(RemAskResult.parse(JSON.parse(cli.stdout)).results[0]?.rows).toEqual([{ name: 'attic.md' }]);
  });

  it('p8fs chat "question" answers once, with the tools it used and the sources it cites', async () => {
    fake.queue({ toolCalls: [{ name: 'search', arguments: { query: 'ledger' } }] }, { text: 'In the attic [1].' });
    const r = await p8fs(['chat', 'Where is the ledger?'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('In the attic [1].');
    // [1] is the best hit of the search: the note, or an earlier chat about it (sessions are part of the memory).
    expect(r.stdout).toMatch(/Sources:\n {2}\[1\] (.+ — )?(notes\/attic\.md#chunk=0|p8fs:\/\/sessions\/\S+)\n/);
    expect(r.stderr).toContain('→ search {"query":"ledger"}');
    fake.queue({ text: 'Plain answer.' });
    const j = await p8fs(['chat', 'Once more', '--json'], env);
    expect(JSON.parse(j.stdout)).toMatchObject({ answer: 'Plain answer.', agent: 'p8-system', model: 'openai-compatible:fake-model', finish_reason: 'stop' });
  });

  it('p8fs chat in a terminal: a conversation of two turns in one session', async () => {
    fake.queue({ toolCalls: [{ name: 'search', arguments: { query: 'trunk' } }] }, { text: 'The trunk is blue [1].' }, { text: 'You asked about the trunk.' });
    const term = new Terminal(env);
    try {
      await term.until((s) => s.includes('you> '), 'the prompt');
      term.type('What colour is the trunk?\n');
      await term.until((s) => s.includes('The trunk is blue [1].') && s.includes('Sources:'), 'the first answer');
      await term.until((s) => s.split('you> ').length >= 3, 'the second prompt');
      term.type('What did I ask?\n');
      await term.until((s) => s.includes('You asked about the trunk.'), 'the second answer');
      term.type('/exit\n');
      expect(await term.exited).toBe(0);
      expect(term.output).toContain('→ search {"query":"trunk"}');
    } finally {
      term.kill();
    }
    const list = SessionList.parse(await (await api('/api/v1/sessions?limit=1')).json());
    expect(list.sessions[0]).toMatchObject({ name: 'What colour is the trunk?', turns: 2 });
  });

  it('keeps sessions across a restart: read back and continued', async () => {
    fake.queue({ text: 'Before the restart.' });
    const first = await client.chat.completions.create({ model: 'p8-system', messages: [{ role: 'user', content: 'Note this: restart test.' }] });
    const sessionId = (first as unknown as { p8fs: { session_id: string } }).p8fs.session_id;
    expect(await server.stop('SIGTERM')).toBe(0);
    await startServer();
    const detail = SessionDetail.parse(await (await api(`/api/v1/sessions/${sessionId}`)).json());
    expect(detail.messages.map((m) => m.content)).toEqual(['Note this: restart test.', 'Before the restart.']);
    fake.queue({ text: 'After the restart.' });
    const before = fake.requests.length;
    await client.chat.completions.create({ model: 'p8-system', messages: [{ role: 'user', content: 'Still there?' }] }, { headers: { 'X-Session-Id': sessionId } });
    expect(fake.requests[before]?.raw).toContain('Before the restart.');
    expect(offeredTools(fake.requests[before]!)).toContain('save_memory');
  }, 180_000);
});

/** `p8fs chat` in a pseudo-terminal (util-linux `script`), typed into like a person would. */
class Terminal {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn('script', ['-q', '-e', '-c', `'${process.execPath}' '${BIN}' chat`, '/dev/null'], { env: { ...env, TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d) => (this.output += d));
    this.child.stderr?.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  type(text: string): void {
    this.child.stdin?.write(text);
  }

  async until(check: (screen: string) => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.output)) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`no ${what} in the terminal:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
