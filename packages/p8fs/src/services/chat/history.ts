import { countTokens } from '../../domain/text-split.js';
import type { ModelMessage, ModelToolCall } from '../../ports/chat-model.js';

/** A message of the conversation as chat handles it (from a request, or stored in the session). */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls: { id: string; name: string; arguments: string }[] }
  | { role: 'tool'; content: string; toolCallId: string; toolName: string | null };

/** The session's stored messages as chat messages, with the seq and turn each had. */
export interface StoredMessage {
  seq: number;
  turn: number;
  message: ChatMessage;
}

/** Tokens a message takes in the context (an estimate: the same counter the chunker uses). */
export function messageTokens(m: ChatMessage): number {
  const calls = m.role === 'assistant' ? m.toolCalls.reduce((n, c) => n + countTokens(c.arguments) + 8, 0) : 0;
  return countTokens(m.content) + calls + 4;
}

/**
 * Which stored messages leave the context: whole turns, oldest first, until the history and the new
 * messages fit `budget`; the newest stored turn always stays. Returns the last seq to compact, or 0.
 */
export function planCompaction(stored: readonly StoredMessage[], budget: number, incomingTokens: number): number {
  const turns = new Map<number, { last: number; tokens: number }>();
  for (const s of stored) {
    const t = turns.get(s.turn) ?? { last: 0, tokens: 0 };
    turns.set(s.turn, { last: Math.max(t.last, s.seq), tokens: t.tokens + messageTokens(s.message) });
  }
  const ordered = [...turns.values()].sort((a, b) => a.last - b.last);
  let total = ordered.reduce((n, t) => n + t.tokens, 0) + incomingTokens;
  let through = 0;
  for (const t of ordered.slice(0, -1)) {
    if (total <= budget) break;
    total -= t.tokens;
    through = t.last;
  }
  return through;
}

/** The parsed arguments of a tool call (the raw text when they are not JSON). */
export function parseArguments(text: string): unknown {
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The conversation as a model reads it. System messages are left out (they go into the system
 * prompt); a tool call without its result, or a result without its call (a turn cut short), is
 * dropped, since providers refuse unmatched pairs.
 */
export function toModelMessages(messages: readonly ChatMessage[]): ModelMessage[] {
  const answered = new Set(messages.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : [])));
  const out: ModelMessage[] = [];
  const asked = new Map<string, string>();
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'user') out.push({ role: 'user', text: m.content });
    else if (m.role === 'assistant') {
      const calls: ModelToolCall[] = m.toolCalls.filter((c) => answered.has(c.id)).map((c) => ({ id: c.id, name: c.name, input: parseArguments(c.arguments) }));
      for (const c of calls) asked.set(c.id, c.name);
      if (m.content !== '' || calls.length) out.push({ role: 'assistant', text: m.content, toolCalls: calls });
    } else {
      const name = asked.get(m.toolCallId);
      if (name === undefined) continue;
      const last = out.at(-1);
      const result = { id: m.toolCallId, name: m.toolName ?? name, output: m.content };
      if (last?.role === 'tool') last.results.push(result);
      else out.push({ role: 'tool', results: [result] });
    }
  }
  return out;
}
