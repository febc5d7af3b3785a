import type { ModelList, SessionDetail, SessionDto, SessionList, SessionMessageDto } from '@p8fs/contracts';
import type { AgentSpec } from '../services/chat/agent-spec.js';
import type { SessionMessageRow, SessionRow } from '../services/sql/sessions.js';

// The only way chat's rows become JSON (sessions, their messages, agents as OpenAI "models").

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();

/** A session as listed. */
export function toSessionDto(r: SessionRow): SessionDto {
  return {
    id: r.id, name: r.name, agent: r.agent, model: r.model, moment_id: r.moment_id, turns: r.turns,
    prompt_tokens: r.prompt_tokens, completion_tokens: r.completion_tokens, cost_usd: Number(r.cost_usd), latency_ms: Math.round(Number(r.latency_ms)),
    compacted_through: r.compacted_through, created_at: iso(r.created_at), updated_at: iso(r.updated_at),
  };
}

export function toSessionList(page: { rows: SessionRow[]; total: number }, paging: { limit: number; offset: number }): SessionList {
  return { sessions: page.rows.map(toSessionDto), total: page.total, limit: paging.limit, offset: paging.offset };
}

function toMessageDto(m: SessionMessageRow, compactedThrough: number): SessionMessageDto {
  return {
    seq: m.seq, turn: m.turn, role: m.role, content: m.content, tool_calls: m.tool_calls, tool_call_id: m.tool_call_id, tool_name: m.tool_name,
    model: m.model, prompt_tokens: m.prompt_tokens, completion_tokens: m.completion_tokens,
    cost_usd: m.cost_usd === null ? null : Number(m.cost_usd), latency_ms: m.latency_ms, error: m.error,
    compacted: m.seq <= compactedThrough, created_at: iso(m.created_at),
  };
}

/** A session with every message (compacted ones marked). */
export function toSessionDetail(s: { session: SessionRow; messages: SessionMessageRow[] }): SessionDetail {
  return { ...toSessionDto(s.session), messages: s.messages.map((m) => toMessageDto(m, s.session.compacted_through)) };
}

/** The agents as OpenAI "models", so any OpenAI client can pick one. */
export function toModelList(agents: readonly (AgentSpec & { createdAt: Date | null })[]): ModelList {
  return {
    object: 'list',
    data: agents.map((a) => ({
      id: a.name, object: 'model' as const, created: a.createdAt ? Math.floor(a.createdAt.getTime() / 1000) : 0,
      owned_by: a.builtin ? 'p8fs' : 'vault', description: a.description,
    })),
  };
}
