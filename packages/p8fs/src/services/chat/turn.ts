import { sha256 } from '../../domain/ids.js';
import type { NewSessionMessage, SessionMessageRow } from '../sql/sessions.js';
import type { ChatMessage, StoredMessage } from './history.js';

// Between chat messages and stored rows, and what identifies a conversation a stateless client resends.

/** The messages of a request that are new to its session: those after the last assistant answer it carries. */
export function newMessages(messages: readonly ChatMessage[], continuing: boolean): ChatMessage[] {
  if (!continuing) return [...messages];
  const last = messages.findLastIndex((m) => m.role === 'assistant');
  return messages.slice(last + 1);
}

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * A conversation's key: its first user message and first answer, hashed. A stateless client
 * (Open WebUI) resends the whole conversation each time without a session id; the key finds the
 * session its first exchange started. Null until the conversation has both.
 */
export function threadKey(messages: readonly ChatMessage[]): string | null {
  const user = messages.find((m) => m.role === 'user' && norm(m.content) !== '');
  const answer = messages.find((m) => m.role === 'assistant' && norm(m.content) !== '');
  return user && answer ? sha256(`${norm(user.content)}\u0000${norm(answer.content)}`) : null;
}

/** A stored row as a chat message (with its seq and turn). */
export function fromRow(r: SessionMessageRow): StoredMessage {
  const message: ChatMessage = r.role === 'assistant'
    ? { role: 'assistant', content: r.content, toolCalls: r.tool_calls ?? [] }
    : r.role === 'tool'
      ? { role: 'tool', content: r.content, toolCallId: r.tool_call_id ?? '', toolName: r.tool_name }
      : r.role === 'system' ? { role: 'system', content: r.content } : { role: 'user', content: r.content };
  return { seq: r.seq, turn: r.turn, message };
}

/** A chat message as a row to store (turn numbers are the store's). */
export function toRow(m: ChatMessage): Omit<NewSessionMessage, 'turn'> {
  return {
    role: m.role, content: m.content,
    tool_calls: m.role === 'assistant' && m.toolCalls.length ? m.toolCalls : null,
    tool_call_id: m.role === 'tool' ? m.toolCallId : null,
    tool_name: m.role === 'tool' ? m.toolName : null,
    model: null, prompt_tokens: null, completion_tokens: null, cost_usd: null, latency_ms: null, error: null,
  };
}

/** One line per tool call of a turn (`search {"query":"lisbon"}`), for the turn's searchable mirror. */
export function toolLines(produced: readonly ChatMessage[]): string[] {
  return produced.flatMap((m) => (m.role === 'assistant' ? m.toolCalls.map((c) => `${c.name} ${c.arguments.slice(0, 200)}`) : []));
}
