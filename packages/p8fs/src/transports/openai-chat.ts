import { randomBytes } from 'node:crypto';
import type {
  ChatCompletion, ChatCompletionChunk, ChatCompletionRequestParsed, ChatEvent, ChatMessageIn, Citation, P8fsChunkInfo, ToolRun, Usage,
} from '@p8fs/contracts';
import type { ChatMessage } from '../services/chat/history.js';
import type { ChatInput, ChatRun } from '../services/chat/chat.js';

// Between OpenAI's chat-completions wire format and chat events, both ways: the HTTP API presents a
// run as chunks (or one completion), and the CLI against a server reads the chunks back as events.

/** An OpenAI message's content as text: text parts joined, other parts (images, audio) noted. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: { type?: string; text?: string }) => (p.type === 'text' ? (p.text ?? '') : `[${p.type ?? 'part'} omitted: P8FS agents read text]`)).join('\n');
}

/** The request's messages as chat messages. */
export function chatMessages(messages: readonly ChatMessageIn[]): ChatMessage[] {
  return messages.map((m): ChatMessage => {
    if (m.role === 'assistant') {
      const toolCalls = (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      return { role: 'assistant', content: contentText(m.content), toolCalls };
    }
    if (m.role === 'tool') return { role: 'tool', content: contentText(m.content), toolCallId: m.tool_call_id, toolName: null };
    if (m.role === 'user') return { role: 'user', content: contentText(m.content) };
    return { role: 'system', content: contentText(m.content) };
  });
}

/** A parsed chat-completions request as the chat service's input; headers name the session and moment. */
export function toChatInput(req: ChatCompletionRequestParsed, headers: { sessionId?: string | undefined; momentId?: string | undefined }, channel: ChatInput['channel']): ChatInput {
  const f = req.response_format;
  const output = f?.type === 'json_schema'
    ? { name: f.json_schema.name, schema: f.json_schema.schema ?? { type: 'object' } }
    : f?.type === 'json_object' ? { name: 'answer', schema: { type: 'object' } } : undefined;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? undefined;
  return {
    model: req.model, messages: chatMessages(req.messages), channel,
    sessionId: headers.sessionId ?? req.session_id, momentId: headers.momentId ?? req.moment_id,
    ...(req.temperature === null || req.temperature === undefined ? {} : { temperature: req.temperature }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(output ? { output } : {}),
  };
}

/** A completion id in OpenAI's form. */
export const completionId = (): string => `chatcmpl-${randomBytes(12).toString('base64url')}`;

/**
 * Chunks for one event. Tool calls are streamed as OpenAI tool-call deltas (numbered across the whole
 * run) while the agent keeps going on the server; their results ride in `p8fs`. The finish reason
 * comes once, at the true end, then a usage chunk (`choices: []`).
 */
export function eventChunks(ev: ChatEvent, base: { id: string; created: number; model: string }): ChatCompletionChunk[] {
  const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], extra: Partial<ChatCompletionChunk> = {}, finish: 'stop' | 'length' | null = null): ChatCompletionChunk =>
    ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra });
  switch (ev.type) {
    case 'start':
      return [chunk({ role: 'assistant', content: '' }, { p8fs: { kind: 'start', session_id: ev.session_id, agent: ev.agent, model: ev.model, retrieved: ev.retrieved } })];
    case 'text':
      return [chunk({ content: ev.delta })];
    case 'tool_call':
      return [chunk({ tool_calls: [{ index: ev.index, id: ev.id, type: 'function', function: { name: ev.name, arguments: ev.arguments } }] })];
    case 'tool_result':
      return [chunk({}, { p8fs: { kind: 'tool_result', tool: ev.tool } })];
    case 'done':
      return [
        chunk({}, { p8fs: { kind: 'end', session_id: ev.session_id, citations: ev.citations, cost_usd: ev.cost_usd } }, ev.finish_reason),
        { ...base, object: 'chat.completion.chunk', choices: [], usage: ev.usage },
      ];
  }
}

/** A whole run collected into one completion (stream: false). */
export async function collectCompletion(run: ChatRun, base: { id: string; created: number; model: string }): Promise<ChatCompletion> {
  let text = '';
  const tools: ToolRun[] = [];
  let citations: Citation[] = [];
  let usage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  let finish: 'stop' | 'length' = 'stop';
  let cost: number | null = null;
  let retrieved = false;
  for await (const ev of run.events) {
    if (ev.type === 'start') retrieved = ev.retrieved;
    else if (ev.type === 'text') text += ev.delta;
    else if (ev.type === 'tool_result') tools.push(ev.tool);
    else if (ev.type === 'done') ({ citations, usage, finish_reason: finish, cost_usd: cost } = ev);
  }
  return {
    ...base, object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: finish, logprobs: null }],
    usage,
    p8fs: { session_id: run.sessionId, agent: run.agent, model: run.model, retrieved, tool_calls: tools, citations, cost_usd: cost },
  };
}

/** Reads chunks back into events (the CLI against a server): the inverse of eventChunks. */
export class ChunkReader {
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();
  private finish: 'stop' | 'length' | null = null;
  private end: Extract<P8fsChunkInfo, { kind: 'end' }> | null = null;

  /** The events one chunk stands for. */
  read(c: ChatCompletionChunk): ChatEvent[] {
    const out: ChatEvent[] = [];
    const info = c.p8fs;
    if (info?.kind === 'start') out.push({ type: 'start', session_id: info.session_id, agent: info.agent, model: info.model, retrieved: info.retrieved });
    for (const choice of c.choices) {
      if (choice.delta.content) out.push({ type: 'text', delta: choice.delta.content });
      for (const t of choice.delta.tool_calls ?? []) {
        this.calls.set(t.index, { id: t.id, name: t.function.name, arguments: t.function.arguments });
        out.push({ type: 'tool_call', index: t.index, id: t.id, name: t.function.name, arguments: t.function.arguments });
      }
      if (choice.finish_reason) this.finish = choice.finish_reason;
    }
    if (info?.kind === 'tool_result') out.push({ type: 'tool_result', tool: info.tool });
    if (info?.kind === 'end') this.end = info;
    if (c.usage && this.end) {
      out.push({ type: 'done', finish_reason: this.finish ?? 'stop', usage: c.usage, cost_usd: this.end.cost_usd, citations: this.end.citations, session_id: this.end.session_id });
    }
    return out;
  }
}
