import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Answer, anthropicEvents, geminiChunks, openaiChunks, openaiCompletion } from './dialects.js';

/**
 * A scripted model server the tests own, on loopback: OpenAI chat completions at /v1/chat/completions
 * (what `openai` and `openai-compatible` call), Anthropic Messages at /v1/messages and Gemini at
 * /v1beta/models/<model>:streamGenerateContent. It answers turn by turn from a script (text, tool
 * calls, errors, slow streams), falls back to `fallback` when the script runs out, and logs every
 * request it was sent, so tests assert what reached the model (tool results, and what must not).
 */

/** One scripted reply: an answer, an HTTP error, or an answer streamed slowly. */
export type Turn =
  | (Answer & { delayMs?: number; waitFor?: Promise<void> })
  | { status: number; error?: string; retryAfterMs?: number };

/** A turn, or a function of the request that makes one (to answer from what the request carried). */
export type Script = Turn | ((req: LoggedRequest) => Turn);

export interface LoggedRequest {
  dialect: 'openai' | 'anthropic' | 'gemini';
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** The whole body as text: what the model was shown. */
  raw: string;
}

export class FakeLlm {
  readonly requests: LoggedRequest[] = [];
  /** Streams a client closed before they ended (an aborted request reaches the model server). */
  closedEarly = 0;
  private readonly script: Script[] = [];
  private server: Server | null = null;
  private n = 0;
  url = '';

  constructor(private fallback: Script = { text: 'Nothing more to add.' }) {}

  /** Queue replies, answered in order. */
  queue(...turns: Script[]): this {
    this.script.push(...turns);
    return this;
  }

  /** What to answer once the queue is empty. */
  otherwise(turn: Script): this {
    this.fallback = turn;
    return this;
  }

  /** Everything the model was sent, as one string (for canary checks). */
  everything(): string {
    return this.requests.map((r) => r.raw).join('\n');
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '';
    const dialect = path.includes('/messages') ? 'anthropic' : path.includes(':streamGenerateContent') || path.includes(':generateContent') ? 'gemini' : 'openai';
    const logged: LoggedRequest = { dialect, path, headers: req.headers, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, raw };
    this.requests.push(logged);
    const next = this.script.shift() ?? this.fallback;
    const turn = typeof next === 'function' ? next(logged) : next;
    const n = ++this.n;
    if ('status' in turn) {
      res.writeHead(turn.status, { 'content-type': 'application/json', ...(turn.retryAfterMs === undefined ? {} : { 'retry-after-ms': String(turn.retryAfterMs) }) });
      res.end(JSON.stringify({ error: { message: turn.error ?? `fake error ${turn.status}`, type: 'server_error', code: null } }));
      return;
    }
    let ended = false;
    res.on('close', () => {
      if (!ended) this.closedEarly++;
    });
    const model = String(logged.body.model ?? path.match(/models\/([^:]+)/)?.[1] ?? 'fake');
    if (dialect === 'openai' && logged.body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(openaiCompletion(turn, model, n));
      ended = true;
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const lines = dialect === 'openai'
      ? [...openaiChunks(turn, model, n).map((d) => `data: ${d}\n\n`), 'data: [DONE]\n\n']
      : dialect === 'anthropic'
        ? anthropicEvents(turn, model, n).map(([e, d]) => `event: ${e}\ndata: ${d}\n\n`)
        : geminiChunks(turn).map((d) => `data: ${d}\n\n`);
    for (const [i, line] of lines.entries()) {
      if (res.destroyed) return;
      if (i === 1 && turn.waitFor) await turn.waitFor;
      if (turn.delayMs && i > 0) await new Promise((r) => setTimeout(r, turn.delayMs));
      if (res.destroyed) return;
      res.write(line);
    }
    ended = true;
    res.end();
  }
}

/** Start a fake model server. */
export function startFakeLlm(fallback?: Script): Promise<FakeLlm> {
  return new FakeLlm(fallback).start();
}

/** The tool results (role tool) a logged OpenAI request carried, by tool call id. */
export function toolResults(req: LoggedRequest): Record<string, string> {
  const messages = (req.body.messages ?? []) as { role: string; tool_call_id?: string; content?: unknown }[];
  return Object.fromEntries(messages.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id ?? '', String(m.content)]));
}

/** The tool names a logged OpenAI request offered. */
export function offeredTools(req: LoggedRequest): string[] {
  return ((req.body.tools ?? []) as { function?: { name?: string } }[]).map((t) => t.function?.name ?? '');
}
